import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "../../db/client";
import { contacts, orderItems, orders, products } from "../../db/schema";
import * as helperActive from "../../netlify/functions/returns-ai-policy-helper-active";
import * as evaluateReturn from "../../netlify/functions/returns-ai-policy-helper-evaluate-return";
import * as policiesFn from "../../netlify/functions/returns-policies";
import * as policiesIdActivate from "../../netlify/functions/returns-policies-id-activate";
import { type Account, createApiKey, registerTenant, unique } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";
import { DEFAULT_POLICY_RULES } from "../../services/returns/policy-rules";
import { seed } from "../../services/returns/seed";
import { seedOrder } from "../helpers/commerce";

const DAY = 86_400_000;

async function agentKeyFor(label: string) {
  const owner = await registerTenant(label);
  const { key } = await createApiKey(owner, ["ai-agent"]);
  return { owner, key };
}

async function activePolicy(owner: Account, rules: Record<string, unknown>, version = unique("v")) {
  const created = await call(policiesFn, { method: "POST", token: owner.accessToken, body: { version, rules } });
  expect(created.status).toBe(201);
  const activated = await call(policiesIdActivate, {
    method: "PUT",
    path: `/api/policies/${created.body.data.id}/activate`,
    token: owner.accessToken,
  });
  expect(activated.status).toBe(200);
  return created.body.data as { id: number; version: string };
}

/** An order of `owner`'s, bought five days ago by customer@example.test; its id. */
async function orderOf(owner: Account) {
  const orderId = unique("order");
  await seedOrder(await getDb(), owner.tenantId, {
    orderId,
    email: "customer@example.test",
    productName: "Blue shirt",
    category: "Apparel",
    price: 40,
    purchaseDate: new Date(Date.now() - 5 * DAY),
  });
  return orderId;
}

describe("GET /api/ai-policy-helper/active", () => {
  it("answers the default policy with isDefault when none is active, in the key's one statement plus one", async () => {
    const { key } = await agentKeyFor("helper-default");
    const response = await call(helperActive, { apiKey: key });
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({
      id: null,
      version: "default",
      isActive: false,
      isDefault: true,
      effectiveDate: null,
      rules: DEFAULT_POLICY_RULES,
    });
    // One statement authenticates the key, one reads the policy.
    expect(response.statements).toBe(2);
  });

  it("answers the tenant's active policy", async () => {
    const { owner, key } = await agentKeyFor("helper-active");
    const policy = await activePolicy(owner, { returnWindowDays: 60 }, "agent-v1");
    const response = await call(helperActive, { apiKey: key });
    expect(response.body.data).toMatchObject({
      id: policy.id,
      version: "agent-v1",
      isActive: true,
      isDefault: false,
      rules: { returnWindowDays: 60 },
    });
  });

  it("is for ai-agent keys only: users and other scopes are refused", async () => {
    const { owner } = await agentKeyFor("helper-refuse");
    const asOwner = await call(helperActive, { token: owner.accessToken });
    expect(asOwner.status).toBe(403);
    const { key } = await createApiKey(owner, ["read", "write"]);
    const asReadKey = await call(helperActive, { apiKey: key });
    expect(asReadKey.status).toBe(403);
    expect(asReadKey.body.error.code).toBe("FORBIDDEN");
    expect((await call(helperActive, {})).status).toBe(401);
  });
});

