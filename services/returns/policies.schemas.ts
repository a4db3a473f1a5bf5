import { createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import { policies } from "../../db/schema";
import { pageQuery, serialId } from "../../shared/schemas";
import { policyRules } from "./policy-rules.schemas";

/** Request and response shapes of the policy versions (spec 000); the OpenAPI document is built from them. */

/** Policy ids are bigints; in a path they must be a positive integer. */
export const policyIdParams = z.object({
  id: serialId.describe("The policy's id"),
});

export const listPoliciesQuery = pageQuery;

const version = z.string().trim().min(1).max(100).describe("A name for this version, unique within the tenant");
const effectiveDate = z.iso
  .datetime({ offset: true })
  .transform((value) => new Date(value))
  .nullable()
  .describe("When the version takes effect (informational); null: none set");

export const createPolicyBody = z
  .object({ version, rules: policyRules, effectiveDate: effectiveDate.optional() })
  .strict();

export const updatePolicyBody = z
  .object({ version, rules: policyRules, effectiveDate })
  .partial()
  .strict()
  .refine((value) => Object.keys(value).length > 0, "Give at least one field to change");

/** Both spellings of the public route's filter: `businessId` and the spec's `business_id`. */
export const activePolicyQuery = z
  .object({
    businessId: z.uuid().optional().describe("The business (tenant) whose active policy to read"),
    business_id: z.uuid().optional().describe("Same as businessId"),
  })
  .refine((value) => value.businessId ?? value.business_id, {
    message: "Give businessId",
    path: ["businessId"],
  })
  .transform((value) => ({ businessId: (value.businessId ?? value.business_id) as string }));

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
