import { and, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { getDatabase, getDb } from "../../db/client";
import { contacts, idempotencyKeys } from "../../db/schema";
import { type Account, createApiKey, registerTenant } from "../../scripts/dev/fixtures";
import { type CallOptions, call } from "../../scripts/dev/http";
import { unprocessable } from "../../shared/errors";
import { operation, type RouteModule, route } from "../../shared/http/route";

/**
 * Idempotency-Key (shared/http/idempotency.ts) through a real route: a tiny route declared here
 * writes a contact in the service's own transaction (a savepoint under the key's transaction), so
 * every behaviour is seen as a client sees it and counted in real rows.
 */
const createContact = operation({
  summary: "Create a contact (test route)",
  access: { scopes: ["write"] },
  body: z.object({ name: z.string(), fail: z.boolean().optional(), holdMs: z.number().optional() }).strict(),
  status: 201,
  idempotent: true,
  handler: async ({ ctx, body }) =>
    ctx.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(contacts)
        .values({ tenantId: ctx.caller.tenantId, name: body.name })
        .returning({ id: contacts.id, name: contacts.name });
      // Holds the transaction open, so a concurrent request surely meets the uncommitted key.
      if (body.holdMs) await new Promise((resolve) => setTimeout(resolve, body.holdMs));
      // The row is written before the failure, so a stored nothing proves the rollback.
      if (body.fail) throw unprocessable("The test route was asked to fail");
      return row;
    }),
});

const path = "/api/test-idempotent-contacts";
const idempotentRoute: RouteModule = {
  config: { path },
  default: route({ path }, { POST: createContact }),
};
const plainRoute: RouteModule = {
  config: { path },
  default: route({ path }, { POST: { ...createContact, idempotent: false } }),
};

let owner: Account;
let other: Account;

beforeAll(async () => {
  owner = await registerTenant("idempotency");
  other = await registerTenant("idempotency-other");
});

const post = (account: Account, body: unknown, key?: string, options: CallOptions = {}) =>
  call(idempotentRoute, {
    method: "POST",
    token: account.accessToken,
    body,
    ...options,
    headers: { ...(key === undefined ? {} : { "idempotency-key": key }), ...options.headers },
  });

const contactsNamed = async (account: Account, name: string) =>
  (await getDb())
    .select({ id: contacts.id })
    .from(contacts)
    .where(and(eq(contacts.tenantId, account.tenantId), eq(contacts.name, name)));

const keyRow = async (account: Account, key: string) =>
  (
    await (
      await getDb()
    )
      .select()
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.tenantId, account.tenantId), eq(idempotencyKeys.key, key)))
  )[0];

const uniqueKey = () => `key-${crypto.randomUUID()}`;

