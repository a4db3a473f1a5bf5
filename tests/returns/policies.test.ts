import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDatabase, getDb } from "../../db/client";
import { auditLog, policies } from "../../db/schema";
import * as auditLogFn from "../../netlify/functions/platform-audit-log";
import * as policiesFn from "../../netlify/functions/returns-policies";
import * as policiesActive from "../../netlify/functions/returns-policies-active";
import * as policiesId from "../../netlify/functions/returns-policies-id";
import * as policiesIdActivate from "../../netlify/functions/returns-policies-id-activate";
import { type Account, addMember, createApiKey, registerTenant, unique } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";

const rules = (overrides: Record<string, unknown> = {}) => ({
  returnWindowDays: 30,
  categories: { "Final Sale": { excluded: true }, Electronics: { windowDays: 14 } },
  reasons: { Damaged: "auto_approve", changed_mind: "review" },
  evidenceRequiredFor: ["damaged"],
  ...overrides,
});

async function createPolicy(owner: Account, body: Record<string, unknown> = {}) {
  const response = await call(policiesFn, {
    method: "POST",
    token: owner.accessToken,
    body: { version: unique("v"), rules: rules(), ...body },
  });
  if (response.status !== 201) throw new Error(`create policy failed: ${response.status} ${response.text}`);
  return response.body.data as { id: number; version: string; isActive: boolean };
}

const activate = (owner: Account, id: number) =>
  call(policiesIdActivate, { method: "PUT", path: `/api/policies/${id}/activate`, token: owner.accessToken });

async function auditOf(owner: Account, id: number) {
  const response = await call(auditLogFn, {
    token: owner.accessToken,
    query: { entityType: "policy", entityId: String(id), limit: 100 },
  });
  expect(response.status).toBe(200);
  return response.body.data as { action: string; before: any; after: any }[];
}

async function activeIds(tenantId: string) {
  const db = await getDb();
  const rows = await db
    .select({ id: policies.id })
    .from(policies)
    .where(and(eq(policies.tenantId, tenantId), eq(policies.isActive, true)));
  return rows.map((row) => row.id);
}

