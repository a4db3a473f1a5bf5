import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "../../db/client";
import { contacts, orderItems, orders, policies, products } from "../../db/schema";
import * as evaluateReturnRoute from "../../netlify/functions/returns-ai-policy-helper-evaluate-return";
import { registerTenant, unique } from "../../scripts/dev/fixtures";
import { evaluateReturnForTenant } from "../../services/returns/evaluation";
import { evaluateReturnBody, evaluation as evaluationSchema } from "../../services/returns/evaluation.schemas";
import {
  confidenceTable,
  evaluate,
  FINDINGS,
  type ReturnFacts,
  utcDaysBetween,
} from "../../services/returns/policy-engine";
import { DEFAULT_POLICY_RULES, normalizeRules } from "../../services/returns/policy-rules";
import { normalizeKey, type PolicyRules, policyRules } from "../../services/returns/policy-rules.schemas";
import { seedOrder } from "../helpers/commerce";

const NOW = new Date("2025-06-30T12:00:00Z");
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000);

const RULES: PolicyRules = normalizeRules(
  policyRules.parse({
    returnWindowDays: 30,
    categories: { Electronics: { windowDays: 14 }, "Final Sale": { excluded: true } },
    reasons: {
      damaged: "auto_approve",
      defective: "auto_approve",
      wrong_item: "auto_approve",
      changed_mind: "review",
      not_as_described: "auto_deny",
    },
    evidenceRequiredFor: ["Damaged"],
    allowedResolutions: ["refund", "store_credit"],
    restockingFeePercent: 10,
    manualReviewAboveValue: 500,
  }),
);
const POLICY = { rules: RULES, version: "v1", isDefault: false };

function facts(overrides: Partial<ReturnFacts> = {}): ReturnFacts {
  return {
    reasonForReturn: "wrong_item",
    purchaseDate: { value: daysAgo(10), source: "request" },
    productCategory: { value: "apparel", source: "request" },
    orderValue: { value: 50, source: "request" },
    evidenceCount: 0,
    requestedResolution: null,
    orderFound: false,
    customerEmailMatches: null,
    ...overrides,
  };
}

const date = (days: number) => ({ purchaseDate: { value: daysAgo(days), source: "request" as const } });
const category = (value: string) => ({ productCategory: { value, source: "request" as const } });

interface Case {
  name: string;
  facts: Partial<ReturnFacts>;
  recommendation: "approve" | "deny" | "review";
  eligible: boolean;
  confidence: number | [number, number];
  windowDays?: number;
  reason?: RegExp;
}