describe("Idempotency-Key", () => {
  it("answers a retry with the first response, marked replayed, and writes one row", async () => {
    const key = uniqueKey();
    const first = await post(owner, { name: "replay" }, key);
    expect(first.status, first.text).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(first.headers.get("x-request-id")).toBeTruthy();

    const retry = await post(owner, { name: "replay" }, key);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.headers.get("content-type")).toContain("application/json");
    expect(await contactsNamed(owner, "replay")).toEqual([{ id: first.body.data.id }]);

    const stored = await keyRow(owner, key);
    expect(stored).toMatchObject({ operation: `POST ${path}`, responseStatus: 201, responseBody: first.body });
    const lifetime = stored!.expiresAt.getTime() - stored!.createdAt.getTime();
    expect(lifetime).toBeCloseTo(24 * 60 * 60 * 1000, -3);
  });

  it("treats a body with its keys in another order as the same request", async () => {
    const key = uniqueKey();
    const json = { "content-type": "application/json" };
    const first = await post(owner, undefined, key, { rawBody: '{"name":"order","fail":false}', headers: json });
    const retry = await post(owner, undefined, key, { rawBody: '{ "fail": false, "name": "order" }', headers: json });
    expect(first.status, first.text).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await contactsNamed(owner, "order")).toHaveLength(1);
  });

  it("answers 422 to the same key with another body or on another path, writing nothing", async () => {
    const key = uniqueKey();
    expect((await post(owner, { name: "mismatch-a" }, key)).status).toBe(201);
    const otherBody = await post(owner, { name: "mismatch-b" }, key);
    expect(otherBody.status).toBe(422);
    expect(otherBody.body.error).toEqual({
      code: "UNPROCESSABLE",
      message: "Idempotency-Key reused with a different request",
    });
    const otherQuery = await post(owner, { name: "mismatch-a" }, key, { query: { dryRun: "1" } });
    expect(otherQuery.status).toBe(422);
    expect(await contactsNamed(owner, "mismatch-b")).toEqual([]);
    expect(await contactsNamed(owner, "mismatch-a")).toHaveLength(1);
  });

  it("keeps keys per tenant: another tenant's same key and body is a new request", async () => {
    const key = uniqueKey();
    const mine = await post(owner, { name: "per-tenant" }, key);
    const theirs = await post(other, { name: "per-tenant" }, key);
    expect(mine.status).toBe(201);
    expect(theirs.status).toBe(201);
    expect(theirs.headers.get("idempotent-replayed")).toBeNull();
    expect(theirs.body.data.id).not.toBe(mine.body.data.id);
    expect(await contactsNamed(owner, "per-tenant")).toHaveLength(1);
    expect(await contactsNamed(other, "per-tenant")).toHaveLength(1);
  });

  it("is shared by a tenant's members and API keys", async () => {
    const key = uniqueKey();
    const apiKey = await createApiKey(owner, ["write"]);
    const asUser = await post(owner, { name: "caller-kinds" }, key);
    const asKey = await call(idempotentRoute, {
      method: "POST",
      apiKey: apiKey.key,
      body: { name: "caller-kinds" },
      headers: { "idempotency-key": key },
    });
    expect(asKey.status).toBe(201);
    expect(asKey.headers.get("idempotent-replayed")).toBe("true");
    expect(asKey.body).toEqual(asUser.body);
  });

  it("reuses an expired key for a new request", async () => {
    const key = uniqueKey();
    expect((await post(owner, { name: "expired-first" }, key)).status).toBe(201);
    await (await getDb())
      .update(idempotencyKeys)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(and(eq(idempotencyKeys.tenantId, owner.tenantId), eq(idempotencyKeys.key, key)));

    const reused = await post(owner, { name: "expired-second" }, key);
    expect(reused.status, reused.text).toBe(201);
    expect(reused.headers.get("idempotent-replayed")).toBeNull();
    expect(await contactsNamed(owner, "expired-second")).toHaveLength(1);
    const stored = await keyRow(owner, key);
    expect(stored?.responseBody).toEqual(reused.body);
    expect(stored!.expiresAt.getTime()).toBeGreaterThan(Date.now() + 23 * 60 * 60 * 1000);
  });

  it("stores nothing when the operation fails, so a retry with the key runs again", async () => {
    const key = uniqueKey();
    const failed = await post(owner, { name: "fails", fail: true }, key);
    expect(failed.status).toBe(422);
    expect(failed.body.error.code).toBe("UNPROCESSABLE");
    expect(await keyRow(owner, key)).toBeUndefined();
    expect(await contactsNamed(owner, "fails")).toEqual([]);

    const retried = await post(owner, { name: "fails" }, key);
    expect(retried.status).toBe(201);
    expect(retried.headers.get("idempotent-replayed")).toBeNull();
    expect(await contactsNamed(owner, "fails")).toHaveLength(1);
  });

  it("stores nothing for a request refused before it runs (invalid body)", async () => {
    const key = uniqueKey();
    const invalid = await post(owner, { name: 42 }, key);
    expect(invalid.status).toBe(400);
    expect(await keyRow(owner, key)).toBeUndefined();
  });

  it.each([
    ["empty", ""],
    ["too long", "k".repeat(256)],
    ["with a control character", "bad\u0001key"],
    ["not ASCII", "clé"],
  ])("refuses a key that is %s with 400, writing nothing", async (_name, key) => {
    const name = `bad-key-${crypto.randomUUID()}`;
    const response = await post(owner, { name }, key);
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([
      expect.objectContaining({ path: "headers.idempotency-key", message: expect.any(String) }),
    ]);
    expect(await contactsNamed(owner, name)).toEqual([]);
  });

  it("accepts a key of 255 printable characters", async () => {
    const key = `${"~ ".repeat(127)}x`;
    expect(key).toHaveLength(255);
    const response = await post(owner, { name: "long-key" }, key);
    expect(response.status).toBe(201);
    expect((await post(owner, { name: "long-key" }, key)).headers.get("idempotent-replayed")).toBe("true");
  });

  it("changes nothing without the header: no key row, no extra statements", async () => {
    const plain = await call(plainRoute, { method: "POST", token: owner.accessToken, body: { name: "no-key-plain" } });
    const unkeyed = await post(owner, { name: "no-key" });
    expect(unkeyed.status).toBe(201);
    expect(unkeyed.statements).toBe(plain.statements);
    // Two requests without a key are two writes.
    expect((await post(owner, { name: "no-key" })).status).toBe(201);
    expect(await contactsNamed(owner, "no-key")).toHaveLength(2);
  });

  it("ignores the header on an operation that does not declare it", async () => {
    const key = uniqueKey();
    const first = await call(plainRoute, {
      method: "POST",
      token: owner.accessToken,
      body: { name: "undeclared" },
      headers: { "idempotency-key": key },
    });
    expect(first.status).toBe(201);
    expect(await keyRow(owner, key)).toBeUndefined();
  });

  it("makes one row of two identical requests sent at the same moment (5 rounds)", async () => {
    const { driver } = await getDatabase();
    for (let round = 0; round < 5; round++) {
      const key = uniqueKey();
      const name = `concurrent-${round}`;
      const answers = await Promise.all([
        post(owner, { name, holdMs: 50 }, key),
        post(owner, { name, holdMs: 50 }, key),
      ]);
      expect(answers.map((answer) => answer.status)).toEqual([201, 201]);
      expect(answers[0]!.body).toEqual(answers[1]!.body);
      // Exactly one ran; the other waited on its key and replayed what it stored.
      const replayed = answers.map((answer) => answer.headers.get("idempotent-replayed"));
      expect(replayed.sort(), `round ${round} on ${driver}`).toEqual(["true", null].sort());
      expect(await contactsNamed(owner, name), `round ${round} on ${driver}`).toHaveLength(1);
    }
  });

  it("refuses an idempotent operation anyone may call (keys are per tenant)", () => {
    expect(() => route({ path }, { POST: { ...createContact, access: "public" } })).toThrow(/cannot be public/);
  });
});