describe("POST /api/policies", () => {
  it("creates an inactive version with normalised keys, audited with its after state", async () => {
    const owner = await registerTenant("policy-create");
    const response = await call(policiesFn, {
      method: "POST",
      token: owner.accessToken,
      body: { version: "2025-spring", rules: rules(), effectiveDate: "2025-04-01T00:00:00Z" },
    });
    expect(response.status).toBe(201);
    expect(response.body.data).toMatchObject({
      tenantId: owner.tenantId,
      version: "2025-spring",
      isActive: false,
      effectiveDate: "2025-04-01T00:00:00.000Z",
      createdBy: owner.userId,
      rules: {
        returnWindowDays: 30,
        categories: { final_sale: { excluded: true }, electronics: { windowDays: 14 } },
        reasons: { damaged: "auto_approve", changed_mind: "review" },
        allowedResolutions: ["refund", "store_credit", "exchange"],
        restockingFeePercent: 0,
        manualReviewAboveValue: null,
      },
    });
    expect(typeof response.body.data.id).toBe("number");
    const audit = await auditOf(owner, response.body.data.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: "policy.created", before: null, after: { version: "2025-spring" } });
  });

  it("answers 409 for a version the tenant already has, and allows it in another tenant", async () => {
    const owner = await registerTenant("policy-dup");
    await createPolicy(owner, { version: "v1" });
    const again = await call(policiesFn, {
      method: "POST",
      token: owner.accessToken,
      body: { version: "v1", rules: rules() },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("CONFLICT");
    const other = await registerTenant("policy-dup-other");
    await createPolicy(other, { version: "v1" });
  });

  it("rejects invalid rules and unknown fields with 400", async () => {
    const owner = await registerTenant("policy-invalid");
    for (const body of [
      { version: "x", rules: rules({ returnWindowDays: -5 }) },
      { version: "x", rules: rules({ allowedResolutions: [] }) },
      { version: "x", rules: rules({ restockingFeePercent: 150 }) },
      { version: "x", rules: rules({ reasons: { damaged: "sometimes" } }) },
      { version: "x", rules: rules({ categories: { Shoes: {}, shoes: { excluded: true } } }) },
      { version: "", rules: rules() },
      { version: "x" },
      { version: "x", rules: rules(), tenantId: owner.tenantId },
      { version: "x", rules: rules(), business_id: "not-a-uuid" },
      { version: "x", rules: rules(), effectiveDate: "next week" },
    ]) {
      const response = await call(policiesFn, { method: "POST", token: owner.accessToken, body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.code).toBe("VALIDATION_FAILED");
    }
  });

  it("is for owners and admins", async () => {
    const owner = await registerTenant("policy-roles");
    const admin = await addMember(owner, "admin");
    const agent = await addMember(owner, "agent");
    const asAdmin = await call(policiesFn, {
      method: "POST",
      token: admin.accessToken,
      body: { version: "by-admin", rules: rules() },
    });
    expect(asAdmin.status).toBe(201);
    const asAgent = await call(policiesFn, {
      method: "POST",
      token: agent.accessToken,
      body: { version: "by-agent", rules: rules() },
    });
    expect(asAgent.status).toBe(403);
  });
});

describe("GET /api/policies", () => {
  it("lists newest first, paginated, in one statement, for members and read keys", async () => {
    const owner = await registerTenant("policy-list");
    const created = [];
    for (let i = 0; i < 3; i++) created.push(await createPolicy(owner, { version: `v${i}` }));
    const agent = await addMember(owner, "agent");
    const page = await call(policiesFn, { token: agent.accessToken, query: { limit: 2 } });
    expect(page.status).toBe(200);
    expect(page.statements).toBe(1);
    expect(page.body.data.map((p: { version: string }) => p.version)).toEqual(["v2", "v1"]);
    expect(page.body.pagination).toEqual({
      total: 3,
      totalIsExact: true,
      limit: 2,
      offset: 0,
      page: 1,
      totalPages: 2,
      hasMore: true,
      nextCursor: expect.any(String),
    });
    const rest = await call(policiesFn, { token: agent.accessToken, query: { limit: 2, offset: 2 } });
    expect(rest.body.data.map((p: { version: string }) => p.version)).toEqual(["v0"]);
    const { key } = await createApiKey(owner, ["read"]);
    const byKey = await call(policiesFn, { apiKey: key });
    expect(byKey.status).toBe(200);
    expect(byKey.body.pagination.total).toBe(3);
    const other = await registerTenant("policy-list-other");
    const empty = await call(policiesFn, { token: other.accessToken });
    expect(empty.body).toMatchObject({ data: [], pagination: { total: 0 } });
    const bad = await call(policiesFn, { token: agent.accessToken, query: { limit: 500 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("VALIDATION_FAILED");
  });
});

describe("PUT /api/policies/:id", () => {
  it("changes a draft and audits before and after", async () => {
    const owner = await registerTenant("policy-update");
    const draft = await createPolicy(owner, { version: "draft" });
    const response = await call(policiesId, {
      method: "PUT",
      path: `/api/policies/${draft.id}`,
      token: owner.accessToken,
      body: { version: "draft-2", rules: rules({ returnWindowDays: 60 }), effectiveDate: null },
    });
    expect(response.status).toBe(200);
    expect(response.body.data).toMatchObject({ id: draft.id, version: "draft-2", rules: { returnWindowDays: 60 } });
    const [entry] = await auditOf(owner, draft.id);
    expect(entry).toMatchObject({
      action: "policy.updated",
      before: { version: "draft", rules: { returnWindowDays: 30 } },
      after: { version: "draft-2", rules: { returnWindowDays: 60 } },
    });
  });

  it("refuses to edit the active policy (409) and a taken version (409)", async () => {
    const owner = await registerTenant("policy-update-active");
    const active = await createPolicy(owner, { version: "live" });
    const draft = await createPolicy(owner, { version: "next" });
    expect((await activate(owner, active.id)).status).toBe(200);
    const edit = await call(policiesId, {
      method: "PUT",
      path: `/api/policies/${active.id}`,
      token: owner.accessToken,
      body: { rules: rules({ returnWindowDays: 1 }) },
    });
    expect(edit.status).toBe(409);
    expect(edit.body.error.code).toBe("CONFLICT");
    const rename = await call(policiesId, {
      method: "PUT",
      path: `/api/policies/${draft.id}`,
      token: owner.accessToken,
      body: { version: "live" },
    });
    expect(rename.status).toBe(409);
    expect((await auditOf(owner, draft.id)).map((entry) => entry.action)).toEqual(["policy.created"]);
  });

  it("answers 404 for another tenant's or a missing id, 400 for a malformed id or empty body", async () => {
    const owner = await registerTenant("policy-update-404");
    const draft = await createPolicy(owner);
    const other = await registerTenant("policy-update-404-other");
    const theirs = await call(policiesId, {
      method: "PUT",
      path: `/api/policies/${draft.id}`,
      token: other.accessToken,
      body: { version: "stolen" },
    });
    expect(theirs.status).toBe(404);
    expect(theirs.body.error.code).toBe("NOT_FOUND");
    const missing = await call(policiesId, {
      method: "PUT",
      path: "/api/policies/999999999",
      token: owner.accessToken,
      body: { version: "x" },
    });
    expect(missing.status).toBe(404);
    for (const id of ["abc", "0", "-1", "1.5", "99999999999999999999"]) {
      const response = await call(policiesId, {
        method: "PUT",
        path: `/api/policies/${id}`,
        token: owner.accessToken,
        body: { version: "x" },
      });
      expect(response.status, id).toBe(400);
      expect(response.body.error.code).toBe("VALIDATION_FAILED");
    }
    const empty = await call(policiesId, {
      method: "PUT",
      path: `/api/policies/${draft.id}`,
      token: owner.accessToken,
      body: {},
    });
    expect(empty.status).toBe(400);
  });
});

describe("PUT /api/policies/:id/activate", () => {
  it("activates one version and deactivates the previous one, audited", async () => {
    const owner = await registerTenant("policy-activate");
    const first = await createPolicy(owner, { version: "first" });
    const second = await createPolicy(owner, { version: "second" });
    const one = await activate(owner, first.id);
    expect(one.status).toBe(200);
    expect(one.body.data).toMatchObject({ id: first.id, isActive: true });
    const two = await activate(owner, second.id);
    expect(two.body.data).toMatchObject({ id: second.id, isActive: true });
    expect(await activeIds(owner.tenantId)).toEqual([second.id]);

    const firstAudit = await auditOf(owner, first.id);
    expect(firstAudit.map((entry) => entry.action)).toEqual([
      "policy.deactivated",
      "policy.activated",
      "policy.created",
    ]);
    expect(firstAudit[0]).toMatchObject({ before: { isActive: true }, after: { isActive: false } });
    const [secondActivated] = await auditOf(owner, second.id);
    expect(secondActivated).toMatchObject({
      action: "policy.activated",
      before: { isActive: false },
      after: { isActive: true },
    });

    // Activating the active version again changes nothing.
    const again = await activate(owner, second.id);
    expect(again.status).toBe(200);
    expect((await auditOf(owner, second.id)).length).toBe(2);
  });

  it("answers 404 to another tenant, 403 to an agent, 422 for rules that no longer parse", async () => {
    const owner = await registerTenant("policy-activate-errors");
    const draft = await createPolicy(owner);
    const other = await registerTenant("policy-activate-errors-other");
    const theirs = await activate(other, draft.id);
    expect(theirs.status).toBe(404);
    const agent = await addMember(owner, "agent");
    const asAgent = await call(policiesIdActivate, {
      method: "PUT",
      path: `/api/policies/${draft.id}/activate`,
      token: agent.accessToken,
    });
    expect(asAgent.status).toBe(403);
    // A row written outside the API (an old import) with rules the engine cannot read.
    const db = await getDb();
    const [broken] = await db
      .insert(policies)
      .values({ tenantId: owner.tenantId, version: "broken", rules: { returnWindowDays: "thirty" } })
      .returning({ id: policies.id });
    const response = await activate(owner, broken?.id ?? 0);
    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe("UNPROCESSABLE");
    expect(await activeIds(owner.tenantId)).toEqual([]);
  });

  it("leaves exactly one active under concurrent activations (5 rounds)", async () => {
    const owner = await registerTenant("policy-race");
    const a = await createPolicy(owner, { version: "race-a" });
    const b = await createPolicy(owner, { version: "race-b" });
    const c = await createPolicy(owner, { version: "race-c" });
    const { driver } = await getDatabase();
    for (let round = 0; round < 5; round++) {
      const [x, y] = round % 2 === 0 ? [a, b] : [b, c];
      const results = await Promise.all([activate(owner, x.id), activate(owner, y.id)]);
      // Both succeed: the row locks make the second wait for the first instead of failing on the index.
      expect(results.map((r) => r.status)).toEqual([200, 200]);
      const active = await activeIds(owner.tenantId);
      expect(active, `round ${round} on ${driver}`).toHaveLength(1);
      expect([x.id, y.id]).toContain(active[0]);
    }
  });

  it("the partial unique index refuses a second active policy even outside the service", async () => {
    const owner = await registerTenant("policy-index");
    const a = await createPolicy(owner);
    const b = await createPolicy(owner);
    await activate(owner, a.id);
    const db = await getDb();
    await expect(db.update(policies).set({ isActive: true }).where(eq(policies.id, b.id))).rejects.toThrow();
  });
});

describe("GET /api/policies/active (public)", () => {
  it("answers the active policy by businessId or business_id, without its author, in one statement", async () => {
    const owner = await registerTenant("policy-public");
    const none = await call(policiesActive, { query: { businessId: owner.tenantId } });
    expect(none.status).toBe(200);
    expect(none.body).toEqual({ data: null });
    const draft = await createPolicy(owner, { version: "public-v1" });
    await activate(owner, draft.id);
    const byCamel = await call(policiesActive, { query: { businessId: owner.tenantId } });
    expect(byCamel.status).toBe(200);
    expect(byCamel.statements).toBe(1);
    expect(Object.keys(byCamel.body)).toEqual(["data"]);
    expect(byCamel.body.data).toMatchObject({ id: draft.id, version: "public-v1", isActive: true });
    expect(byCamel.body.data).not.toHaveProperty("createdBy");
    expect(byCamel.text).not.toContain(owner.userId);
    const bySnake = await call(policiesActive, { query: { business_id: owner.tenantId } });
    expect(bySnake.body).toEqual(byCamel.body);
  });

  it("answers null for an unknown business and 400 without a valid id", async () => {
    const unknown = await call(policiesActive, { query: { businessId: crypto.randomUUID() } });
    expect(unknown.body).toEqual({ data: null });
    for (const query of [{}, { businessId: "not-a-uuid" }, { business_id: "42" }]) {
      const response = await call(policiesActive, { query });
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe("VALIDATION_FAILED");
    }
  });
});

describe("audit rows are written in the same transaction", () => {
  it("a failed update leaves no audit row", async () => {
    const owner = await registerTenant("policy-audit-tx");
    const a = await createPolicy(owner, { version: "keep" });
    const b = await createPolicy(owner, { version: "other" });
    await call(policiesId, {
      method: "PUT",
      path: `/api/policies/${b.id}`,
      token: owner.accessToken,
      body: { version: "keep" },
    });
    const db = await getDb();
    const rows = await db
      .select({ action: auditLog.action })
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, owner.tenantId), eq(auditLog.entityType, "policy")));
    expect(rows.map((row) => row.action).sort()).toEqual(["policy.created", "policy.created"]);
    expect(a.id).not.toBe(b.id);
  });
});

describe("spec 000 clients: business_id and the spec's field names", () => {
  it("GET /api/policies takes the caller's own business_id (or businessId); another business is 404", async () => {
    const owner = await registerTenant("policy-spec-list");
    const other = await registerTenant("policy-spec-list-other");
    const policy = await createPolicy(owner);
    for (const query of [{ business_id: owner.tenantId }, { businessId: owner.tenantId }]) {
      const response = await call(policiesFn, { token: owner.accessToken, query });
      expect(response.status, response.text).toBe(200);
      expect(response.body.data.map((row: { id: number }) => row.id)).toEqual([policy.id]);
    }
    for (const businessId of [other.tenantId, crypto.randomUUID()]) {
      const response = await call(policiesFn, { token: owner.accessToken, query: { business_id: businessId } });
      expect(response.status).toBe(404);
      expect(response.body.error).toEqual({ code: "NOT_FOUND", message: "Business not found" });
    }
  });

  it("POST /api/policies takes business_id and effective_date as spec 000 sends them", async () => {
    const owner = await registerTenant("policy-spec-create");
    const other = await registerTenant("policy-spec-create-other");
    const body = {
      business_id: owner.tenantId,
      version: "spec-v1",
      rules: rules(),
      effective_date: "2025-07-01T00:00:00Z",
    };
    const created = await call(policiesFn, { method: "POST", token: owner.accessToken, body });
    expect(created.status, created.text).toBe(201);
    expect(created.body.data).toMatchObject({
      tenantId: owner.tenantId,
      version: "spec-v1",
      effectiveDate: "2025-07-01T00:00:00.000Z",
    });
    expect(created.body.data).not.toHaveProperty("business_id");

    const elsewhere = await call(policiesFn, {
      method: "POST",
      token: owner.accessToken,
      body: { ...body, version: "spec-v2", business_id: other.tenantId },
    });
    expect(elsewhere.status).toBe(404);
    const disagreeing = await call(policiesFn, {
      method: "POST",
      token: owner.accessToken,
      body: { ...body, version: "spec-v3", effectiveDate: "2025-08-01T00:00:00Z" },
    });
    expect(disagreeing.status).toBe(400);
    expect(disagreeing.body.error.details[0].path).toBe("body.effective_date");
  });

  it("PUT /api/policies/:id takes effective_date and business_id; business_id alone changes nothing (400)", async () => {
    const owner = await registerTenant("policy-spec-update");
    const other = await registerTenant("policy-spec-update-other");
    const policy = await createPolicy(owner);
    const path = `/api/policies/${policy.id}`;
    const updated = await call(policiesId, {
      method: "PUT",
      path,
      token: owner.accessToken,
      body: { business_id: owner.tenantId, effective_date: null, version: "renamed" },
    });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.body.data).toMatchObject({ version: "renamed", effectiveDate: null });
    const nothing = await call(policiesId, {
      method: "PUT",
      path,
      token: owner.accessToken,
      body: { business_id: owner.tenantId },
    });
    expect(nothing.status).toBe(400);
    const elsewhere = await call(policiesId, {
      method: "PUT",
      path,
      token: owner.accessToken,
      body: { business_id: other.tenantId, version: "x" },
    });
    expect(elsewhere.status).toBe(404);
  });

  it("PUT /api/policies/:id/activate takes the spec's business_id body, and none", async () => {
    const owner = await registerTenant("policy-spec-activate");
    const other = await registerTenant("policy-spec-activate-other");
    const first = await createPolicy(owner);
    const second = await createPolicy(owner);
    const put = (id: number, body?: unknown) =>
      call(policiesIdActivate, { method: "PUT", path: `/api/policies/${id}/activate`, token: owner.accessToken, body });
    const bySpec = await put(first.id, { business_id: owner.tenantId });
    expect(bySpec.status, bySpec.text).toBe(200);
    expect(bySpec.body.data).toMatchObject({ id: first.id, isActive: true });
    expect((await put(second.id, { business_id: other.tenantId })).status).toBe(404);
    expect(await activeIds(owner.tenantId)).toEqual([first.id]);
    expect((await put(second.id, { unknown: true })).status).toBe(400);
    expect((await put(second.id)).status).toBe(200);
    expect(await activeIds(owner.tenantId)).toEqual([second.id]);
  });
});
