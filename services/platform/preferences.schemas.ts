import { z } from "zod";

/** Request and response shapes of a user's preferences (spec 000); the OpenAPI document is built from them. */

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

/** A partial update: only the keys given change. Unknown keys are refused rather than stored. */
export const updatePreferencesBody = preferences
  .partial()
  .strict()
  .refine((value) => Object.keys(value).length > 0, "Give at least one preference to change");