const CASES: Case[] = [
  {
    name: "well inside the window",
    facts: date(10),
    recommendation: "approve",
    eligible: true,
    confidence: 1,
    reason: /Purchased 10 days ago, inside the 30-day window/,
  },
  { name: "on the day of purchase", facts: date(0), recommendation: "approve", eligible: true, confidence: 1 },
  {
    name: "on the last day of the window",
    facts: date(30),
    recommendation: "approve",
    eligible: true,
    confidence: FINDINGS.windowClosing.confidence,
    reason: /close to its end \(last day\)/,
  },
  {
    name: "two days before the window closes",
    facts: date(28),
    recommendation: "approve",
    eligible: true,
    confidence: FINDINGS.windowClosing.confidence,
  },
  {
    name: "four days before the window closes",
    facts: date(26),
    recommendation: "approve",
    eligible: true,
    confidence: 1,
  },
  {
    name: "one day past the window",
    facts: date(31),
    recommendation: "deny",
    eligible: false,
    confidence: FINDINGS.justPastWindow.confidence,
    reason: /1 day past the 30-day return window/,
  },
  {
    name: "far past the window",
    facts: date(90),
    recommendation: "deny",
    eligible: false,
    confidence: [0.9, 1],
    reason: /60 days past/,
  },
  {
    name: "category window override (inside the default, outside the category's)",
    facts: { ...date(20), ...category("electronics") },
    recommendation: "deny",
    eligible: false,
    confidence: [0.9, 1],
    windowDays: 14,
    reason: /"electronics" category has its own 14-day return window/,
  },
  {
    name: "category key matched case-insensitively",
    facts: { ...date(5), ...category("ELECTRONICS") },
    recommendation: "approve",
    eligible: true,
    confidence: 1,
    windowDays: 14,
  },
  {
    name: "excluded category (final sale), even inside the window",
    facts: { ...date(2), ...category("final-sale") },
    recommendation: "deny",
    eligible: false,
    confidence: FINDINGS.excludedCategory.confidence,
    reason: /final sale/,
  },
  {
    name: "reason auto_approve",
    facts: { reasonForReturn: "defective" },
    recommendation: "approve",
    eligible: true,
    confidence: 1,
  },
  {
    name: "reason review",
    facts: { reasonForReturn: "changed_mind" },
    recommendation: "review",
    eligible: true,
    confidence: FINDINGS.reasonReview.confidence,
    reason: /asks a person to review/,
  },
  {
    name: "reason auto_deny",
    facts: { reasonForReturn: "Not As Described" },
    recommendation: "deny",
    eligible: false,
    confidence: FINDINGS.reasonAutoDeny.confidence,
  },
  {
    name: "known reason the policy names no rule for",
    facts: { reasonForReturn: "other" },
    recommendation: "review",
    eligible: true,
    confidence: FINDINGS.reasonReview.confidence,
    reason: /names no rule/,
  },
  {
    name: "unknown reason code",
    facts: { reasonForReturn: "aliens" },
    recommendation: "review",
    eligible: true,
    confidence: FINDINGS.unknownReason.confidence,
    reason: /not a known return reason/,
  },
  {
    name: "evidence required and missing",
    facts: { reasonForReturn: "damaged", evidenceCount: 0 },
    recommendation: "review",
    eligible: true,
    confidence: FINDINGS.evidenceMissing.confidence,
    reason: /evidence are required/,
  },
  {
    name: "evidence required and provided",
    facts: { reasonForReturn: "damaged", evidenceCount: 2 },
    recommendation: "approve",
    eligible: true,
    confidence: 1,
    reason: /2 files were provided/,
  },
  {
    name: "order value above the manual-review value",
    facts: { orderValue: { value: 750, source: "order" } },
    recommendation: "review",
    eligible: true,
    confidence: FINDINGS.aboveManualReviewValue.confidence,
    reason: /750\.00 is above 500\.00/,
  },
  {
    name: "order value exactly at the manual-review value",
    facts: { orderValue: { value: 500, source: "order" } },
    recommendation: "approve",
    eligible: true,
    confidence: 1,
  },
  {
    name: "purchase date missing",
    facts: { purchaseDate: { value: null, source: "missing" } },
    recommendation: "review",
    eligible: false,
    confidence: FINDINGS.missingPurchaseDate.confidence,
    reason: /purchase date is unknown/,
  },
  {
    name: "purchase date in the future",
    facts: { purchaseDate: { value: new Date("2025-07-05T00:00:00Z"), source: "request" } },
    recommendation: "review",
    eligible: false,
    confidence: FINDINGS.futurePurchaseDate.confidence,
  },
  {
    name: "requested resolution not offered",
    facts: { requestedResolution: "exchange" },
    recommendation: "review",
    eligible: true,
    confidence: FINDINGS.resolutionNotOffered.confidence,
    reason: /does not offer exchange; it offers refund, store credit/,
  },
  {
    name: "order under another email",
    facts: { customerEmailMatches: false },
    recommendation: "review",
    eligible: true,
    confidence: FINDINGS.emailMismatch.confidence,
    reason: /different email/,
  },
  {
    name: "a deny wins over doubts (past the window, evidence missing, high value)",
    facts: { ...date(120), reasonForReturn: "damaged", orderValue: { value: 9000, source: "request" } },
    recommendation: "deny",
    eligible: false,
    confidence: [0.9, 1],
  },
  {
    name: "the weakest doubt sets the confidence (near the edge and evidence missing)",
    facts: { ...date(29), reasonForReturn: "damaged" },
    recommendation: "review",
    eligible: true,
    confidence: FINDINGS.evidenceMissing.confidence,
  },
];

