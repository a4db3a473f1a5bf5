import type { Context } from "@netlify/functions";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import * as auditLog from "../../netlify/functions/platform-audit-log";
import * as register from "../../netlify/functions/platform-auth-register";
import * as users from "../../netlify/functions/platform-users";
import * as chatSessions from "../../netlify/functions/returns-chat-sessions";
import * as callById from "../../netlify/functions/voice-calls-id";
import { registerTenant, unique } from "../../scripts/dev/fixtures";
import { type CallResult, call } from "../../scripts/dev/http";
import { operation, type RouteConfig, type RouteModule, route } from "../../shared/http/route";

// Input Postgres would refuse (NUL, lone surrogates), JSON nested deep enough to overflow a
// recursive consumer, and query keys that reach Object.prototype: route() answers them all 400
// before any schema or statement sees them.

const NUL = "\u0000";
const LONE_SURROGATE = "\ud800";

function expectRefused(res: CallResult, path: string) {
  expect(res.status, res.text).toBe(400);
  expect(res.body.error.code).toBe("VALIDATION_FAILED");
  expect(res.body.error.details).toEqual([expect.objectContaining({ path, message: expect.any(String) })]);
}

/** Invokes a route function with a request and context.params exactly as given (call() would decode the path itself). */
async function invoke(fn: RouteModule, url: string, params: Record<string, string>, init: RequestInit = {}) {
  const context = { params, ip: "10.9.9.9", requestId: crypto.randomUUID() } as unknown as Context;
  const response = await fn.default(new Request(url, init), context);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text), text, statements: 0 };
}

/** A route that answers the query object route() built, as its schema received it. */
const echoConfig: RouteConfig = { path: "/api/test/echo-query" };
const echoQuery = {
  config: echoConfig,
  default: route(echoConfig, {
    GET: operation({
      summary: "Echoes its query",
      access: "public",
      query: z.record(z.string(), z.unknown()),
      handler: ({ query }) => query,
    }),
  }),
};

const registration = (name: string) => ({
  tenantName: unique("refused business"),
  name,
  email: `${unique("refused")}@example.test`.toLowerCase(),
  password: "correct horse battery",
});

describe("route(): text Postgres cannot store", () => {
  it("refuses a NUL in a path parameter", async () => {
    const owner = await registerTenant("refused-param");
    const res = await call(callById, { path: "/api/calls/call%00x", token: owner.accessToken });
    expectRefused(res, "params.callId");
  });

  it("refuses a NUL in a query value", async () => {
    const owner = await registerTenant("refused-query");
    const res = await call(users, { token: owner.accessToken, query: { search: `a${NUL}b` } });
    expectRefused(res, "query.search");
  });

  it("refuses a NUL or a lone surrogate in a body string, on an unauthenticated route", async () => {
    for (const name of [`Ann${NUL}`, `Ann${LONE_SURROGATE}`, "\udc00Ann"]) {
      const res = await call(register, { method: "POST", body: registration(name) });
      expectRefused(res, "body.name");
    }
    // The same request with a pair of surrogates (one astral character) is text, and is stored as sent.
    const stored = await call(register, { method: "POST", body: registration("Ann 👋") });
    expect(stored.status, stored.text).toBe(201);
    expect(stored.body.data.user.name).toBe("Ann 👋");
  });

  it("refuses a lone surrogate written as a JSON escape", async () => {
    const body = JSON.stringify(registration("Ann")).replace('"name":"Ann"', '"name":"Ann\\ud800"');
    const res = await call(register, {
      method: "POST",
      rawBody: body,
      headers: { "content-type": "application/json" },
    });
    expectRefused(res, "body.name");
  });

  it("refuses a NUL or a lone surrogate in an object key, pointing at the object", async () => {
    const owner = await registerTenant("refused-key");
    for (const key of [`note${NUL}`, `note${LONE_SURROGATE}`]) {
      const res = await call(chatSessions, {
        method: "POST",
        token: owner.accessToken,
        body: { metadata: { nested: { [key]: "x" } } },
      });
      expectRefused(res, "body.metadata.nested");
    }
  });

  it("refuses __proto__ as a body key, which a later copy into a plain object would turn into its prototype", async () => {
    const owner = await registerTenant("refused-proto-key");
    const res = await call(chatSessions, {
      method: "POST",
      token: owner.accessToken,
      rawBody: '{"metadata":{"__proto__":{"isAdmin":true}}}',
      headers: { "content-type": "application/json" },
    });
    expectRefused(res, "body.metadata");
  });

  it("refuses odd strings in context.params, and never answers 500 for a malformed percent-encoding", async () => {
    const owner = await registerTenant("refused-context");
    const headers = { authorization: `Bearer ${owner.accessToken}` };
    const lone = await invoke(
      callById,
      "http://localhost:8888/api/calls/x",
      { callId: `x${LONE_SURROGATE}` },
      { headers },
    );
    expectRefused(lone, "params.callId");
    // Netlify may hand the segment on undecoded: it is then an id like any other, and no call has it.
    const malformed = await call(callById, { path: "/api/calls/%E0%A4%A", token: owner.accessToken });
    expect(malformed.status, malformed.text).toBe(404);
  });
});

