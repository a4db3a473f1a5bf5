import { z } from "zod";
import { withAliases } from "./spec-aliases";

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

/** Spec 000 names the preferences in snake_case; its clients send them so. */
const SPEC_NAMES = {
  auto_escalate: "autoEscalate",
  video_enabled: "videoEnabled",
  voice_enabled: "voiceEnabled",
  auto_transcript: "autoTranscript",
  tavus_replica_id: "tavusReplicaId",
  elevenlabs_voice_id: "elevenlabsVoiceId",
  preferred_chat_mode: "preferredChatMode",
  call_history_enabled: "callHistoryEnabled",
  notifications_enabled: "notificationsEnabled",
} as const;

/** A partial update: only the keys given change. Unknown keys are refused rather than stored. */
export const updatePreferencesBody = withAliases(preferences.partial().strict(), SPEC_NAMES, "spec 000").refine(
  (value) => Object.keys(value).length > 0,
  "Give at least one preference to change",
);