describe("evaluate (pure engine)", () => {
  it.each(CASES)("$name", (c) => {
    const result = evaluate(POLICY, facts(c.facts), NOW);
    expect(evaluationSchema.parse(result)).toEqual(result);
    expect(result.recommendation).toBe(c.recommendation);
    expect(result.eligible).toBe(c.eligible);
    if (Array.isArray(c.confidence)) {
      expect(result.confidence).toBeGreaterThanOrEqual(c.confidence[0]);
      expect(result.confidence).toBeLessThanOrEqual(c.confidence[1]);
    } else {
      expect(result.confidence).toBe(c.confidence);
    }
    expect(result.windowDays).toBe(c.windowDays ?? 30);
    if (c.reason) expect(result.reasons.join(" ")).toMatch(c.reason);
    expect(result.reasons.length).toBeGreaterThan(0);
  });

  it("reports the policy, fee, resolutions and evidence flags", () => {
    const result = evaluate(POLICY, facts({ reasonForReturn: "damaged", evidenceCount: 1 }), NOW);
    expect(result).toMatchObject({
      policyVersion: "v1",
      isDefaultPolicy: false,
      restockingFeePercent: 10,
      allowedResolutions: ["refund", "store_credit"],
      evidenceRequired: true,
      evidenceProvided: true,
      daysSincePurchase: 10,
    });
    expect(result.reasons).toContain("A restocking fee of 10% applies.");
    expect(result.factsUsed.productCategory).toEqual({ value: "apparel", source: "request" });
  });

  it("is deterministic: the same input gives the same answer", () => {
    for (const c of CASES) {
      const input = facts(c.facts);
      expect(evaluate(POLICY, input, NOW)).toEqual(evaluate(POLICY, input, new Date(NOW.getTime())));
    }
  });

  it("counts whole UTC calendar days", () => {
    expect(utcDaysBetween(new Date("2025-05-01T23:59:00Z"), new Date("2025-05-02T00:01:00Z"))).toBe(1);
    expect(utcDaysBetween(new Date("2025-05-01T00:00:00Z"), new Date("2025-05-01T23:59:59Z"))).toBe(0);
    expect(utcDaysBetween(new Date("2025-03-01T00:00:00+02:00"), new Date("2025-03-31T12:00:00Z"))).toBe(31);
  });

  it("applies the default policy with its flag", () => {
    const result = evaluate({ rules: DEFAULT_POLICY_RULES, version: null, isDefault: true }, facts(), NOW);
    expect(result).toMatchObject({ isDefaultPolicy: true, policyVersion: null, windowDays: 30 });
    expect(result.reasons[0]).toMatch(/default return policy/);
  });

  it("documents the confidence of every finding it can make, from the table it reads", () => {
    const description = evaluateReturnRoute.default.definition.operations.POST?.description ?? "";
    for (const { when, outcome, confidence } of Object.values(FINDINGS)) {
      expect(description).toContain(`| ${when} | ${outcome} | ${confidence} |`);
    }
    expect(description).toContain(confidenceTable());
  });
});

