import { createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import { HANDOFF_PRIORITIES, HANDOFF_STATUSES, handoffPackages, PROPERTY_TYPES, SALES_CHANNELS } from "../../db/schema";
import { anyCaseEnum, decimalText, pageQuery, trimmedText } from "../../shared/schemas";
import { withAliases } from "../platform/spec-aliases";
import { salesChannel } from "./prospects.schemas";

/**
 * Request and response shapes of hand-off packages (spec 001). Inputs are strict (an unknown field
 * is a 400) and take spec 001's snake_case names beside the camelCase ones.
 */

/** A package's time to live when the request names none, and at least what a released one has left. */
export const DEFAULT_TTL_HOURS = 48;

const ttlHours = z
  .number()
  .int()
  .min(1)
  .max(720)
  .describe(
    `Hours the package waits to be claimed before the handoff-expiry job expires it (1–720; default ${DEFAULT_TTL_HOURS})`,
  );

const score = z.number().int().min(0).max(100);

export const listHandoffsQuery = withAliases(
  pageQuery
    .extend({
      status: anyCaseEnum(HANDOFF_STATUSES).optional(),
      priority: anyCaseEnum(HANDOFF_PRIORITIES).optional(),
      claimedBy: z.uuid().optional().describe("The rep who claimed it (the issue's assignee); `assignee` is an alias"),
      prospectId: z.uuid().optional(),
    })
    .strict(),
  { assignee: "claimedBy", prospect_id: "prospectId", claimed_by: "claimedBy" },
  "issue 14 and spec 001",
);

export const fromAppointmentBody = withAliases(
  z.object({ appointmentId: z.uuid(), ttlHours: ttlHours.default(DEFAULT_TTL_HOURS) }).strict(),
  { appointment_id: "appointmentId" },
  "spec 001",
);

const qualificationScoreInput = z
  .object({
    overall: score,
    budget: score.nullable().default(null),
    timeline: score.nullable().default(null),
    intent: score.nullable().default(null),
    engagement: score.nullable().default(null),
    notes: trimmedText(2000).nullable().default(null),
  })
  .strict()
  .describe('0–100 each; stored with `source: "manual"`');

export const createHandoffBody = withAliases(
  z
    .object({
      prospectId: z.uuid(),
      conversationId: z
        .uuid()
        .optional()
        .describe("A sales conversation of the prospect; its context is copied into conversationContext"),
      priority: anyCaseEnum(HANDOFF_PRIORITIES),
      reason: trimmedText(500),
      summary: trimmedText(5000),
      detectedNeeds: z.array(trimmedText(500)).max(50).default([]),
      nextSteps: z.array(trimmedText(500)).max(50).default([]),
      suggestedPropertyIds: z
        .array(z.uuid())
        .max(10)
        .refine((ids) => new Set(ids).size === ids.length, "Name each property once")
        .default([])
        .describe("Properties of the tenant, kept in this order as snapshots (suggestedProperties)"),
      qualificationScore: qualificationScoreInput
        .optional()
        .describe("Without one, the prospect's latest AI score (qualification_scores) if any, else {}"),
      sourceChannel: salesChannel.optional().describe("Without one, the conversation's sales channel, if any"),
      suggestedFollowUpChannel: salesChannel
        .optional()
        .describe("Without one, the prospect's preferred channel, else sourceChannel, else phone"),
      ttlHours: ttlHours.default(DEFAULT_TTL_HOURS),
    })
    .strict(),
  {
    prospect_id: "prospectId",
    conversation_id: "conversationId",
    detected_needs: "detectedNeeds",
    next_steps: "nextSteps",
    qualification_score: "qualificationScore",
    source_channel: "sourceChannel",
    suggested_follow_up_channel: "suggestedFollowUpChannel",
  },
  "spec 001",
);

const suggestedProperty = z
  .object({
    id: z.uuid(),
    name: z.string(),
    city: z.string(),
    type: z.enum(PROPERTY_TYPES),
    bedrooms: z.number().int(),
    priceMin: decimalText,
    priceMax: decimalText.nullable(),
    currency: z.string(),
  })
  .meta({ id: "HandoffSuggestedProperty" });

/** Every key optional: a package keeps the score it was given, and a manual one may have none ({}). */
const qualificationScore = z
  .looseObject({
    overall: score.optional(),
    budget: score.nullable().optional(),
    timeline: score.nullable().optional(),
    intent: score.nullable().optional(),
    engagement: score.nullable().optional(),
    notes: z.string().nullable().optional(),
    source: z
      .enum(["ai", "derived", "manual"])
      .optional()
      .describe("ai: the prospect's latest AI score; derived: from the data (see from-appointment); manual: given"),
    scoredAt: z.string().nullable().optional().describe("When the AI scored it (ISO 8601)"),
  })
  .meta({ id: "HandoffQualificationScore" });

export const handoff = createSelectSchema(handoffPackages, {
  priority: z.enum(HANDOFF_PRIORITIES),
  status: z.enum(HANDOFF_STATUSES),
  sourceChannel: z.enum(SALES_CHANNELS).nullable(),
  suggestedFollowUpChannel: z.enum(SALES_CHANNELS).nullable(),
  suggestedProperties: z.array(suggestedProperty),
  qualificationScore,
  claimedBy: (column) => column.describe("The user who claimed it; null while pending"),
  expiresAt: (column) => column.describe("A pending package past this instant is expired by the handoff-expiry job"),
})
  .omit({ tenantId: true })
  .meta({ id: "Handoff" });
