import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import { userPreferences } from "../../db/schema";
import type { ServiceContext, UserCaller } from "../../shared/context";

const chatMode = z.enum(["normal", "messenger", "whatsapp", "shopify", "woocommerce"]);

export const preferences = z
  .object({
    language: z.string().min(2).max(35),
    autoEscalate: z.boolean(),
    videoEnabled: z.boolean(),
    voiceEnabled: z.boolean(),
    autoTranscript: z.boolean(),
    tavusReplicaId: z.string().max(200).nullable(),
    elevenlabsVoiceId: z.string().max(200).nullable(),
    preferredChatMode: chatMode,
    callHistoryEnabled: z.boolean(),
    notificationsEnabled: z.boolean(),
  })
  .meta({ id: "UserPreferences" });

/** Spec 000's defaults; a user who never saved preferences reads these. */
export const DEFAULT_PREFERENCES: z.infer<typeof preferences> = {
  language: "en",
  autoEscalate: false,
  videoEnabled: true,
  voiceEnabled: true,
  autoTranscript: true,
  tavusReplicaId: null,
  elevenlabsVoiceId: null,
  preferredChatMode: "normal",
  callHistoryEnabled: true,
  notificationsEnabled: true,
};

/** A partial update: only the keys given change. Unknown keys are refused rather than stored. */
export const updatePreferencesBody = preferences
  .partial()
  .strict()
  .refine((value) => Object.keys(value).length > 0, "Give at least one preference to change");

export async function getPreferences(ctx: ServiceContext<UserCaller>) {
  const [row] = await ctx.db
    .select({ preferences: userPreferences.preferences })
    .from(userPreferences)
    .where(eq(userPreferences.userId, ctx.caller.userId));
  return { ...DEFAULT_PREFERENCES, ...row?.preferences };
}

/** One upsert that merges the change into what is stored (jsonb `||`). */
export async function updatePreferences(
  ctx: ServiceContext<UserCaller>,
  change: z.infer<typeof updatePreferencesBody>,
) {
  const [row] = await ctx.db
    .insert(userPreferences)
    .values({ userId: ctx.caller.userId, tenantId: ctx.caller.tenantId, preferences: change })
    .onConflictDoUpdate({
      target: userPreferences.userId,
      set: { preferences: sql`${userPreferences.preferences} || excluded.preferences` },
    })
    .returning({ preferences: userPreferences.preferences });
  return { ...DEFAULT_PREFERENCES, ...row?.preferences };
}
