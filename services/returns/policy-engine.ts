import type { Evaluation, FactSource } from "./evaluation.schemas";
import { normalizeKey, type PolicyRules, REASON_CODES, type Resolution } from "./policy-rules.schemas";

/**
 * The return-policy engine: a pure function of (policy, facts, now). No clock, no database, no
 * randomness — the same input always gives the same evaluation, so a stored evaluation can be
 * reproduced and tested.
 *
 * The confidence model. Each rule that applies yields a finding of FINDINGS below: an outcome
 * (approve, review or deny) and a confidence.
 *   - Any deny finding makes the recommendation `deny`; its confidence is the strongest deny's
 *     (any single deny suffices, so a second one does not make it less certain).
 *   - Otherwise any review finding makes it `review`; otherwise `approve`. The confidence is the
 *     weakest finding's (start from 1; each doubt lowers it, the lowest wins).
 * Confidence is rounded to two decimals. Days since purchase are whole UTC calendar days
 * (purchase on 1 May at 23:59 UTC, now 2 May at 00:01 UTC → 1 day).
 */

/** How close to the window's edge (inside or past it) a purchase makes the engine less sure. */
const EDGE_MARGIN_DAYS = 3;

type Outcome = "approve" | "review" | "deny";
interface Finding {
  /** The finding in a few words, as the route's documentation lists it. */
  when: string;
  outcome: Outcome;
  confidence: number;
}

/**
 * Every finding the engine can make, with its outcome and confidence: the one table the engine
 * reads and the documentation of POST /api/ai-policy-helper/evaluate-return is rendered from
 * (confidenceTable), in this order.
 */
export const FINDINGS = {
  excludedCategory: { when: "excluded category (final sale)", outcome: "deny", confidence: 0.95 },
  reasonAutoDeny: { when: "reason the policy auto-denies", outcome: "deny", confidence: 0.9 },
  farPastWindow: { when: `more than ${EDGE_MARGIN_DAYS} days past the window`, outcome: "deny", confidence: 0.95 },
  justPastWindow: { when: `past the window by 1–${EDGE_MARGIN_DAYS} days`, outcome: "deny", confidence: 0.6 },
  wellInsideWindow: {
    when: `more than ${EDGE_MARGIN_DAYS} days inside the window`,
    outcome: "approve",
    confidence: 1,
  },
  windowClosing: {
    when: `inside the window, in its last ${EDGE_MARGIN_DAYS} days`,
    outcome: "approve",
    confidence: 0.6,
  },
  missingPurchaseDate: { when: "purchase date unknown", outcome: "review", confidence: 0.3 },
  futurePurchaseDate: { when: "purchase date in the future", outcome: "review", confidence: 0.4 },
  emailMismatch: { when: "order found under another email", outcome: "review", confidence: 0.3 },
  unknownReason: { when: "unknown reason code", outcome: "review", confidence: 0.4 },
  evidenceMissing: { when: "evidence required but none provided", outcome: "review", confidence: 0.5 },
  aboveManualReviewValue: {
    when: "order value above `manualReviewAboveValue`",
    outcome: "review",
    confidence: 0.6,
  },
  resolutionNotOffered: { when: "requested resolution not offered", outcome: "review", confidence: 0.6 },
  reasonReview: { when: "reason the policy sends to review", outcome: "review", confidence: 0.7 },
  reasonAutoApprove: { when: "reason the policy auto-approves", outcome: "approve", confidence: 1 },
} as const satisfies Record<string, Finding>;

/** FINDINGS as the Markdown table the route's documentation shows. */
export function confidenceTable(): string {
  const rows = Object.values(FINDINGS).map(
    ({ when, outcome, confidence }) => `| ${when} | ${outcome} | ${confidence} |`,
  );
  return ["| finding | outcome | confidence |", "| --- | --- | --- |", ...rows].join("\n");
}

export interface PolicyInput {
  rules: PolicyRules;
  /** null for the built-in default policy. */
  version: string | null;
  isDefault: boolean;
}

export interface Fact<T> {
  value: T | null;
  source: FactSource;
}

export interface ReturnFacts {
  reasonForReturn: string;
  purchaseDate: Fact<Date>;
  productCategory: Fact<string>;
  orderValue: Fact<number>;
  evidenceCount: number;
  requestedResolution?: Resolution | null;
  /** An order with the request's id exists for the tenant and the customer. */
  orderFound: boolean;
  /** null when no order with the id exists; false when it exists for another email. */
  customerEmailMatches: boolean | null;
}

const DAY_MS = 86_400_000;

