import type { Context } from "@netlify/functions";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "../../db/client";
import { auditLog, RETURN_STATUSES, type ReturnStatus, returnRequests } from "../../db/schema";
import * as requests from "../../netlify/functions/returns-return-requests";
import * as statusById from "../../netlify/functions/returns-return-requests-id-status";
import * as lookup from "../../netlify/functions/returns-return-requests-lookup";
import { type Account, addMember, createApiKey, registerTenant, unique } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";
import { returnStatuses } from "../../services/returns/return-requests";
import { REDACTED, REDACTED_CARD, sanitizeConversationLog, sanitizeText } from "../../services/returns/sanitize";
import { seedOrder } from "../helpers/commerce";

const DAY = 24 * 60 * 60 * 1000;

function filing(tenantId: string, overrides: Record<string, unknown> = {}) {
  return {
    businessId: tenantId,
    orderId: unique("ORD"),
    customerEmail: `${unique("customer")}@example.test`,
    reasonForReturn: "damaged",
    ...overrides,
  };
}

const file = (body: unknown, ip?: string) => call(requests, { method: "POST", body, ip });

/** A request of `tenantId` in `status`, written directly (state-machine and list tests). */
async function seed(
  tenantId: string,
  values: Partial<typeof returnRequests.$inferInsert> = {},
): Promise<{ id: number; publicId: string }> {
  const db = await getDb();
  const [row] = await db
    .insert(returnRequests)
    .values({
      tenantId,
      orderId: unique("SEED"),
      customerEmail: `${unique("seeded")}@example.test`,
      reasonForReturn: "changed_mind",
      ...values,
    })
    .returning({ id: returnRequests.id, publicId: returnRequests.publicId });
  if (!row) throw new Error("seed failed");
  return row;
}

async function storedRequest(publicId: string) {
  const db = await getDb();
  const [row] = await db.select().from(returnRequests).where(eq(returnRequests.publicId, publicId));
  return row;
}

async function auditOf(tenantId: string, entityId: string) {
  const db = await getDb();
  return db
    .select()
    .from(auditLog)
    .where(
      and(eq(auditLog.tenantId, tenantId), eq(auditLog.entityType, "return_request"), eq(auditLog.entityId, entityId)),
    )
    .orderBy(auditLog.id);
}

const move = (who: Account, id: number | string, body: unknown) =>
  call(statusById, { method: "PUT", path: `/api/return-requests/${id}/status`, token: who.accessToken, body });

describe("sanitizeText", () => {
  it("redacts Luhn-valid card numbers with or without spaces and dashes", () => {
    expect(sanitizeText("card 4111 1111 1111 1111 ok")).toBe(`card ${REDACTED_CARD} ok`);
    expect(sanitizeText("4111-1111-1111-1111")).toBe(REDACTED_CARD);
    expect(sanitizeText("pay with 5555555555554444.")).toBe(`pay with ${REDACTED_CARD}.`);
    expect(sanitizeText("amex 3782 822463 10005")).toBe(`amex ${REDACTED_CARD}`);
    expect(sanitizeText("order 12345 4111 1111 1111 1111")).toBe(`order 12345 ${REDACTED_CARD}`);
  });

  it("keeps numbers that fail Luhn or are too short or too long", () => {
    for (const text of [
      "4111 1111 1111 1112",
      "order 1234567890123",
      "call 555-123-4567",
      "tracking 12345678901234567890123",
      "id 411111111111",
    ]) {
      expect(sanitizeText(text)).toBe(text);
    }
  });

  it("redacts passwords, API keys, bearer tokens, key formats and CVV codes", () => {
    expect(sanitizeText("my password: hunter2")).toBe(`my password: ${REDACTED}`);
    expect(sanitizeText("Password is 'correct horse'")).toBe(`Password is ${REDACTED}`);
    expect(sanitizeText("api key ABCD1234EFGH5678")).toBe(`api key ${REDACTED}`);
    expect(sanitizeText("api_key=abc123xyz")).toBe(`api_key=${REDACTED}`);
    expect(sanitizeText("Authorization: Bearer abc.def.ghijklmnop")).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(sanitizeText("use sk_live_51Habcdefghijklmnop now")).toBe(`use ${REDACTED} now`);
    expect(sanitizeText("cvv 123 and CVC: 4567")).toBe(`cvv ${REDACTED} and CVC: ${REDACTED}`);
    expect(sanitizeText("I forgot my password yesterday")).toBe("I forgot my password yesterday");
  });

  it("sanitizes every message of a conversation log and keeps its shape", () => {
    const log = [
      { sender: "user" as const, message: "card 4242 4242 4242 4242, cvv 999", at: "2026-01-01T00:00:00.000Z" },
      { sender: "agent" as const, message: "Thanks! Never share your password: it is private" },
    ];
    expect(sanitizeConversationLog(log)).toEqual([
      { sender: "user", message: `card ${REDACTED_CARD}, cvv ${REDACTED}`, at: "2026-01-01T00:00:00.000Z" },
      { sender: "agent", message: `Thanks! Never share your password: ${REDACTED} is private` },
    ]);
  });
});

