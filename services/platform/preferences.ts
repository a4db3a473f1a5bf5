import { eq, sql } from "drizzle-orm";
import type { z } from "zod";
import { userPreferences } from "../../db/schema";
import type { ServiceContext, UserCaller } from "../../shared/context";
import type { preferences, updatePreferencesBody } from "./preferences.schemas";

/** Spec 000's defaults; a user who never saved preferences reads these. */
const DEFAULT_PREFERENCES: z.infer<typeof preferences> = {
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