describe("POST /api/ai-policy-helper/evaluate-return", () => {
  const post = (key: string, body: unknown) => call(evaluateReturn, { method: "POST", apiKey: key, body });

  it("approves a clear case from the order's facts, in the key's statement plus one", async () => {
    const { owner, key } = await agentKeyFor("eval-clear");
    const orderId = await orderOf(owner);
    const response = await post(key, {
      orderId,
      customerEmail: "Customer@Example.test",
      reasonForReturn: "wrong_item",
    });
    expect(response.status).toBe(200);
    expect(response.statements).toBe(2);
    expect(response.body.data).toMatchObject({
      eligible: true,
      recommendation: "approve",
      daysSincePurchase: 5,
      windowDays: 30,
      isDefaultPolicy: true,
      policyVersion: null,
      factsUsed: {
        productCategory: { value: "apparel", source: "order" },
        orderValue: { value: 40, source: "order" },
        purchaseDate: { source: "order" },
        orderFound: true,
      },
    });
    expect(response.body.data.confidence).toBeGreaterThanOrEqual(0.9);
    expect(response.body.data.reasons.join(" ")).toMatch(/Purchased 5 days ago, inside the 30-day window/);
  });

  it("applies the active policy: excluded category denies, evidence and value send to review", async () => {
    const { owner, key } = await agentKeyFor("eval-policy");
    const policy = await activePolicy(owner, {
      returnWindowDays: 30,
      categories: { Apparel: { excluded: true } },
      reasons: { damaged: "auto_approve", changed_mind: "auto_deny" },
      evidenceRequiredFor: ["damaged"],
      manualReviewAboveValue: 100,
      restockingFeePercent: 15,
    });
    const orderId = await orderOf(owner);
    const email = "customer@example.test";
    const excluded = await post(key, { orderId, customerEmail: email, reasonForReturn: "damaged" });
    expect(excluded.body.data).toMatchObject({
      recommendation: "deny",
      eligible: false,
      policyVersion: policy.version,
    });
    expect(excluded.body.data.confidence).toBeGreaterThanOrEqual(0.9);

    const noEvidence = await post(key, {
      orderId,
      customerEmail: email,
      reasonForReturn: "damaged",
      productCategory: "books",
    });
    expect(noEvidence.body.data).toMatchObject({
      recommendation: "review",
      evidenceRequired: true,
      evidenceProvided: false,
    });
    expect(noEvidence.body.data.confidence).toBe(0.5);

    const withEvidence = await post(key, {
      orderId,
      customerEmail: email,
      reasonForReturn: "damaged",
      productCategory: "books",
      evidenceUrls: ["https://cdn.example.test/photo.jpg"],
    });
    expect(withEvidence.body.data).toMatchObject({
      recommendation: "approve",
      evidenceProvided: true,
      restockingFeePercent: 15,
    });

    const expensive = await post(key, {
      orderId,
      customerEmail: email,
      reasonForReturn: "damaged",
      productCategory: "books",
      orderValue: 250,
      evidenceUrls: ["https://cdn.example.test/photo.jpg"],
    });
    expect(expensive.body.data.recommendation).toBe("review");

    const denied = await post(key, {
      orderId,
      customerEmail: email,
      reasonForReturn: "changed_mind",
      productCategory: "books",
    });
    expect(denied.body.data.recommendation).toBe("deny");
  });

  it("an unknown order without a purchase date is reviewed with low confidence, not an error", async () => {
    const { key } = await agentKeyFor("eval-unknown");
    const response = await post(key, { orderId: "nope", customerEmail: "x@example.test", reasonForReturn: "damaged" });
    expect(response.status).toBe(200);
    expect(response.body.data).toMatchObject({
      recommendation: "review",
      eligible: false,
      daysSincePurchase: null,
      factsUsed: { orderFound: false, purchaseDate: { value: null, source: "missing" } },
    });
    expect(response.body.data.confidence).toBeLessThanOrEqual(0.4);
  });

  it("takes the purchase date from the request when given", async () => {
    const { key } = await agentKeyFor("eval-given");
    const purchaseDate = new Date(Date.now() - 45 * DAY).toISOString();
    const response = await post(key, {
      orderId: "n/a",
      customerEmail: "x@example.test",
      reasonForReturn: "defective",
      purchaseDate,
    });
    expect(response.body.data).toMatchObject({
      recommendation: "deny",
      daysSincePurchase: 45,
      factsUsed: { purchaseDate: { source: "request" } },
    });
  });

  it("looks the demo seed's orders up in commerce; a second seed adds nothing", async () => {
    const { owner, key } = await agentKeyFor("eval-seed");
    const db = await getDb();
    const demo = { tenantId: owner.tenantId, tenantName: owner.tenantName, users: [], created: false };
    const apiKey = { key, scopes: ["ai-agent" as const] };
    expect(await seed(db, { ...demo, apiKey })).toBe(true);
    const countRows = async () => ({
      orders: await db.$count(orders, eq(orders.tenantId, owner.tenantId)),
      items: await db.$count(orderItems, eq(orderItems.tenantId, owner.tenantId)),
      products: await db.$count(products, eq(products.tenantId, owner.tenantId)),
      contacts: await db.$count(contacts, eq(contacts.tenantId, owner.tenantId)),
    });
    // Six orders of six products, bought by five customers (alex twice).
    expect(await countRows()).toEqual({ orders: 6, items: 6, products: 6, contacts: 5 });
    expect(await seed(db, { ...demo, apiKey })).toBe(false);
    expect(await countRows()).toEqual({ orders: 6, items: 6, products: 6, contacts: 5 });

    const television = await post(key, {
      orderId: "ORD-1005",
      customerEmail: "kim@example.com",
      reasonForReturn: "defective",
      evidenceUrls: ["https://cdn.example.test/screen.jpg"],
    });
    expect(television.body.data).toMatchObject({
      recommendation: "review",
      daysSincePurchase: 10,
      factsUsed: {
        orderValue: { value: 1299, source: "order" },
        productCategory: { value: "electronics", source: "order" },
        orderFound: true,
      },
    });
    const sneakers = await post(key, {
      orderId: "ORD-1004",
      customerEmail: "Alex@Example.com",
      reasonForReturn: "wrong_item",
    });
    expect(sneakers.body.data).toMatchObject({ recommendation: "deny", factsUsed: { orderValue: { value: 29.99 } } });
  });

  it("never uses another tenant's order", async () => {
    const { owner } = await agentKeyFor("eval-owner");
    const orderId = await orderOf(owner);
    const { key: otherKey } = await agentKeyFor("eval-other");
    const response = await post(otherKey, {
      orderId,
      customerEmail: "customer@example.test",
      reasonForReturn: "wrong_item",
    });
    expect(response.body.data.factsUsed).toMatchObject({ orderFound: false, customerEmailMatches: null });
  });

  it("rejects bad input with 400 and refuses users", async () => {
    const { owner, key } = await agentKeyFor("eval-bad");
    for (const body of [
      {},
      { orderId: "1", customerEmail: "not-an-email", reasonForReturn: "damaged" },
      { orderId: "1", customerEmail: "x@example.test", reasonForReturn: "damaged", tenantId: owner.tenantId },
      { orderId: "1", customerEmail: "x@example.test", reasonForReturn: "damaged", businessId: "42" },
      {
        orderId: "1",
        customerEmail: "x@example.test",
        reasonForReturn: "damaged",
        evidenceUrls: ["javascript:alert(1)"],
      },
      { orderId: "1", customerEmail: "x@example.test", reasonForReturn: "damaged", requestedResolution: "cash" },
      { orderId: "1", customerEmail: "x@example.test", reasonForReturn: "damaged", orderValue: -3 },
    ]) {
      const response = await post(key, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.code).toBe("VALIDATION_FAILED");
    }
    const asOwner = await call(evaluateReturn, {
      method: "POST",
      token: owner.accessToken,
      body: { orderId: "1", customerEmail: "x@example.test", reasonForReturn: "damaged" },
    });
    expect(asOwner.status).toBe(403);
  });
});