describe("policy rules", () => {
  it("normalises keys to lower snake case", () => {
    expect(normalizeKey("  Final Sale ")).toBe("final_sale");
    expect(normalizeKey("final-sale")).toBe("final_sale");
    expect(RULES.categories).toHaveProperty("final_sale");
    expect(RULES.evidenceRequiredFor).toEqual(["damaged"]);
  });

  it("fills defaults and rejects what a policy cannot say", () => {
    expect(policyRules.parse({ returnWindowDays: 7 })).toEqual({
      returnWindowDays: 7,
      categories: {},
      reasons: {},
      evidenceRequiredFor: [],
      allowedResolutions: ["refund", "store_credit", "exchange"],
      restockingFeePercent: 0,
      manualReviewAboveValue: null,
    });
    for (const bad of [
      {},
      { returnWindowDays: -1 },
      { returnWindowDays: 3651 },
      { returnWindowDays: 1.5 },
      { returnWindowDays: 30, allowedResolutions: [] },
      { returnWindowDays: 30, allowedResolutions: ["cash"] },
      { returnWindowDays: 30, restockingFeePercent: 101 },
      { returnWindowDays: 30, reasons: { damaged: "maybe" } },
      { returnWindowDays: 30, categories: { Shoes: { windowDays: 5 }, shoes: { excluded: true } } },
      { returnWindowDays: 30, surprise: true },
    ]) {
      expect(policyRules.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    expect(policyRules.parse(DEFAULT_POLICY_RULES)).toEqual(DEFAULT_POLICY_RULES);
  });
});

describe("evaluateReturnBody", () => {
  it("accepts the documented fields and rejects others", () => {
    const ok = evaluateReturnBody.parse({
      orderId: "A1",
      customerEmail: "Someone@Example.test",
      reasonForReturn: "damaged",
      purchaseDate: "2025-06-01",
      evidenceUrls: ["https://cdn.example.test/a.jpg"],
      requestedResolution: "refund",
    });
    expect(ok.customerEmail).toBe("someone@example.test");
    expect(ok.purchaseDate).toEqual(new Date("2025-06-01T00:00:00Z"));
    for (const bad of [
      { orderId: "A1", customerEmail: "x@y.test", reasonForReturn: "damaged", businessId: "x" },
      { orderId: "A1", customerEmail: "nope", reasonForReturn: "damaged" },
      { orderId: "A1", customerEmail: "x@y.test", reasonForReturn: "damaged", evidenceUrls: ["ftp://x.test/a"] },
      {
        orderId: "A1",
        customerEmail: "x@y.test",
        reasonForReturn: "damaged",
        evidenceUrls: Array(11).fill("https://x.test/"),
      },
      { orderId: "A1", customerEmail: "x@y.test", reasonForReturn: "damaged", orderValue: -1 },
      { orderId: "A1", customerEmail: "x@y.test", reasonForReturn: "damaged", purchaseDate: "yesterday" },
    ]) {
      expect(evaluateReturnBody.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});

describe("evaluateReturnForTenant (one statement, facts from the order)", () => {
  async function tenantWithOrder() {
    const owner = await registerTenant("engine");
    const db = await getDb();
    const orderId = unique("order");
    await seedOrder(db, owner.tenantId, {
      orderId,
      purchaseDate: daysAgo(12),
      email: "Buyer@Example.test",
      productName: "Headphones",
      category: "Electronics",
      price: 129.5,
    });
    return { owner, db, orderId };
  }

  it("looks the missing facts up in the order, with the default policy, in one statement", async () => {
    const { owner, db, orderId } = await tenantWithOrder();
    const { statementCounter } = await import("../../db/client");
    const before = statementCounter.count;
    const result = await evaluateReturnForTenant(
      db,
      owner.tenantId,
      evaluateReturnBody.parse({ orderId, customerEmail: "buyer@example.test", reasonForReturn: "wrong_item" }),
      NOW,
    );
    expect(statementCounter.count - before).toBe(1);
    expect(result).toMatchObject({
      isDefaultPolicy: true,
      daysSincePurchase: 12,
      recommendation: "approve",
      factsUsed: {
        purchaseDate: { value: daysAgo(12).toISOString(), source: "order" },
        productCategory: { value: "electronics", source: "order" },
        orderValue: { value: 129.5, source: "order" },
        orderFound: true,
        customerEmailMatches: true,
      },
    });
  });

  it("prefers the request's facts and applies the active policy", async () => {
    const { owner, db, orderId } = await tenantWithOrder();
    await db.insert(policies).values({
      tenantId: owner.tenantId,
      version: "strict",
      isActive: true,
      rules: normalizeRules(
        policyRules.parse({ returnWindowDays: 30, categories: { electronics: { windowDays: 7 } } }),
      ),
    });
    const result = await evaluateReturnForTenant(
      db,
      owner.tenantId,
      evaluateReturnBody.parse({
        orderId,
        customerEmail: "buyer@example.test",
        reasonForReturn: "wrong_item",
        productCategory: "books",
        orderValue: 10,
      }),
      NOW,
    );
    expect(result).toMatchObject({
      policyVersion: "strict",
      isDefaultPolicy: false,
      windowDays: 30,
      factsUsed: {
        productCategory: { value: "books", source: "request" },
        orderValue: { value: 10, source: "request" },
        purchaseDate: { source: "order" },
      },
    });
    // The reason has no rule in this policy, so a person reviews it.
    expect(result.recommendation).toBe("review");
  });

  it("does not use an order filed under another email", async () => {
    const { owner, db, orderId } = await tenantWithOrder();
    const result = await evaluateReturnForTenant(
      db,
      owner.tenantId,
      evaluateReturnBody.parse({ orderId, customerEmail: "someone-else@example.test", reasonForReturn: "damaged" }),
      NOW,
    );
    expect(result.factsUsed).toMatchObject({
      orderFound: false,
      customerEmailMatches: false,
      purchaseDate: { value: null, source: "missing" },
      productCategory: { value: null, source: "missing" },
    });
    expect(result.recommendation).toBe("review");
    expect(result.confidence).toBeLessThanOrEqual(0.4);
  });

  it("an unknown order without a purchase date is a missing fact, not an error", async () => {
    const { owner, db } = await tenantWithOrder();
    const result = await evaluateReturnForTenant(
      db,
      owner.tenantId,
      evaluateReturnBody.parse({
        orderId: "no-such-order",
        customerEmail: "buyer@example.test",
        reasonForReturn: "defective",
      }),
      NOW,
    );
    expect(result).toMatchObject({
      eligible: false,
      recommendation: "review",
      daysSincePurchase: null,
      factsUsed: { orderFound: false, customerEmailMatches: null, purchaseDate: { value: null, source: "missing" } },
    });
    expect(result.confidence).toBeLessThanOrEqual(0.4);
  });

  it("reads the order's total (price × quantity) from commerce", async () => {
    const owner = await registerTenant("engine-total");
    const db = await getDb();
    const orderId = unique("order");
    await seedOrder(db, owner.tenantId, {
      orderId,
      purchaseDate: daysAgo(3),
      email: "pair@example.test",
      productName: "Socks",
      category: "Apparel",
      price: 19.99,
      quantity: 3,
    });
    const result = await evaluateReturnForTenant(
      db,
      owner.tenantId,
      evaluateReturnBody.parse({ orderId, customerEmail: "PAIR@example.test", reasonForReturn: "wrong_item" }),
      NOW,
    );
    expect(result.factsUsed).toMatchObject({
      orderValue: { value: 59.97, source: "order" },
      productCategory: { value: "apparel", source: "order" },
      purchaseDate: { value: daysAgo(3).toISOString(), source: "order" },
      orderFound: true,
    });
  });

  it("takes the category of an order's item with the lowest id when it has several", async () => {
    const owner = await registerTenant("engine-items");
    const db = await getDb();
    const orderId = unique("order");
    await seedOrder(db, owner.tenantId, {
      orderId,
      purchaseDate: daysAgo(3),
      email: "gift@example.test",
      productName: "Desk lamp",
      category: "home",
      price: 40,
    });
    const [order] = await db
      .update(orders)
      .set({ totalAmount: "45.00" })
      .where(and(eq(orders.tenantId, owner.tenantId), eq(orders.platformOrderId, orderId)))
      .returning();
    const [giftBox] = await db
      .insert(products)
      .values({ tenantId: owner.tenantId, name: "Gift box", category: "Final Sale", price: "5.00", currency: "USD" })
      .returning();
    // Its id sorts before any random one's, so this item is the order's first.
    const lowestId = `00000000-0000-4000-8000-${randomUUID().slice(-12)}`;
    await db.insert(orderItems).values({
      id: lowestId,
      tenantId: owner.tenantId,
      orderId: order!.id,
      productId: giftBox!.id,
      quantity: 1,
      priceAtPurchase: "5.00",
      currencyAtPurchase: "USD",
    });
    const result = await evaluateReturnForTenant(
      db,
      owner.tenantId,
      evaluateReturnBody.parse({ orderId, customerEmail: "gift@example.test", reasonForReturn: "wrong_item" }),
      NOW,
    );
    expect(result.factsUsed).toMatchObject({
      orderValue: { value: 45, source: "order" },
      productCategory: { value: "final_sale", source: "order" },
    });
    expect(result.recommendation).toBe("deny");
  });

  it("does not use an order whose customer has no email", async () => {
    const owner = await registerTenant("engine-no-email");
    const db = await getDb();
    const [contact] = await db
      .insert(contacts)
      .values({ tenantId: owner.tenantId, phoneNumber: "+12025550123" })
      .returning();
    const orderId = unique("order");
    await db.insert(orders).values({
      tenantId: owner.tenantId,
      customerId: contact!.id,
      platformOrderId: orderId,
      totalAmount: "12.00",
      currency: "USD",
      placedAt: daysAgo(2),
    });
    const result = await evaluateReturnForTenant(
      db,
      owner.tenantId,
      evaluateReturnBody.parse({ orderId, customerEmail: "buyer@example.test", reasonForReturn: "damaged" }),
      NOW,
    );
    expect(result.factsUsed).toMatchObject({
      orderFound: false,
      customerEmailMatches: false,
      orderValue: { value: null, source: "missing" },
    });
  });

  it("never reads another tenant's order or policy", async () => {
    const { orderId } = await tenantWithOrder();
    const other = await registerTenant("engine-other");
    const result = await evaluateReturnForTenant(
      await getDb(),
      other.tenantId,
      evaluateReturnBody.parse({ orderId, customerEmail: "buyer@example.test", reasonForReturn: "wrong_item" }),
      NOW,
    );
    expect(result.factsUsed.orderFound).toBe(false);
    expect(result.factsUsed.customerEmailMatches).toBeNull();
  });
});
