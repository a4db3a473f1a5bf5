import { createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import { AGENT_STATUSES, agents, CALL_DIRECTIONS, CALL_STATUSES, CALL_TYPES, calls } from "../../db/schema";
import { pageQuery, windowDays } from "../../shared/schemas";

/** Request and response shapes of the voice module's reads (spec 004); the OpenAPI document is built from them. */

const retellId = z.string().trim().min(1).max(200);
export const agentParams = z.object({ agentId: retellId.describe("Retell's agent id") });
export const callParams = z.object({ callId: retellId.describe("Retell's call id") });

/** What call history sorts by; calls.ts maps each to its column. */
const CALL_SORTS = ["date", "duration", "cost"] as const;
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
  days: windowDays,
  agentId: retellId.optional().describe("Only this agent's calls (Retell's agent id)"),
});

export const agent = createSelectSchema(agents, {
  agentId: (column) => column.describe("Retell's agent id"),
  status: z.enum(AGENT_STATUSES),
})
  .omit({ tenantId: true, callCount: true })
  .meta({ id: "Agent" });

/** Retell's transcript_object: one entry per utterance (with word timings when Retell sends them). */
const utterance = z.looseObject({ role: z.string(), content: z.string() });

/**
 * A call's row without its tenant (drizzle-zod), enum columns typed and jsonb as sent. integer and
 * double precision columns keep their plain number types: drizzle-zod would document int4 and
 * ±2^47 bounds on them.
 */
const callRow = createSelectSchema(calls, {
  callId: (column) => column.describe("Retell's call id; GET /api/calls/{callId} reads the whole call"),
  agentId: (column) => column.describe("Retell's agent id"),
  agentVersion: z.number().int().nullable(),
  callType: z.enum(CALL_TYPES),
  direction: z.enum(CALL_DIRECTIONS).nullable(),
  callStatus: z.enum(CALL_STATUSES),
  durationMs: z.number().int().nullable(),
  costCents: z.number().nullable().describe("Retell's combined cost of the call, in (fractional) cents"),
  transcriptObject: z.array(utterance).nullable(),
  analyzed: (column) => column.describe("True once Retell's post-call analysis has arrived"),
  userSentiment: z.string().nullable().describe("Retell's user_sentiment: Positive, Negative, Neutral or Unknown"),
  customAnalysisData: z.unknown().describe("Retell's custom_analysis_data, as sent"),
  metadata: z.unknown().describe("The metadata the call was created with, as sent"),
}).omit({ tenantId: true });

/** `shape` with `extra` inserted after `key`, so a computed field is documented beside the column it comes from. */
function insertAfter<S extends z.ZodRawShape, E extends z.ZodRawShape>(shape: S, key: keyof S, extra: E) {
  const entries = Object.entries(shape).flatMap(([name, schema]) =>
    name === key ? [[name, schema], ...Object.entries(extra)] : [[name, schema]],
  );
  return Object.fromEntries(entries) as Omit<S, keyof E> & E;
}

/** One call as lists show it: everything but the transcript. */
const { transcript: _transcript, transcriptObject: _transcriptObject, ...listed } = callRow.shape;
export const call = z
  .object(
    insertAfter(listed, "durationMs", {
      durationSeconds: z.number().int().nullable().describe("durationMs in whole seconds, rounded"),
    }),
  )
  .meta({ id: "Call" });

export const callDetail = call
  .extend({
    agentName: z.string().nullable().describe("The name of the agent that took the call"),
    transcript: callRow.shape.transcript,
    transcriptObject: callRow.shape.transcriptObject,
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
