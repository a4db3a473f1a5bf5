import { createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import { policies } from "../../db/schema";
import { isoDateInput, pageQuery, serialId } from "../../shared/schemas";
import { withAliases } from "../platform/spec-aliases";
import { BUSINESS_ALIAS, ownBusinessFields } from "./business.schemas";
import { policyRules } from "./policy-rules.schemas";

/** Request and response shapes of the policy versions (spec 000); the OpenAPI document is built from them. */

/** Policy ids are bigints; in a path they must be a positive integer. */
export const policyIdParams = z.object({
  id: serialId.describe("The policy's id"),
});

/** Spec 000's names of the policy fields clients send. */
const POLICY_ALIASES = { ...BUSINESS_ALIAS, effective_date: "effectiveDate" } as const;

export const listPoliciesQuery = withAliases(pageQuery.extend(ownBusinessFields), BUSINESS_ALIAS, "spec 000");

const version = z.string().trim().min(1).max(100).describe("A name for this version, unique within the tenant");
const effectiveDate = isoDateInput.nullable().describe("When the version takes effect (informational); null: none set");

export const createPolicyBody = withAliases(
  z.object({ version, rules: policyRules, effectiveDate: effectiveDate.optional(), ...ownBusinessFields }).strict(),
  POLICY_ALIASES,
  "spec 000",
);

export const updatePolicyBody = withAliases(
  z.object({ version, rules: policyRules, effectiveDate }).partial().extend(ownBusinessFields).strict(),
  POLICY_ALIASES,
  "spec 000",
).refine(({ businessId: _business, ...change }) => Object.keys(change).length > 0, "Give at least one field to change");

/** Spec 000 sends the business when activating; nothing else is needed. */
export const activatePolicyBody = withAliases(z.object(ownBusinessFields).strict(), BUSINESS_ALIAS, "spec 000");

/** What the AI agent may name: its own business, as spec 000's clients do. */
export const aiPolicyQuery = withAliases(z.object(ownBusinessFields), BUSINESS_ALIAS, "spec 000");

/** Both spellings of the public route's filter: `businessId` and the spec's `business_id`. */
export const activePolicyQuery = withAliases(
  z.object({
    businessId: z.uuid().optional().describe("The business (tenant) whose active policy to read"),
    business_id: z.uuid().optional().describe("Same as businessId"),
  }),
  BUSINESS_ALIAS,
  "spec 000",
)
  .refine((value) => value.businessId, { message: "Give businessId", path: ["businessId"] })
  .transform((value) => ({ businessId: value.businessId as string }));

/** A policy version: its row (drizzle-zod), with `rules` as the PolicyRules schema rather than any JSON. */
export const policy = createSelectSchema(policies, { rules: policyRules }).meta({ id: "Policy" });

/** What the public active-policy route answers: the policy (without who wrote it) or null, nothing else. */
const publicPolicy = policy.omit({ createdBy: true }).meta({ id: "PublicPolicy" });
export const activePolicy = publicPolicy.nullable();

/** What the AI agent reads: the active policy, or the built-in default (`isDefault: true`, no id). */
const column = policy.shape;
export const aiPolicy = z
  .object({
    id: column.id.nullable().describe("null for the default policy"),
    version: column.version,
    isActive: column.isActive,
    isDefault: z.boolean().describe("true: the tenant has no active policy and this is the built-in default"),
    effectiveDate: column.effectiveDate,
    rules: column.rules,
  })
  .meta({ id: "AiPolicy" });