describe("POST /api/return-requests (public)", () => {
  it("files a request without credentials, evaluates it and answers only the public fields", async () => {
    const owner = await registerTenant("rr-create");
    const db = await getDb();
    const customerEmail = `${unique("buyer")}@example.test`;
    const orderId = unique("ORD");
    await seedOrder(db, owner.tenantId, {
      orderId,
      email: customerEmail,
      purchaseDate: new Date(Date.now() - 5 * DAY),
      productName: "Headphones",
      category: "electronics",
      price: 129.5,
    });
    const res = await file({
      businessId: owner.tenantId,
      orderId,
      customerEmail: customerEmail.toUpperCase(),
      reasonForReturn: "damaged",
      reasonDetails: "Arrived cracked. My card was 4111 1111 1111 1111",
      requestedResolution: "refund",
      evidenceUrls: ["https://img.example.test/crack.jpg"],
      conversationLog: [
        { role: "customer", message: "Hi, card 4111-1111-1111-1111 cvv 123", at: "2026-01-01T10:00:00Z" },
        { sender: "agent", message: "Never send your password: hunter2" },
      ],
    });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body.data).sort()).toEqual(["createdAt", "publicId", "status"]);
    expect(res.body.data.status).toBe("pending_triage");
    expect(res.text).not.toMatch(/ai|recommend|confidence/i);

    const row = await storedRequest(res.body.data.publicId);
    expect(row).toMatchObject({
      tenantId: owner.tenantId,
      orderId,
      customerEmail,
      status: "pending_triage",
      requestedResolution: "refund",
      evidenceUrls: ["https://img.example.test/crack.jpg"],
      reasonDetails: `Arrived cracked. My card was ${REDACTED_CARD}`,
      conversationLog: [
        { sender: "user", message: `Hi, card ${REDACTED_CARD} cvv ${REDACTED}`, at: "2026-01-01T10:00:00.000Z" },
        { sender: "agent", message: `Never send your password: ${REDACTED}` },
      ],
    });
    expect(JSON.stringify(row)).not.toContain("4111");
    expect(["approve", "deny", "review"]).toContain(row?.aiRecommendation);
    expect(row?.aiConfidenceScore).toBeGreaterThanOrEqual(0);
    expect(row?.aiConfidenceScore).toBeLessThanOrEqual(1);
    const evaluation = row?.aiEvaluation as Record<string, any>;
    expect(evaluation).toMatchObject({
      recommendation: row?.aiRecommendation,
      confidence: row?.aiConfidenceScore,
      daysSincePurchase: 5,
      isDefaultPolicy: true,
    });
    expect(evaluation.reasons.length).toBeGreaterThan(0);
    // The facts came from the tenant's order, found under the customer's (lower-cased) email.
    expect(evaluation.factsUsed).toMatchObject({
      orderFound: true,
      customerEmailMatches: true,
      productCategory: { value: "electronics", source: "order" },
      orderValue: { value: 129.5, source: "order" },
    });

    const audit = await auditOf(owner.tenantId, String(row?.id));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: "return_request.created", actorType: "public", actorId: null });
    expect(audit[0]?.after).toMatchObject({ publicId: row?.publicId, status: "pending_triage" });
  });

  it("accepts business_id as the spec names it, and refuses both disagreeing or neither", async () => {
    const owner = await registerTenant("rr-alias");
    const { businessId, ...rest } = filing(owner.tenantId);
    expect((await file({ ...rest, business_id: businessId })).status).toBe(201);
    expect((await file({ ...rest, businessId, business_id: businessId })).status).toBe(201);
    const differing = await file({ ...rest, businessId, business_id: crypto.randomUUID() });
    expect(differing.status).toBe(400);
    const neither = await file(rest);
    expect(neither.status).toBe(400);
    expect(neither.body.error.details[0].path).toBe("body.businessId");
  });

  it("answers 404 for an unknown business and says nothing more", async () => {
    const res = await file(filing(crypto.randomUUID()));
    expect(res.status).toBe(404);
    expect(res.body.error).toEqual({ code: "NOT_FOUND", message: "Business not found" });
  });

  it("refuses evidence URLs that are not http(s), too many or too long", async () => {
    const owner = await registerTenant("rr-urls");
    for (const evidenceUrls of [
      ["javascript:alert(1)"],
      ["data:text/html;base64,PHNjcmlwdD4="],
      ["ftp://files.example.test/a.jpg"],
      ["file:///etc/passwd"],
      ["not a url"],
      ["https://"],
      Array.from({ length: 11 }, (_, i) => `https://img.example.test/${i}.jpg`),
      [`https://img.example.test/${"a".repeat(2048)}`],
      "https://img.example.test/a.jpg",
    ]) {
      const res = await file(filing(owner.tenantId, { evidenceUrls }));
      expect(res.status, JSON.stringify(evidenceUrls).slice(0, 80)).toBe(400);
      expect(res.body.error.code).toBe("VALIDATION_FAILED");
    }
    const ok = await file(
      filing(owner.tenantId, { evidenceUrls: Array.from({ length: 10 }, (_, i) => `http://img.example.test/${i}`) }),
    );
    expect(ok.status).toBe(201);
  });

  it("refuses oversize strings, extra fields, bad emails, unknown reasons and long logs", async () => {
    const owner = await registerTenant("rr-hostile");
    for (const overrides of [
      { orderId: "x".repeat(101) },
      { orderId: "   " },
      { reasonDetails: "x".repeat(2001) },
      { productCategory: "x".repeat(101) },
      { customerEmail: "not-an-email" },
      { customerEmail: `${"a".repeat(250)}@example.test` },
      { reasonForReturn: "because" },
      { requestedResolution: "cash" },
      { purchaseDate: "yesterday" },
      { isAdmin: true },
      { status: "approved" },
      { aiRecommendation: "approve" },
      { conversationLog: [{ message: "who am I" }] },
      { conversationLog: [{ role: "user", message: "hi", extra: 1 }] },
      { conversationLog: [{ role: "root", message: "hi" }] },
      { conversationLog: [{ role: "user", message: "x".repeat(4001) }] },
      { conversationLog: Array.from({ length: 201 }, () => ({ role: "user", message: "hi" })) },
      { businessId: "not-a-uuid" },
    ]) {
      const res = await file(filing(owner.tenantId, overrides));
      expect(res.status, JSON.stringify(overrides).slice(0, 80)).toBe(400);
      expect(res.body.error.code).toBe("VALIDATION_FAILED");
    }
    const invalidJson = await call(requests, {
      method: "POST",
      rawBody: '{"businessId":',
      headers: { "content-type": "application/json" },
    });
    expect(invalidJson.status).toBe(400);
    expect(invalidJson.body.error.code).toBe("INVALID_JSON");
    const wrongType = await call(requests, {
      method: "POST",
      rawBody: JSON.stringify(filing(owner.tenantId)),
      headers: { "content-type": "text/plain" },
    });
    expect(wrongType.status).toBe(415);
    const array = await file([filing(owner.tenantId)]);
    expect(array.status).toBe(400);
  });

  it("refuses text Postgres cannot store and dates it cannot, without credentials, and stores nothing", async () => {
    const owner = await registerTenant("rr-unstorable");
    for (const [overrides, path] of [
      [{ orderId: "ORD\u0000" }, "body.orderId"],
      [{ reasonDetails: "broken \ud83d" }, "body.reasonDetails"],
      [{ conversationLog: [{ role: "user", message: "hi\u0000" }] }, "body.conversationLog.0.message"],
      [
        { conversationLog: [{ role: "user", message: "hi", at: "+275760-09-13T00:00:00Z" }] },
        "body.conversationLog.0.at",
      ],
      [{ purchaseDate: "+275760-09-13" }, "body.purchaseDate"],
      [{ purchaseDate: "Dec 25 2999" }, "body.purchaseDate"],
      [{ purchaseDate: "0000-12-31" }, "body.purchaseDate"],
    ] as const) {
      const res = await file(filing(owner.tenantId, overrides));
      expect(res.status, `${path}: ${res.text}`).toBe(400);
      expect(res.body.error.code).toBe("VALIDATION_FAILED");
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    const db = await getDb();
    expect(await db.select().from(returnRequests).where(eq(returnRequests.tenantId, owner.tenantId))).toHaveLength(0);
  });

  it("stores SQL-looking and markup strings verbatim and harmlessly", async () => {
    const owner = await registerTenant("rr-sqli");
    const orderId = "1'; DROP TABLE return_requests; --";
    const reasonDetails = `Robert'); DELETE FROM tenants WHERE ('1'='1 <script>alert(1)</script> %_\\`;
    const res = await file(filing(owner.tenantId, { orderId, reasonDetails, productCategory: "' OR 1=1 --" }));
    expect(res.status).toBe(201);
    const row = await storedRequest(res.body.data.publicId);
    expect(row).toMatchObject({ orderId, reasonDetails, productCategory: "' OR 1=1 --" });
    const list = await call(requests, { token: owner.accessToken, query: { q: "DROP TABLE" } });
    expect(list.body.data.map((r: { orderId: string }) => r.orderId)).toEqual([orderId]);
  });

  it("rate limits filings per client IP and business with 429 and Retry-After", async () => {
    const owner = await registerTenant("rr-limit");
    const ip = `198.51.100.${Math.floor(Math.random() * 250)}`;
    for (let i = 0; i < 10; i++) expect((await file(filing(owner.tenantId), ip)).status).toBe(201);
    const limited = await file(filing(owner.tenantId), ip);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("RATE_LIMITED");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(limited.headers.get("retry-after"))).toBeLessThanOrEqual(3600);
    // Another client is not affected.
    expect((await file(filing(owner.tenantId))).status).toBe(201);
  });
});

