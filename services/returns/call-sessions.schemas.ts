import { createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import {
  CALL_PROVIDERS,
  CALL_SESSION_STATUSES,
  CALL_SESSION_TYPES,
  callAnalytics,
  callSessions,
  callTranscripts,
} from "../../db/schema";
import { boundedJson, httpUrl, jsonObject, pageQuery, timestamp, trimmedText } from "../../shared/schemas";
import { MAX_MESSAGE_LENGTH, sender } from "./chat.schemas";

/**
 * Request and response shapes of the returns desk's voice and video calls, their transcripts and
 * analytics (spec 000). Every input is strict: an unknown field is a 400, not silently dropped.
 * Responses are the table's row without its tenant (drizzle-zod), with the enum columns' values
 * and jsonb as free-form JSON.
 */

const externalId = trimmedText(500);

const callType = z.enum(CALL_SESSION_TYPES);
const callProvider = z.enum(CALL_PROVIDERS);
export const callStatus = z.enum(CALL_SESSION_STATUSES);

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
    providerData: jsonObject().optional(),
  })
  .strict();

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
    webhookData: jsonObject().optional().describe("The provider's webhook payload that reported the change"),
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

export const callSession = createSelectSchema(callSessions, {
  callType,
  provider: callProvider,
  status: callStatus,
  durationSeconds: z.number().int(), // drizzle-zod would add int4's bounds to the documented integer
  providerData: z.unknown(),
  webhookData: z.unknown(),
  activatedAt: timestamp.nullable().describe("When the call became active"),
})
  .omit({ tenantId: true })
  .meta({ id: "CallSession" });

const transcriptSegment = z
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

const MAX_SEGMENTS = 500;
export const createTranscriptsBody = z
  .object({ segments: z.array(transcriptSegment).min(1).max(MAX_SEGMENTS) })
  .strict()
  .describe(`A batch of 1–${MAX_SEGMENTS} segments, stored in one statement`);

export const transcript = createSelectSchema(callTranscripts, {
  speaker: sender,
  message: (column) => column.describe("As stored: card numbers and secrets are redacted before storage"),
  // numeric columns: drizzle-zod would document ±2^53 bounds on these plain numbers.
  timestampSeconds: z.number().nullable(),
  confidenceScore: z.number().nullable(),
})
  .omit({ tenantId: true })
  .meta({ id: "CallTranscript" });

export const createAnalyticsBody = z
  .object({
    provider: callProvider,
    metrics: jsonObject().default({}),
    events: z
      .array(z.unknown())
      .max(10_000)
      .superRefine(boundedJson(256 * 1024))
      .default([]),
  })
  .strict();

export const analytics = createSelectSchema(callAnalytics, { metrics: z.unknown(), events: z.unknown() })
  .omit({ tenantId: true })
  .meta({ id: "CallAnalytics" });

export const callSessionDetail = callSession
  .extend({ transcripts: z.array(transcript), analytics: z.array(analytics) })
  .meta({ id: "CallSessionDetail" });
