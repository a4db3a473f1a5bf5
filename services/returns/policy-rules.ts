import { normalizeKey, type PolicyRules, policyRules } from "./policy-rules.schemas";

/** Rules as stored: every category and reason key in lower snake case, evidence codes deduplicated. */
export function normalizeRules(rules: PolicyRules): PolicyRules {
  const rekey = <V>(record: Record<string, V>) =>
    Object.fromEntries(Object.entries(record).map(([name, value]) => [normalizeKey(name), value]));
  return {
    ...rules,
    categories: rekey(rules.categories),
    reasons: rekey(rules.reasons),
    evidenceRequiredFor: [...new Set(rules.evidenceRequiredFor.map(normalizeKey))],
  };
}

/**
 * The policy a tenant without an active one is evaluated against — the one place it is defined.
 * Already normalised (a valid output of `policyRules`).
 */
export const DEFAULT_POLICY_RULES: PolicyRules = Object.freeze({
  returnWindowDays: 30,
  categories: { final_sale: { excluded: true }, clearance: { excluded: true } },
  reasons: {
    damaged: "auto_approve",
    defective: "auto_approve",
    wrong_item: "auto_approve",
    not_as_described: "review",
    changed_mind: "review",
    other: "review",
  },
  evidenceRequiredFor: ["damaged", "defective"],
  allowedResolutions: ["refund", "store_credit", "exchange"],
  restockingFeePercent: 0,
  manualReviewAboveValue: 500,
}) as PolicyRules;

export const DEFAULT_POLICY_VERSION = "default";

/** Reads stored rules; rows written before a field existed get its default. Unreadable rules give null. */
export function readRules(stored: unknown): PolicyRules | null {
  const result = policyRules.safeParse(stored);
  return result.success ? normalizeRules(result.data) : null;
}
