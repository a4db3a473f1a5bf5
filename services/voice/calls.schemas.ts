import { z } from "zod";
import { AGENT_STATUSES, CALL_STATUSES } from "../../db/schema";
import { pageQuery } from "../../shared/schemas";

/** Request and response shapes of the voice module's reads (spec 004); the OpenAPI document is built from them. */

const retellId = z.string().trim().min(1).max(200);
export const agentParams = z.object({ agentId: retellId.describe("Retell's agent id") });
export const callParams = z.object({ callId: retellId.describe("Retell's call id") });

/** What call history sorts by; calls.ts maps each to its column. */
export const CALL_SORTS = ["date", "duration", "cost"] as const;
export type CallSort = (typeof CALL_SORTS)[number];
export const callHistoryQuery = pageQuery.extend({
  sortBy: z
    .enum(CALL_SORTS)
    .default("date")
    .describe("date: when the call started; duration: durationMs; cost: costCents. Calls without the value come last"),
  order: z
    .enum(["desc", "asc"])
    .default("desc")
    .describe("Direction of sortBy; newest, longest or dearest first by default"),
});

export const overviewQuery = z.object({
  days: z.coerce
    .number()
    .int()
    .min(1)
    .max(365)
    .default(30)
    .describe("Length of the window in UTC days, today included (1–365, default 30)"),
  agentId: retellId.optional().describe("Only this agent's calls (Retell's agent id)"),
});

export const agent = z
  .object({
    id: z.uuid(),
    agentId: z.string().describe("Retell's agent id"),
    agentName: z.string().nullable(),
    status: z.enum(AGENT_STATUSES),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: "Agent" });

/** One call as lists show it: everything but the transcript. */
export const call = z
  .object({
    id: z.uuid(),
    callId: z.string().describe("Retell's call id; GET /api/calls/{callId} reads the whole call"),
    agentId: z.string().describe("Retell's agent id"),
    agentVersion: z.number().int().nullable(),
    callType: z.enum(["web_call", "phone_call"]),
    direction: z.enum(["inbound", "outbound"]).nullable(),
    fromNumber: z.string().nullable(),
    toNumber: z.string().nullable(),
    callStatus: z.enum(CALL_STATUSES),
    startedAt: z.date().nullable(),
    endedAt: z.date().nullable(),
    durationMs: z.number().int().nullable(),
    durationSeconds: z.number().int().nullable().describe("durationMs in whole seconds, rounded"),
    costCents: z.number().nullable().describe("Retell's combined cost of the call, in (fractional) cents"),
    recordingUrl: z.string().nullable(),
    publicLogUrl: z.string().nullable(),
    disconnectionReason: z.string().nullable(),
    analyzed: z.boolean().describe("True once Retell's post-call analysis has arrived"),
    callSummary: z.string().nullable(),
    userSentiment: z.string().nullable().describe("Retell's user_sentiment: Positive, Negative, Neutral or Unknown"),
    callSuccessful: z.boolean().nullable(),
    inVoicemail: z.boolean().nullable(),
    customAnalysisData: z.unknown().describe("Retell's custom_analysis_data, as sent"),
    metadata: z.unknown().describe("The metadata the call was created with, as sent"),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: "Call" });

/** Retell's transcript_object: one entry per utterance (with word timings when Retell sends them). */
const utterance = z.looseObject({ role: z.string(), content: z.string() });

export const callDetail = call
  .extend({
    agentName: z.string().nullable().describe("The name of the agent that took the call"),
    transcript: z.string().nullable(),
    transcriptObject: z.array(utterance).nullable(),
  })
  .meta({ id: "CallDetail" });

const count = z.number().int().min(0);

export const callOverview = z
  .object({
    from: z.iso.date().describe("First UTC day of the window (inclusive)"),
    to: z.iso.date().describe("Last UTC day of the window (inclusive): today"),
    days: z.number().int(),
    agentId: z.string().nullable().describe("The agent the figures are limited to; null for all agents"),
    totalCalls: count.describe("Calls that started in the window"),
    totalDurationMs: count,
    averageDurationMs: z.number().int().nullable().describe("Over calls with a duration; null when none has one"),
    totalCostCents: z.number(),
    analyzedCalls: count.describe("Analysed calls whose success Retell judged"),
    successfulCalls: count,
    successRate: z.number().min(0).max(1).nullable().describe("successfulCalls / analyzedCalls; null when none"),
    sentiment: z
      .object({ Positive: count, Negative: count, Neutral: count, Unknown: count })
      .describe("Calls by Retell's user sentiment; calls without one are left out, any other value counts as Unknown"),
    disconnectionReasons: z
      .array(z.object({ reason: z.string(), count }))
      .describe("How calls ended, most frequent first"),
    callsPerDay: z
      .array(z.object({ date: z.iso.date(), calls: count }))
      .describe("Every UTC day of the window, oldest first, zero when no call started that day"),
  })
  .meta({ id: "CallOverview" });

export type CallOverview = z.infer<typeof callOverview>;
