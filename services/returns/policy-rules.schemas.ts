import { z } from "zod";

/**
 * What a return policy says, stored as `policies.rules` (jsonb): the `PolicyRules` schema and its
 * vocabulary. The schema documents every field so the OpenAPI document shows policy authors what
 * each knob does. The engine (policy-engine.ts) is the only reader of these rules; the default
 * policy and the reading of stored rules are in policy-rules.ts.
 */

/** The reason codes customers (or the AI agent on their behalf) give for a return. */
export const REASON_CODES = [
  "damaged",
  "defective",
  "wrong_item",
  "not_as_described",
  "changed_mind",
  "other",
] as const;

export const RESOLUTIONS = ["refund", "store_credit", "exchange"] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

const REASON_ACTIONS = ["auto_approve", "auto_deny", "review"] as const;

/**
 * Category and reason keys are matched case-insensitively: "Final Sale", "final-sale" and
 * "final_sale" are the same key. Everything is normalised to lower snake case.
 */
export function normalizeKey(value: string): string {
  return value
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

const key = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine((value) => normalizeKey(value).length > 0, "Must contain a letter or digit");

/** A record whose keys must stay distinct once normalised ("Final Sale" and "final_sale" collide). */
function normalizedRecord<V extends z.ZodType>(value: V) {
  return z.record(key, value).superRefine((record, ctx) => {
    const seen = new Map<string, string>();
    for (const raw of Object.keys(record)) {
      const normalized = normalizeKey(raw);
      const first = seen.get(normalized);
      if (first !== undefined) {
        ctx.addIssue({ code: "custom", message: `"${raw}" is the same key as "${first}"`, path: [raw] });
      }
      seen.set(normalized, raw);
    }
  });
}

const categoryRule = z
  .object({
    windowDays: z
      .number()
      .int()
      .min(0)
      .max(3650)
      .optional()
      .describe("Return window for this category in days; replaces returnWindowDays when set"),
    excluded: z
      .boolean()
      .optional()
      .describe("true: the category cannot be returned at all (final sale); such requests are denied"),
  })
  .strict()
  .describe("Overrides for one product category");

export const policyRules = z
  .object({
    returnWindowDays: z
      .number()
      .int()
      .min(0)
      .max(3650)
      .describe("Days after purchase within which a return is accepted (whole UTC days)"),
    categories: normalizedRecord(categoryRule)
      .default({})
      .describe("Per product category (matched case-insensitively): its own window, or excluded from returns"),
    reasons: normalizedRecord(z.enum(REASON_ACTIONS))
      .default({})
      .describe(
        `What to do per reason code (${REASON_CODES.join(", ")}; matched case-insensitively): ` +
          "auto_approve, auto_deny or review. A reason not listed here goes to review.",
      ),
    evidenceRequiredFor: z
      .array(key)
      .max(50)
      .default([])
      .describe("Reason codes for which the customer must send photos or other evidence before approval"),
    allowedResolutions: z
      .array(z.enum(RESOLUTIONS))
      .min(1)
      .max(RESOLUTIONS.length)
      .refine((values) => new Set(values).size === values.length, "Resolutions must not repeat")
      .default(["refund", "store_credit", "exchange"])
      .describe("What the business offers for an accepted return: refund, store_credit, exchange"),
    restockingFeePercent: z
      .number()
      .min(0)
      .max(100)
      .default(0)
      .describe("Percentage of the order value kept as a restocking fee on an accepted return"),
    manualReviewAboveValue: z
      .number()
      .min(0)
      .nullable()
      .default(null)
      .describe("Orders worth more than this go to a human for review; null: no limit"),
  })
  .strict()
  .describe("The rules of a return policy, as the evaluation engine reads them")
  .meta({ id: "PolicyRules" });

export type PolicyRules = z.output<typeof policyRules>;