describe("POST /api/return-requests/lookup (public)", () => {
  it("answers the customer-safe fields for the right email, 404 alike for a wrong email or id", async () => {
    const owner = await registerTenant("rr-lookup");
    const customerEmail = `${unique("looker")}@example.test`;
    const created = await file(filing(owner.tenantId, { customerEmail }));
    const { publicId } = created.body.data;
    const row = await storedRequest(publicId);
    await move(owner, row?.id as number, { status: "pending_review", adminNotes: "internal: suspicious customer" });

    const found = await call(lookup, {
      method: "POST",
      body: { publicId, customerEmail: customerEmail.toUpperCase() },
    });
    expect(found.status).toBe(200);
    expect(Object.keys(found.body.data).sort()).toEqual([
      "createdAt",
      "orderId",
      "publicId",
      "reasonForReturn",
      "status",
      "updatedAt",
    ]);
    expect(found.body.data).toMatchObject({ publicId, status: "pending_review", reasonForReturn: "damaged" });
    expect(found.text).not.toMatch(/suspicious|adminNotes|aiRecommendation|confidence|@/);
    expect(found.statements).toBe(2); // the limiter's upsert and the read

    const wrongEmail = await call(lookup, {
      method: "POST",
      body: { publicId, customerEmail: "someone.else@example.test" },
    });
    const unknownId = await call(lookup, { method: "POST", body: { publicId: crypto.randomUUID(), customerEmail } });
    expect(wrongEmail.status).toBe(404);
    expect(unknownId.status).toBe(404);
    expect(wrongEmail.body).toEqual(unknownId.body);

    expect((await call(lookup, { method: "POST", body: { publicId, customerEmail, extra: 1 } })).status).toBe(400);
    expect((await call(lookup, { method: "POST", body: { publicId: "1", customerEmail } })).status).toBe(400);
    const get = await call(lookup, { method: "GET" });
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST, OPTIONS");
  });

  it("rate limits look-ups per client IP", async () => {
    const ip = `203.0.113.${Math.floor(Math.random() * 250)}`;
    const body = { publicId: crypto.randomUUID(), customerEmail: "nobody@example.test" };
    for (let i = 0; i < 30; i++) expect((await call(lookup, { method: "POST", body, ip })).status).toBe(404);
    const limited = await call(lookup, { method: "POST", body, ip });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("GET /api/return-requests", () => {
  it("lists newest first with pagination in one statement, AI fields and notes included", async () => {
    const owner = await registerTenant("rr-list");
    const now = Date.now();
    for (let i = 0; i < 5; i++) {
      await seed(owner.tenantId, {
        orderId: `LIST-${i}`,
        createdAt: new Date(now - (5 - i) * 60_000),
        aiRecommendation: "review",
        aiConfidenceScore: 0.5,
        adminNotes: `note ${i}`,
      });
    }
    const other = await registerTenant("rr-list-other");
    await seed(other.tenantId, { orderId: "LIST-OTHER" });

    const page = await call(requests, { token: owner.accessToken, query: { limit: 2 } });
    expect(page.status).toBe(200);
    expect(page.statements).toBe(1);
    expect(page.body.pagination).toEqual({
      total: 5,
      totalIsExact: true,
      limit: 2,
      offset: 0,
      page: 1,
      totalPages: 3,
      hasMore: true,
      nextCursor: expect.any(String),
    });
    expect(page.body.data.map((r: { orderId: string }) => r.orderId)).toEqual(["LIST-4", "LIST-3"]);
    expect(page.body.data[0]).toMatchObject({
      aiRecommendation: "review",
      aiConfidenceScore: 0.5,
      adminNotes: "note 4",
    });
    const last = await call(requests, { token: owner.accessToken, query: { limit: 2, offset: 4 } });
    expect(last.body.pagination).toEqual({
      total: 5,
      totalIsExact: true,
      limit: 2,
      offset: 4,
      page: 3,
      totalPages: 3,
      hasMore: false,
      nextCursor: null,
    });
    expect(last.body.data.map((r: { orderId: string }) => r.orderId)).toEqual(["LIST-0"]);
    const past = await call(requests, { token: owner.accessToken, query: { offset: 50 } });
    expect(past.body).toMatchObject({ data: [], pagination: { total: 5, hasMore: false } });
    expect(page.text).not.toContain("LIST-OTHER");
  });

  it("filters by status, date range, email and search", async () => {
    const owner = await registerTenant("rr-filter");
    const t0 = Date.UTC(2026, 0, 10, 12);
    const email = `${unique("Mixed.Case")}@example.test`;
    await seed(owner.tenantId, { orderId: "F-TRIAGE", status: "pending_triage", createdAt: new Date(t0) });
    await seed(owner.tenantId, { orderId: "F-REVIEW", status: "pending_review", createdAt: new Date(t0 + DAY) });
    await seed(owner.tenantId, {
      orderId: "F-APPROVED",
      status: "approved",
      createdAt: new Date(t0 + 2 * DAY),
      customerEmail: email,
    });
    await seed(owner.tenantId, { orderId: "F_DENIED%", status: "denied", createdAt: new Date(t0 + 3 * DAY) });
    const ids = async (query: Record<string, string>) => {
      const res = await call(requests, { token: owner.accessToken, query });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.statements).toBe(1);
      return res.body.data.map((r: { orderId: string }) => r.orderId);
    };
    expect(await ids({ status: "approved" })).toEqual(["F-APPROVED"]);
    expect(await ids({ status: "pending_triage,pending_review" })).toEqual(["F-REVIEW", "F-TRIAGE"]);
    expect(await ids({ from: "2026-01-11", to: "2026-01-12T23:59:59Z" })).toEqual(["F-APPROVED", "F-REVIEW"]);
    expect(await ids({ from: "2026-01-13T00:00:00+00:00" })).toEqual(["F_DENIED%"]);
    expect(await ids({ email: email.toUpperCase() })).toEqual(["F-APPROVED"]);
    expect(await ids({ q: "mixed.case" })).toEqual(["F-APPROVED"]);
    expect(await ids({ q: "f-re" })).toEqual(["F-REVIEW"]);
    expect(await ids({ q: "%" })).toEqual(["F_DENIED%"]);
    expect(await ids({ q: "_" })).toEqual(["F_DENIED%"]);
    expect(await ids({ status: "denied", q: "REVIEW" })).toEqual([]);

    // The repeated form of status, as a browser's URLSearchParams sends it.
    const url = "http://localhost:8888/api/return-requests?status=approved&status=denied";
    const repeated = await requests.default(
      new Request(url, { headers: { authorization: `Bearer ${owner.accessToken}` } }),
      { params: {}, ip: "127.0.0.1", requestId: crypto.randomUUID() } as unknown as Context,
    );
    const repeatedBody = await repeated.json();
    expect(repeatedBody.data.map((r: { orderId: string }) => r.orderId)).toEqual(["F_DENIED%", "F-APPROVED"]);

    for (const query of [{ status: "lost" }, { from: "last week" }, { email: "nope" }, { limit: "101" }, { q: "" }]) {
      const res = await call(requests, { token: owner.accessToken, query });
      expect(res.status, JSON.stringify(query)).toBe(400);
    }
  });

  it("is readable by any member and by read-scoped API keys", async () => {
    const owner = await registerTenant("rr-readers");
    await seed(owner.tenantId);
    const salesRep = await addMember(owner, "sales_rep");
    expect((await call(requests, { token: salesRep.accessToken })).status).toBe(200);
    const { key } = await createApiKey(owner, ["read"]);
    const res = await call(requests, { apiKey: key });
    expect(res.status).toBe(200);
    expect(res.body.pagination.total).toBe(1);
  });
});

describe("PUT /api/return-requests/:id/status", () => {
  it("follows the state machine: every allowed move succeeds, every other is 422 naming the allowed ones", async () => {
    const owner = await registerTenant("rr-machine");
    for (const from of RETURN_STATUSES) {
      for (const to of RETURN_STATUSES) {
        const { id } = await seed(owner.tenantId, { status: from });
        const res = await move(owner, id, { status: to });
        const allowed = returnStatuses.transitions[from];
        if (allowed.includes(to)) {
          expect(res.status, `${from} → ${to}`).toBe(200);
          expect(res.body.data).toMatchObject({ id, status: to });
          const audit = await auditOf(owner.tenantId, String(id));
          expect(audit).toHaveLength(1);
          expect(audit[0]).toMatchObject({
            action: "return_request.status_changed",
            actorType: "user",
            actorId: owner.userId,
            before: { status: from, adminNotes: null },
            after: { status: to, adminNotes: null },
          });
        } else {
          expect(res.status, `${from} → ${to}`).toBe(422);
          expect(res.body.error.code).toBe("UNPROCESSABLE");
          expect(res.body.error.details[0].allowed).toEqual(allowed);
          for (const next of allowed) expect(res.body.error.message).toContain(next);
          if (allowed.length === 0) expect(res.body.error.message).toContain("final");
          expect(await auditOf(owner.tenantId, String(id))).toHaveLength(0);
          expect((await storedRequestById(id))?.status).toBe(from);
        }
      }
    }
  });

  it("walks a request from triage to completed, keeping and clearing admin notes", async () => {
    const owner = await registerTenant("rr-walk");
    const agent = await addMember(owner, "agent");
    const { id } = await seed(owner.tenantId);
    const review = await move(agent, id, { status: "pending_review", adminNotes: "  needs photos  " });
    expect(review.body.data).toMatchObject({ status: "pending_review", adminNotes: "needs photos" });
    const approved = await move(owner, id, { status: "approved" });
    expect(approved.body.data).toMatchObject({ status: "approved", adminNotes: "needs photos" });
    expect(new Date(approved.body.data.updatedAt).getTime()).toBeGreaterThanOrEqual(
      new Date(review.body.data.updatedAt).getTime(),
    );
    const completed = await move(owner, id, { status: "completed", adminNotes: null });
    expect(completed.body.data).toMatchObject({ status: "completed", adminNotes: null });
    const audit = await auditOf(owner.tenantId, String(id));
    expect(audit.map((entry) => [entry.before, entry.after])).toEqual([
      [
        { status: "pending_triage", adminNotes: null },
        { status: "pending_review", adminNotes: "needs photos" },
      ],
      [
        { status: "pending_review", adminNotes: "needs photos" },
        { status: "approved", adminNotes: "needs photos" },
      ],
      [
        { status: "approved", adminNotes: "needs photos" },
        { status: "completed", adminNotes: null },
      ],
    ]);
    expect(audit[0]?.actorId).toBe(agent.userId);
  });

  it("lets two concurrent moves from pending_triage race: exactly one wins, the other is 422", async () => {
    const owner = await registerTenant("rr-race");
    const admin = await addMember(owner, "admin");
    for (let round = 0; round < 3; round++) {
      const { id } = await seed(owner.tenantId);
      const [approve, deny] = await Promise.all([
        move(owner, id, { status: "approved" }),
        move(admin, id, { status: "denied" }),
      ]);
      expect([approve.status, deny.status].sort()).toEqual([200, 422]);
      const winner = approve.status === 200 ? "approved" : "denied";
      const loser = approve.status === 200 ? deny : approve;
      expect(loser.body.error.message).toContain(winner);
      expect((await storedRequestById(id))?.status).toBe(winner);
      const audit = await auditOf(owner.tenantId, String(id));
      expect(audit).toHaveLength(1);
      expect(audit[0]?.after).toMatchObject({ status: winner });
    }
  });

  it("answers 404 for an unknown id or another tenant's, 400 for a malformed one or body", async () => {
    const owner = await registerTenant("rr-404");
    const other = await registerTenant("rr-404-other");
    const { id } = await seed(other.tenantId);
    const foreign = await move(owner, id, { status: "approved" });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe("NOT_FOUND");
    expect((await storedRequestById(id))?.status).toBe("pending_triage");
    expect((await move(owner, 999_999_999_999, { status: "approved" })).status).toBe(404);
    for (const bad of ["0", "-1", "1.5", "abc", "1e3", "9".repeat(20)]) {
      expect((await move(owner, bad, { status: "approved" })).status, bad).toBe(400);
    }
    const { id: mine } = await seed(owner.tenantId);
    for (const body of [{ status: "lost" }, {}, { status: "approved", extra: true }, { adminNotes: "x" }]) {
      expect((await move(owner, mine, body)).status, JSON.stringify(body)).toBe(400);
    }
    expect((await move(owner, mine, { status: "approved", adminNotes: "x".repeat(5001) })).status).toBe(400);
  });

  it("is open to triage roles and write keys, closed to sales and compliance roles", async () => {
    const owner = await registerTenant("rr-roles");
    for (const role of ["admin", "operations", "agent", "qa_supervisor"] as const) {
      const member = await addMember(owner, role);
      const { id } = await seed(owner.tenantId);
      expect((await move(member, id, { status: "pending_review" })).status, role).toBe(200);
    }
    for (const role of ["sales_manager", "sales_rep", "compliance_officer"] as const) {
      const member = await addMember(owner, role);
      const { id } = await seed(owner.tenantId);
      expect((await move(member, id, { status: "pending_review" })).status, role).toBe(403);
    }
    const { key } = await createApiKey(owner, ["write"]);
    const { id } = await seed(owner.tenantId);
    const byKey = await call(statusById, {
      method: "PUT",
      path: `/api/return-requests/${id}/status`,
      apiKey: key,
      body: { status: "denied" },
    });
    expect(byKey.status).toBe(200);
    expect((await auditOf(owner.tenantId, String(id)))[0]).toMatchObject({ actorType: "api_key" });
  });
});

async function storedRequestById(id: number) {
  const db = await getDb();
  const [row] = await db.select().from(returnRequests).where(eq(returnRequests.id, id));
  return row as { status: ReturnStatus } | undefined;
}

describe("spec 000 clients: the spec's field names", () => {
  it("POST /api/return-requests takes business_id, order_id, customer_email and reason_for_return", async () => {
    const owner = await registerTenant("rr-spec-file");
    const orderId = unique("ORD");
    const res = await file({
      business_id: owner.tenantId,
      order_id: orderId,
      customer_email: "Spec.Customer@Example.test",
      reason_for_return: "defective",
    });
    expect(res.status, res.text).toBe(201);
    const row = await storedRequest(res.body.data.publicId);
    expect(row).toMatchObject({
      tenantId: owner.tenantId,
      orderId,
      customerEmail: "spec.customer@example.test",
      reasonForReturn: "defective",
    });
    const disagreeing = await file({ ...filing(owner.tenantId), reason_for_return: "other" });
    expect(disagreeing.status).toBe(400);
    expect(disagreeing.body.error.details[0].path).toBe("body.reason_for_return");
  });

  it("GET /api/return-requests takes the caller's own business_id; another business is 404", async () => {
    const owner = await registerTenant("rr-spec-list");
    const other = await registerTenant("rr-spec-list-other");
    const { id } = await seed(owner.tenantId);
    const own = await call(requests, { token: owner.accessToken, query: { business_id: owner.tenantId } });
    expect(own.status, own.text).toBe(200);
    expect(own.body.data.map((row: { id: number }) => row.id)).toEqual([id]);
    const elsewhere = await call(requests, { token: owner.accessToken, query: { business_id: other.tenantId } });
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.text).not.toContain(String(id));
  });

  it("PUT /api/return-requests/:id/status takes admin_notes", async () => {
    const owner = await registerTenant("rr-spec-status");
    const { id } = await seed(owner.tenantId);
    const res = await move(owner, id, { status: "pending_review", admin_notes: "spec notes" });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toMatchObject({ status: "pending_review", adminNotes: "spec notes" });
    const cleared = await move(owner, id, { status: "approved", admin_notes: null });
    expect(cleared.body.data).toMatchObject({ status: "approved", adminNotes: null });
  });
});
