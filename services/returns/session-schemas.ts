import { z } from "zod";
import {
  CALL_PROVIDERS,
  CALL_SESSION_STATUSES,
  CALL_SESSION_TYPES,
  CHAT_MESSAGE_TYPES,
  CHAT_MODES,
  CHAT_SENDERS,
  CHAT_SESSION_TYPES,
  CONFIG_PROVIDERS,
} from "../../db/schema";
import { httpUrl, pageQuery, timestamp } from "../../shared/schemas";
import { stateMachine } from "../../shared/state-machine";

/**
 * Request and response shapes of the returns desk's chat, calls and provider configs (spec 000).
 * Every input is strict: an unknown field is a 400, not silently dropped.
 */

/** Free-form JSON a caller attaches (session, message or call metadata); at most 64 KB serialised. */
const MAX_JSON_BYTES = 64 * 1024;
export const jsonObject = z
  .record(z.string().max(200), z.unknown())
  .refine((value) => JSON.stringify(value).length <= MAX_JSON_BYTES, `At most ${MAX_JSON_BYTES} bytes of JSON`);
const shortText = (max = 200) => z.string().trim().min(1).max(max);
const externalId = shortText(500);
const booleanQuery = z
  .enum(["true", "false"])
  .transform((value) => value === "true")
  .describe("true or false");

export const chatMode = z.enum(CHAT_MODES);
export const chatSessionType = z.enum(CHAT_SESSION_TYPES);
export const sender = z.enum(CHAT_SENDERS);
export const messageType = z.enum(CHAT_MESSAGE_TYPES);
export const callType = z.enum(CALL_SESSION_TYPES);
export const callProvider = z.enum(CALL_PROVIDERS);
export const callStatus = z.enum(CALL_SESSION_STATUSES);
export const configProvider = z.enum(CONFIG_PROVIDERS);

export const sessionIdParams = z.object({ sessionId: z.uuid() }).strict();

// ---- chat sessions and messages ----

export const listChatSessionsQuery = pageQuery
  .extend({
    userId: z.uuid().optional(),
    isActive: booleanQuery.optional(),
    chatMode: chatMode.optional(),
    sessionType: chatSessionType.optional(),
  })
  .strict();

export const createChatSessionBody = z
  .object({
    sessionName: shortText().optional().describe("Defaults to 'Test Session'"),
    chatMode: chatMode.default("normal"),
    sessionType: chatSessionType.default("test_mode"),
    metadata: jsonObject.optional(),
    userId: z.uuid().optional().describe("A user of the tenant; defaults to the calling user (none for API keys)"),
  })
  .strict();

export const chatSession = z
  .object({
    id: z.uuid(),
    userId: z.uuid().nullable(),
    sessionName: z.string(),
    chatMode,
    sessionType: chatSessionType,
    isActive: z.boolean(),
    metadata: z.unknown(),
    createdAt: timestamp,
    updatedAt: timestamp.describe("Last activity: bumped by every message"),
  })
  .meta({ id: "ChatSession" });

export const MAX_MESSAGE_LENGTH = 10_000;
export const createChatMessageBody = z
  .object({
    sessionId: z.uuid(),
    sender,
    message: z.string().min(1).max(MAX_MESSAGE_LENGTH),
    messageType: messageType.default("text"),
    metadata: jsonObject.optional(),
  })
  .strict();

/** A page of a parent's children: chat messages, call transcripts, call analytics. */
export const listChildrenQuery = pageQuery.strict();

export const chatMessage = z
  .object({
    id: z.uuid(),
    sessionId: z.uuid(),
    sender,
    message: z.string().describe("As stored: card numbers and secrets are redacted before storage"),
    messageType,
    metadata: z.unknown(),
    createdAt: timestamp,
  })
  .meta({ id: "ChatMessage" });

// ---- call sessions, transcripts, analytics ----

export const listCallSessionsQuery = pageQuery
  .extend({
    status: callStatus.optional(),
    provider: callProvider.optional(),
    callType: callType.optional(),
    chatSessionId: z.uuid().optional(),
  })
  .strict();

