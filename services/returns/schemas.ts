import { z } from "zod";
import { RECOMMENDATIONS } from "../../db/schema";
import { policyRules, RESOLUTIONS } from "./policy-rules";

/** Response shapes of the policy side of the returns desk (spec 000); the OpenAPI document is built from them. */

export const FACT_SOURCES = ["request", "order", "missing"] as const;
export type FactSource = (typeof FACT_SOURCES)[number];

const fact = <T extends z.ZodType>(value: T, what: string) =>
  z
    .object({
      value: value.nullable(),
      source: z
        .enum(FACT_SOURCES)
        .describe("request: given by the caller; order: looked up in the tenant's order; missing: neither"),
    })
    .describe(what);

export const evaluation = z
  .object({
    eligible: z.boolean().describe("Every hard condition of the policy (window, category, reason) is known to be met"),
    recommendation: z.enum(RECOMMENDATIONS).describe("approve, deny, or review by a person"),
    confidence: z.number().min(0).max(1).describe("How sure the engine is of its recommendation, 0–1"),
    reasons: z.array(z.string()).describe("Why, in plain sentences"),
    daysSincePurchase: z.number().int().nullable().describe("Whole UTC days from purchase to now; null if unknown"),
    windowDays: z.number().int().describe("The return window applied, category override included"),
    policyVersion: z.string().nullable().describe("Version of the policy applied; null for the default policy"),
    isDefaultPolicy: z.boolean().describe("true: no policy is active and the built-in default was applied"),
    restockingFeePercent: z.number(),
    allowedResolutions: z.array(z.enum(RESOLUTIONS)),
    evidenceRequired: z.boolean().describe("The policy requires evidence (photos) for this reason"),
    evidenceProvided: z.boolean(),
    factsUsed: z
      .object({
        purchaseDate: fact(z.iso.datetime(), "Purchase date (ISO 8601 UTC)"),
        productCategory: fact(z.string(), "Product category, normalised to lower snake case"),
        orderValue: fact(z.number(), "Order value"),
        orderFound: z.boolean().describe("An order with this id exists for the tenant and the customer's email"),
        customerEmailMatches: z
          .boolean()
          .nullable()
          .describe("The order's email is the customer's; null when no order with this id exists"),
      })
      .describe("The facts the evaluation was made on, and where each came from"),
  })
  .meta({ id: "ReturnEvaluation" });

export type Evaluation = z.infer<typeof evaluation>;

export const policy = z
  .object({
    id: z.number().int(),
    tenantId: z.uuid(),
    version: z.string(),
    isActive: z.boolean(),
    effectiveDate: z.date().nullable(),
    rules: policyRules,
    createdBy: z.uuid().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: "Policy" });

export type PolicyRow = z.infer<typeof policy>;

/** What the public active-policy route answers: the policy (without who wrote it) or null, nothing else. */
export const publicPolicy = policy.omit({ createdBy: true }).meta({ id: "PublicPolicy" });
export const activePolicy = publicPolicy.nullable();

/** What the AI agent reads: the active policy, or the built-in default (`isDefault: true`, no id). */
export const aiPolicy = z
  .object({
    id: z.number().int().nullable().describe("null for the default policy"),
    version: z.string(),
    isActive: z.boolean(),
    isDefault: z.boolean().describe("true: the tenant has no active policy and this is the built-in default"),
    effectiveDate: z.date().nullable(),
    rules: policyRules,
  })
  .meta({ id: "AiPolicy" });
