import { z } from "zod";
import { RECOMMENDATIONS } from "../../db/schema";
import { email, httpUrl, isoDateInput } from "../../shared/schemas";
import { withAliases } from "../platform/spec-aliases";
import { BUSINESS_ALIAS, ownBusinessFields } from "./business.schemas";
import { REASON_CODES, RESOLUTIONS } from "./policy-rules.schemas";

/** What the AI agent asks the policy engine (POST /api/ai-policy-helper/evaluate-return), and what it answers. */

/**
 * What the AI agent (and the return-requests service) asks the engine about. The tenant is the
 * caller's; spec 000's clients also name it, and send the fields under their snake_case names.
 */
export const evaluateReturnBody = withAliases(
  z
    .object({
      orderId: z.string().trim().min(1).max(200).describe("The order's id in the business's system"),
      customerEmail: email.describe("The customer's email; an order under another email is not used"),
      reasonForReturn: z
        .string()
        .trim()
        .min(1)
        .max(100)
        .describe(
          `A reason code: ${REASON_CODES.join(", ")} (case-insensitive); a code the policy does not know goes to review`,
        ),
      reasonDetails: z.string().trim().max(5000).optional().describe("The customer's own words"),
      purchaseDate: isoDateInput
        .optional()
        .describe("ISO 8601 date or date-time; looked up from the order when not given"),
      productCategory: z.string().trim().min(1).max(100).optional().describe("Looked up from the order when not given"),
      orderValue: z.number().min(0).max(1e9).optional().describe("Looked up from the order when not given"),
      evidenceUrls: z
        .array(httpUrl)
        .max(10)
        .optional()
        .describe("Links to photos or other evidence (http or https, at most 10)"),
      requestedResolution: z.enum(RESOLUTIONS).optional().describe("What the customer would like"),
      ...ownBusinessFields,
    })
    .strict(),
  {
    ...BUSINESS_ALIAS,
    order_id: "orderId",
    customer_email: "customerEmail",
    reason_for_return: "reasonForReturn",
    purchase_date: "purchaseDate",
    product_category: "productCategory",
  },
  "spec 000",
);

export type EvaluateReturnInput = z.infer<typeof evaluateReturnBody>;

const FACT_SOURCES = ["request", "order", "missing"] as const;
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