export const createCallSessionBody = z
  .object({
    chatSessionId: z.uuid().optional().describe("A chat session of the tenant the call belongs to"),
    callType,
    provider: callProvider,
    externalSessionId: externalId.optional(),
    elevenlabsAgentId: externalId.optional(),
    elevenlabsConversationId: externalId.optional(),
    tavusReplicaId: externalId.optional(),
    tavusConversationId: externalId.optional(),
    sessionUrl: httpUrl.optional(),
    providerData: jsonObject.optional(),
  })
  .strict();

/** Which statuses a call may move to from each status; ended and failed are final. */
export const callStatuses = stateMachine<z.infer<typeof callStatus>>("call", {
  initiated: ["connecting", "active", "failed", "ended"],
  connecting: ["active", "failed", "ended"],
  active: ["ended", "failed"],
  ended: [],
  failed: [],
});
export const CALL_TRANSITIONS = callStatuses.transitions;

export const updateCallSessionBody = z
  .object({
    status: callStatus,
    durationSeconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 86_400)
      .optional()
      .describe("Only with ended or failed: overrides the duration computed from when the call became active"),
    externalSessionId: externalId.optional(),
    webhookData: jsonObject.optional().describe("The provider's webhook payload that reported the change"),
  })
  .strict()
  .refine((value) => value.durationSeconds === undefined || value.status === "ended" || value.status === "failed", {
    message: "durationSeconds can only be given when the call ends or fails",
    path: ["durationSeconds"],
  })
  .describe(
    "A status transition: initiated → connecting | active | failed | ended; connecting → active | failed | ended; " +
      "active → ended | failed. Any other move is a 422.",
  );

export const callSession = z
  .object({
    id: z.uuid(),
    chatSessionId: z.uuid().nullable(),
    callType,
    provider: callProvider,
    externalSessionId: z.string().nullable(),
    status: callStatus,
    durationSeconds: z.number().int(),
    providerData: z.unknown(),
    elevenlabsAgentId: z.string().nullable(),
    elevenlabsConversationId: z.string().nullable(),
    tavusReplicaId: z.string().nullable(),
    tavusConversationId: z.string().nullable(),
    sessionUrl: z.string().nullable(),
    webhookData: z.unknown(),
    isActive: z.boolean(),
    createdAt: timestamp,
    updatedAt: timestamp,
    activatedAt: timestamp.nullable().describe("When the call became active"),
    endedAt: timestamp.nullable(),
  })
  .meta({ id: "CallSession" });

export const transcriptSegment = z
  .object({
    speaker: sender,
    message: z.string().min(1).max(MAX_MESSAGE_LENGTH),
    timestampSeconds: z
      .number()
      .min(0)
      .max(7 * 86_400)
      .describe("Seconds from the start of the call"),
    confidenceScore: z.number().min(0).max(1).optional(),
  })
  .strict();

export const MAX_SEGMENTS = 500;
export const createTranscriptsBody = z
  .object({ segments: z.array(transcriptSegment).min(1).max(MAX_SEGMENTS) })
  .strict()
  .describe(`A batch of 1–${MAX_SEGMENTS} segments, stored in one statement`);

export const transcript = z
  .object({
    id: z.uuid(),
    callSessionId: z.uuid(),
    speaker: sender,
    message: z.string().describe("As stored: card numbers and secrets are redacted before storage"),
    timestampSeconds: z.number().nullable(),
    confidenceScore: z.number().nullable(),
    createdAt: timestamp,
  })
  .meta({ id: "CallTranscript" });

export const createAnalyticsBody = z
  .object({
    provider: callProvider,
    metrics: jsonObject.default({}),
    events: z
      .array(z.unknown())
      .max(10_000)
      .refine((value) => JSON.stringify(value).length <= 256 * 1024, "At most 256 KB of events")
      .default([]),
  })
  .strict();

export const analytics = z
  .object({
    id: z.uuid(),
    callSessionId: z.uuid(),
    provider: z.string(),
    metrics: z.unknown(),
    events: z.unknown(),
    createdAt: timestamp,
  })
  .meta({ id: "CallAnalytics" });

export const callSessionDetail = callSession
  .extend({ transcripts: z.array(transcript), analytics: z.array(analytics) })
  .meta({ id: "CallSessionDetail" });
