import { createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import { routingRules } from "../../db/schema";
import { booleanQuery, decimalText, pageQuery, trimmedText } from "../../shared/schemas";
import { budgetAmount, salesChannel } from "./prospects.schemas";

/**
 * Request and response shapes of routing rules (spec 001's routing_rules). Inputs are strict. Cities
 * are stored trimmed and in lower case, each once; channels and reps each once.
 */

const MAX_REPS = 50;

const distinct = <T>(values: T[]) => [...new Set(values)];

const cities = z
  .array(trimmedText(100).transform((city) => city.toLowerCase()))
  .max(100)
  .transform(distinct)
  .describe("Cities the rule takes (any case; stored in lower case); empty takes any city");
const channels = z
  .array(salesChannel)
  .max(4)
  .transform(distinct)
  .describe("Preferred channels the rule takes; empty takes any (and prospects with none)");
const repIds = z
  .array(z.uuid())
  .min(1)
  .max(MAX_REPS)
  .transform(distinct)
  .describe(
    `1 to ${MAX_REPS} users of the tenant with a rep role (sales_rep, sales_manager), given prospects in turn; ` +
      "an inactive rep (PUT /api/reps/:id) is passed over",
  );

export const listRoutingRulesQuery = pageQuery.extend({ isActive: booleanQuery.optional() }).strict();

const ruleFields = {
  name: trimmedText(200),
  priority: z
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .describe("Lower is tried first; rules of equal priority in the order of their ids"),
  isActive: z.boolean(),
  cities,
  minBudget: budgetAmount.nullable().describe("The lowest budget the rule takes; null: no lower bound"),
  maxBudget: budgetAmount
    .nullable()
    .describe(
      "The highest budget the rule takes; null: no upper bound. A prospect without a budget matches only a rule with neither bound",
    ),
  channels,
  repIds,
};

/** Both bounds given: the lower may not exceed the upper (the database checks the stored pair too). */
const boundsInOrder = (rule: { minBudget?: string | null; maxBudget?: string | null }) =>
  rule.minBudget == null || rule.maxBudget == null || Number(rule.minBudget) <= Number(rule.maxBudget);
const BOUNDS_MESSAGE = { message: "maxBudget must be at least minBudget", path: ["maxBudget"] };

export const createRoutingRuleBody = z
  .object({
    ...ruleFields,
    priority: ruleFields.priority.default(100),
    isActive: ruleFields.isActive.default(true),
    cities: ruleFields.cities.default([]),
    minBudget: ruleFields.minBudget.optional(),
    maxBudget: ruleFields.maxBudget.optional(),
    channels: ruleFields.channels.default([]),
  })
  .strict()
  .refine(boundsInOrder, BOUNDS_MESSAGE);

export const updateRoutingRuleBody = z
  .object(ruleFields)
  .partial()
  .strict()
  .refine((body) => Object.keys(body).length > 0, "Give at least one field to change")
  .refine(boundsInOrder, BOUNDS_MESSAGE);

export const routingRule = createSelectSchema(routingRules, {
  minBudget: decimalText.nullable(),
  maxBudget: decimalText.nullable(),
  assignmentCount: (column) => column.describe("Prospects the rule has assigned: whose turn is next"),
})
  .omit({ tenantId: true })
  .meta({ id: "RoutingRule" });