describe("spec 000 clients: business_id and the spec's field names", () => {
  it("GET /api/ai-policy-helper/active takes the key's own business_id; another or an unknown one is 404", async () => {
    const { owner, key } = await agentKeyFor("helper-spec-active");
    const other = await registerTenant("helper-spec-active-other");
    for (const query of [{ business_id: owner.tenantId }, { businessId: owner.tenantId }]) {
      const response = await call(helperActive, { apiKey: key, query });
      expect(response.status, response.text).toBe(200);
      expect(response.body.data).toMatchObject({ isDefault: true });
    }
    for (const businessId of [other.tenantId, crypto.randomUUID()]) {
      const response = await call(helperActive, { apiKey: key, query: { business_id: businessId } });
      expect(response.status).toBe(404);
      expect(response.body.error).toEqual({ code: "NOT_FOUND", message: "Business not found" });
    }
    expect((await call(helperActive, { apiKey: key, query: { business_id: "42" } })).status).toBe(400);
  });

  it("POST /api/ai-policy-helper/evaluate-return answers spec 000's body as it answers the camelCase one", async () => {
    const { owner, key } = await agentKeyFor("helper-spec-evaluate");
    const orderId = await orderOf(owner);
    const purchaseDate = new Date(Date.now() - 10 * DAY).toISOString();
    const spec = {
      business_id: owner.tenantId,
      order_id: orderId,
      customer_email: "Customer@Example.test",
      reason_for_return: "damaged",
      purchase_date: purchaseDate,
      product_category: "apparel",
    };
    const camel = {
      businessId: owner.tenantId,
      orderId,
      customerEmail: "customer@example.test",
      reasonForReturn: "damaged",
      purchaseDate,
      productCategory: "apparel",
    };
    const bySpec = await call(evaluateReturn, { method: "POST", apiKey: key, body: spec });
    expect(bySpec.status, bySpec.text).toBe(200);
    const byCamel = await call(evaluateReturn, { method: "POST", apiKey: key, body: camel });
    expect(bySpec.body).toEqual(byCamel.body);
    expect(bySpec.body.data.factsUsed).toMatchObject({
      orderFound: true,
      purchaseDate: { source: "request" },
      productCategory: { value: "apparel", source: "request" },
    });
  });

  it("answers 404 for another business or an unknown one, and 400 when two spellings disagree", async () => {
    const { owner, key } = await agentKeyFor("helper-spec-refuse");
    const other = await registerTenant("helper-spec-refuse-other");
    const body = { order_id: "ORD-1", customer_email: "a@example.test", reason_for_return: "damaged" };
    for (const businessId of [other.tenantId, crypto.randomUUID()]) {
      for (const name of ["business_id", "businessId"]) {
        const response = await call(evaluateReturn, {
          method: "POST",
          apiKey: key,
          body: { ...body, [name]: businessId },
        });
        expect(response.status).toBe(404);
        expect(response.body.error).toEqual({ code: "NOT_FOUND", message: "Business not found" });
      }
    }
    const disagreeing = await call(evaluateReturn, {
      method: "POST",
      apiKey: key,
      body: { ...body, orderId: "ORD-2", business_id: owner.tenantId },
    });
    expect(disagreeing.status).toBe(400);
    expect(disagreeing.body.error.details.map((detail: { path: string }) => detail.path)).toEqual(["body.order_id"]);
    const invalid = await call(evaluateReturn, {
      method: "POST",
      apiKey: key,
      body: { ...body, customer_email: "not an email" },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details.map((detail: { path: string }) => detail.path)).toEqual(
      expect.arrayContaining(["body.customer_email"]),
    );
  });
});