/** Whole UTC calendar days from `from` to `to` (negative if `from` is later). */
export function utcDaysBetween(from: Date, to: Date): number {
  const day = (date: Date) => Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  return Math.round((day(to) - day(from)) / DAY_MS);
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;
const money = (value: number) => value.toFixed(2);
const words = (code: string) => code.replace(/_/g, " ");

export function evaluate(policy: PolicyInput, facts: ReturnFacts, now: Date): Evaluation {
  const { rules } = policy;
  const findings: Finding[] = [];
  const reasons: string[] = [];
  const add = (finding: Finding, sentence: string) => {
    findings.push(finding);
    reasons.push(sentence);
  };

  if (policy.isDefault) reasons.push("No policy is active, so the default return policy was applied.");

  // Which order facts are usable: an order under another email tells us nothing about this customer.
  if (facts.customerEmailMatches === false) {
    add(
      FINDINGS.emailMismatch,
      "Order found, but under a different email address than the customer's; its details were not used.",
    );
  } else if (!facts.orderFound && facts.customerEmailMatches === null) {
    reasons.push("No matching order was found; only the details in the request were used.");
  }

  // Category: its own window, or excluded altogether.
  const category = facts.productCategory.value ? normalizeKey(facts.productCategory.value) : null;
  const categoryRule = category ? rules.categories[category] : undefined;
  const windowDays = categoryRule?.windowDays ?? rules.returnWindowDays;
  let excluded = false;
  if (category && categoryRule?.excluded) {
    excluded = true;
    add(FINDINGS.excludedCategory, `Products in the "${category}" category cannot be returned (final sale).`);
  } else if (category && categoryRule?.windowDays !== undefined) {
    reasons.push(`The "${category}" category has its own ${windowDays}-day return window.`);
  }

  // Window.
  const purchaseDate = facts.purchaseDate.value;
  const daysSincePurchase = purchaseDate ? utcDaysBetween(purchaseDate, now) : null;
  let insideWindow: boolean | null = null;
  if (daysSincePurchase === null) {
    add(
      FINDINGS.missingPurchaseDate,
      "The purchase date is unknown (not given and no matching order), so the return window cannot be checked.",
    );
  } else if (daysSincePurchase < 0) {
    add(FINDINGS.futurePurchaseDate, "The purchase date is in the future; please check it.");
  } else if (daysSincePurchase <= windowDays) {
    insideWindow = true;
    const left = windowDays - daysSincePurchase;
    const bought = `Purchased ${daysSincePurchase === 0 ? "today" : `${plural(daysSincePurchase, "day")} ago`}`;
    if (left < EDGE_MARGIN_DAYS) {
      add(
        FINDINGS.windowClosing,
        `${bought}, inside the ${windowDays}-day window but close to its end (${left === 0 ? "last day" : `${plural(left, "day")} left`}).`,
      );
    } else {
      add(FINDINGS.wellInsideWindow, `${bought}, inside the ${windowDays}-day window.`);
    }
  } else {
    insideWindow = false;
    const late = daysSincePurchase - windowDays;
    add(
      late <= EDGE_MARGIN_DAYS ? FINDINGS.justPastWindow : FINDINGS.farPastWindow,
      `Purchased ${plural(daysSincePurchase, "day")} ago, ${plural(late, "day")} past the ${windowDays}-day return window.`,
    );
  }

  // Reason.
  const reason = normalizeKey(facts.reasonForReturn);
  const action = rules.reasons[reason];
  const known = (REASON_CODES as readonly string[]).includes(reason);
  if (action === "auto_approve") {
    add(FINDINGS.reasonAutoApprove, `The policy accepts returns for the reason "${words(reason)}".`);
  } else if (action === "auto_deny") {
    add(FINDINGS.reasonAutoDeny, `The policy does not accept returns for the reason "${words(reason)}".`);
  } else if (action === "review") {
    add(FINDINGS.reasonReview, `The policy asks a person to review returns for "${words(reason)}".`);
  } else if (known) {
    add(FINDINGS.reasonReview, `The policy names no rule for "${words(reason)}", so a person should review it.`);
  } else {
    add(FINDINGS.unknownReason, `"${facts.reasonForReturn}" is not a known return reason; a person should review it.`);
  }

  // Evidence.
  const evidenceRequired = rules.evidenceRequiredFor.includes(reason);
  const evidenceProvided = facts.evidenceCount > 0;
  if (evidenceRequired && !evidenceProvided) {
    add(
      FINDINGS.evidenceMissing,
      `Photos or other evidence are required for "${words(reason)}" and none were provided.`,
    );
  } else if (evidenceRequired) {
    reasons.push(
      `Evidence is required for "${words(reason)}" and ${plural(facts.evidenceCount, "file")} ${facts.evidenceCount === 1 ? "was" : "were"} provided.`,
    );
  }

  // Value.
  const value = facts.orderValue.value;
  if (rules.manualReviewAboveValue !== null && value !== null && value > rules.manualReviewAboveValue) {
    add(
      FINDINGS.aboveManualReviewValue,
      `The order value ${money(value)} is above ${money(rules.manualReviewAboveValue)}, which the policy leaves to a person.`,
    );
  }

  // Resolution.
  const resolution = facts.requestedResolution;
  if (resolution && !rules.allowedResolutions.includes(resolution)) {
    add(
      FINDINGS.resolutionNotOffered,
      `The policy does not offer ${words(resolution)}; it offers ${rules.allowedResolutions.map(words).join(", ")}.`,
    );
  }

  const denies = findings.filter((finding) => finding.outcome === "deny");
  let recommendation: Outcome;
  let confidence: number;
  if (denies.length > 0) {
    recommendation = "deny";
    confidence = Math.max(...denies.map((finding) => finding.confidence));
  } else {
    recommendation = findings.some((finding) => finding.outcome === "review") ? "review" : "approve";
    confidence = Math.min(1, ...findings.map((finding) => finding.confidence));
  }
  confidence = Math.round(confidence * 100) / 100;

  const eligible = !excluded && insideWindow === true && action !== "auto_deny";
  if (eligible && rules.restockingFeePercent > 0) {
    reasons.push(`A restocking fee of ${rules.restockingFeePercent}% applies.`);
  }

  return {
    eligible,
    recommendation,
    confidence,
    reasons,
    daysSincePurchase,
    windowDays,
    policyVersion: policy.version,
    isDefaultPolicy: policy.isDefault,
    restockingFeePercent: rules.restockingFeePercent,
    allowedResolutions: [...rules.allowedResolutions],
    evidenceRequired,
    evidenceProvided,
    factsUsed: {
      purchaseDate: { value: purchaseDate ? purchaseDate.toISOString() : null, source: facts.purchaseDate.source },
      productCategory: { value: category, source: facts.productCategory.source },
      orderValue: { value, source: facts.orderValue.source },
      orderFound: facts.orderFound,
      customerEmailMatches: facts.customerEmailMatches,
    },
  };
}