describe("route(): JSON depth", () => {
  const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

  it("takes 32 levels and refuses 33, before the schema runs", async () => {
    const owner = await registerTenant("refused-depth");
    const send = (metadata: string) =>
      call(chatSessions, {
        method: "POST",
        token: owner.accessToken,
        rawBody: `{"metadata":${metadata}}`,
        headers: { "content-type": "application/json" },
      });
    // The body is one level, metadata the other 31 (32) of them.
    expect((await send(nested(31))).status).toBe(201);
    const deep = await send(nested(32));
    expect(deep.status).toBe(400);
    expect(deep.body.error.details[0]).toMatchObject({ path: `body.metadata${".a".repeat(31)}`, code: "too_big" });
  });
});

describe("route(): the query object", () => {
  it("cannot be steered by __proto__, constructor or Object.prototype's own names", async () => {
    const owner = await registerTenant("refused-proto");
    const headers = { authorization: `Bearer ${owner.accessToken}` };
    for (const query of [
      "__proto__[a]=1&limit=5",
      "__proto__=x&__proto__=y&limit=5",
      "constructor=y&constructor=z&limit=5",
      "prototype=1&limit=5",
      "toString=1&valueOf=2&hasOwnProperty=3&limit=5",
    ]) {
      const res = await invoke(users, `http://localhost:8888/api/users?${query}`, {}, { headers });
      expect(res.status, `${query}: ${res.text}`).toBe(200);
      expect(res.body.pagination.limit, query).toBe(5);
    }
    expect(({} as Record<string, unknown>).a).toBeUndefined();
  });

  it("holds a key named like an Object.prototype member as the caller's values only", async () => {
    const res = await invoke(
      echoQuery,
      "http://localhost:8888/api/test/echo-query?toString=1&toString=2&valueOf=3&constructor=4&__proto__=5",
      {},
    );
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toEqual({ toString: ["1", "2"], valueOf: "3" });
  });
});

describe("dates", () => {
  it("refuses on the audit log's from and to anything but an ISO 8601 date in years 0001–9999", async () => {
    const owner = await registerTenant("refused-dates");
    for (const from of [
      "+275760-09-13",
      "8.64e15",
      "Dec 25 2999",
      "1",
      "0000-01-01",
      "2024-02-30",
      "2024-01-01T10:00:00",
    ]) {
      for (const field of ["from", "to"]) {
        const res = await call(auditLog, { token: owner.accessToken, query: { [field]: from } });
        expect(res.status, `${field}=${from}: ${res.text}`).toBe(400);
        expect(res.body.error.details[0].path).toBe(`query.${field}`);
      }
    }
    for (const from of ["2024-01-01", "2024-01-01T10:00:00Z", "2024-01-01T10:00:00.123+05:30", "0001-01-01"]) {
      const res = await call(auditLog, { token: owner.accessToken, query: { from, to: "9999-12-31" } });
      expect(res.status, `${from}: ${res.text}`).toBe(200);
    }
  });
});
