import { createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import {
  agentActions,
  agentPlanSteps,
  detectedEntities,
  ENTITY_TYPES,
  PLAN_STEP_STATUSES,
  PROPERTY_TYPES,
  prospectConversations,
  qualificationScores,
} from "../../db/schema";
import { anyCaseEnum, decimalText, isoDateInput, jsonObject, trimmedText } from "../../shared/schemas";
import { conversationFields } from "./conversations.schemas";

/**
 * Request and response shapes of what the AI agent records during a sales conversation: its
 * actions, the entities it detects, its qualification scores, its plan and the live state.
 */

export const MAX_RECORDS = 100;

const action = z
  .object({
    type: trimmedText(100).describe("What the agent did: called, sent_listing, booked_viewing, ..."),
    description: trimmedText(2000).optional(),
    payload: jsonObject({ maxBytes: 8 * 1024 })
      .optional()
      .describe("Details of the action: a JSON object of at most 8 KB"),
    occurredAt: isoDateInput.optional().describe("Defaults to the time it is recorded"),
  })
  .strict();

const entity = z
  .object({
    type: anyCaseEnum(ENTITY_TYPES),
    value: trimmedText(500).describe("As heard: a budget as '2,000,000', '2.5M' or '500k'; bedrooms as '3'"),
    confidence: z.number().min(0).max(1).optional().describe("0 to 1"),
  })
  .strict();

const points = z.number().int().min(0).max(100);
const score = z
  .object({
    overall: points,
    budget: points.optional(),
    timeline: points.optional(),
    intent: points.optional(),
    engagement: points.optional(),
    notes: trimmedText(5000).optional(),
  })
  .strict()
  .describe("Each score 0 to 100");

const planStep = z
  .object({
    position: z.number().int().min(0).max(1000),
    description: trimmedText(1000),
    status: anyCaseEnum(PLAN_STEP_STATUSES).default("pending"),
  })
  .strict();

const state = z
  .object({
    isLive: z.boolean().optional().describe("false ends the conversation (endedAt is set); true resumes it"),
    stage: trimmedText(100)
      .nullable()
      .optional()
      .describe("The stage the agent has reached: greeting, qualifying, ..."),
    data: jsonObject().nullable().optional().describe("The agent's working state, replacing the one stored"),
  })
  .strict()
  .refine((value) => Object.keys(value).length > 0, "Give isLive, stage or data");

const records = <T extends z.ZodType>(item: T) => z.array(item).min(1).max(MAX_RECORDS).optional();

export const recordAgentActivityBody = z
  .object({
    actions: records(action),
    entities: records(entity),
    score: score.optional(),
    planSteps: records(planStep)
      .refine(
        (steps) => steps === undefined || new Set(steps.map((step) => step.position)).size === steps.length,
        "Each plan step's position may be given once",
      )
      .describe("Steps by position: a position given again replaces its step (description and status)"),
    state: state.optional(),
    outcome: conversationFields.outcome.nullable().optional(),
    sentiment: conversationFields.sentiment.nullable().optional(),
    summary: conversationFields.summary.nullable().optional(),
    durationSeconds: conversationFields.durationSeconds.nullable().optional(),
    aiConfidence: conversationFields.aiConfidence.nullable().optional(),
    handoffSuggested: conversationFields.handoffSuggested.optional(),
  })
  .strict()
  .refine((body) => Object.values(body).some((value) => value !== undefined), "Give at least one thing to record");

/** The prospect's fields detected entities fill. */
export const prospectFields = z
  .object({
    budget: decimalText.nullable(),
    timeline: z.string().nullable(),
    city: z.string().nullable(),
    preferredPropertyType: z.enum(PROPERTY_TYPES).nullable(),
    bedrooms: z.number().int().nullable(),
  })
  .meta({ id: "AgentFilledProspectFields" });

const liveState = createSelectSchema(prospectConversations, {
  state: z.record(z.string(), z.unknown()).nullable(),
}).pick({
  isLive: true,
  stage: true,
  state: true,
  endedAt: true,
});

export const agentActivityRecorded = z
  .object({
    conversationId: z.uuid(),
    prospectId: z.uuid(),
    recorded: z.object({
      actions: z.number().int(),
      entities: z.number().int(),
      scores: z.number().int(),
      planSteps: z.number().int(),
      conversationFields: z.array(z.string()).describe("The conversation's fields this call set"),
    }),
    state: liveState,
    prospect: prospectFields.describe("The prospect's fields entities fill, as they now are"),
    filled: z
      .array(prospectFields.keyof())
      .describe(
        "The prospect's fields this call's entities filled; a field a person (or an earlier entity) set is kept",
      ),
  })
  .meta({ id: "AgentActivityRecorded" });

const record = { tenantId: true, conversationId: true, prospectId: true } as const;
const agentAction = createSelectSchema(agentActions, { payload: z.record(z.string(), z.unknown()).nullable() })
  .omit(record)
  .meta({ id: "AgentAction" });
const detectedEntity = createSelectSchema(detectedEntities, { type: z.enum(ENTITY_TYPES) })
  .omit(record)
  .meta({ id: "AgentDetectedEntity" });
const qualificationScore = createSelectSchema(qualificationScores).omit(record).meta({ id: "AgentQualificationScore" });
const agentPlanStep = createSelectSchema(agentPlanSteps, { status: z.enum(PLAN_STEP_STATUSES) })
  .omit(record)
  .meta({ id: "AgentPlanStep" });

export const ACTIVITY_LIMITS = { actions: 200, entities: 200, scores: 50, planSteps: 200 } as const;

export const agentActivity = liveState
  .extend({
    conversationId: z.uuid(),
    prospectId: z.uuid(),
    actions: z.array(agentAction).describe(`The latest ${ACTIVITY_LIMITS.actions}, oldest first`),
    entities: z.array(detectedEntity).describe(`The latest ${ACTIVITY_LIMITS.entities}, oldest first`),
    score: qualificationScore.nullable().describe("The latest score"),
    scores: z.array(qualificationScore).describe(`The latest ${ACTIVITY_LIMITS.scores} scores, newest first`),
    planSteps: z.array(agentPlanStep).describe(`By position (the first ${ACTIVITY_LIMITS.planSteps})`),
  })
  .meta({ id: "AgentActivity" });
