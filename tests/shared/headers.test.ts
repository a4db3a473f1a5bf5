import type { Context } from "@netlify/functions";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import * as login from "../../netlify/functions/platform-auth-login";
import * as me from "../../netlify/functions/platform-auth-me";
import * as refresh from "../../netlify/functions/platform-auth-refresh";
import * as register from "../../netlify/functions/platform-auth-register";
import * as docs from "../../netlify/functions/platform-docs";
import * as openapi from "../../netlify/functions/platform-openapi";
import * as userById from "../../netlify/functions/platform-users-id";
import { registerTenant, unique } from "../../scripts/dev/fixtures";
import { type CallResult, call } from "../../scripts/dev/http";
import { notFound } from "../../shared/errors";
import { operation, type RouteConfig, route } from "../../shared/http/route";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A cacheable operation that can also fail, and one that fails unexpectedly, built with route() itself. */
const testConfig: RouteConfig = { path: "/api/test/headers" };
const testRoute = {
  config: testConfig,
  default: route(testConfig, {
    GET: operation({
      summary: "Declares a cache policy; fails when asked to",
      access: "public",
      cache: "public, max-age=60",
      query: z.object({ missing: z.literal("yes").optional() }),
      handler: ({ query }) => {
        if (query.missing) throw notFound("Thing");
        return { ok: true };
      },
    }),
    POST: operation({
      summary: "Fails unexpectedly",
      access: "public",
      handler: ({ ctx }) => ctx.db.execute(sql`select from table_that_does_not_exist`),
    }),
  }),
};

function expectUncacheable(res: CallResult) {
  expect(res.headers.get("cache-control")).toBe("no-store");
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe("headers on every response", () => {
  it("keeps token-bearing answers out of caches: register, login, refresh", async () => {
    const email = `${unique("headers")}@example.test`;
    const password = "correct horse battery";
    const registered = await call(register, {
      method: "POST",
      body: { tenantName: unique("headers business"), name: "Owner", email, password },
    });
    expect(registered.status).toBe(201);
    expectUncacheable(registered);

    const signedIn = await call(login, { method: "POST", body: { email, password } });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.data.accessToken).toEqual(expect.any(String));
    expectUncacheable(signedIn);

    const refreshed = await call(refresh, { method: "POST", body: { refreshToken: signedIn.body.data.refreshToken } });
    expect(refreshed.status).toBe(200);
    expectUncacheable(refreshed);
  });

  it("keeps authenticated answers out of caches", async () => {
    const owner = await registerTenant("headers-me");
    const res = await call(me, { token: owner.accessToken });
    expect(res.status).toBe(200);
    expectUncacheable(res);
  });

  it("keeps every kind of error out of caches: 400, 401, 404, 405, 500 and a preflight", async () => {
    const owner = await registerTenant("headers-errors");
    vi.spyOn(console, "error").mockImplementation(() => {});
    const answers = [
      await call(login, { method: "POST", body: { email: "not an email" } }),
      await call(me),
      await call(userById, { path: `/api/users/${crypto.randomUUID()}`, token: owner.accessToken }),
      await call(me, { method: "DELETE" }),
      await call(testRoute, { method: "POST" }),
      await call(me, { method: "OPTIONS", headers: { origin: "https://app.example" } }),
    ];
    expect(answers.map((res) => res.status)).toEqual([400, 401, 404, 405, 500, 204]);
    for (const res of answers) expectUncacheable(res);
  });

  it("lets a cache keep only the successes of an operation that declares a policy", async () => {
    const found = await call(testRoute);
    expect(found.headers.get("cache-control")).toBe("public, max-age=60");
    const missing = await call(testRoute, { query: { missing: "yes" } });
    expect(missing.status).toBe(404);
    expectUncacheable(missing);

    const document = await call(openapi);
    expect(document.status).toBe(200);
    expect(document.headers.get("cache-control")).toBe("public, max-age=300");
    expect(document.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("sends the docs page with a CSP, frame protection and no referrer", async () => {
    const res = await call(docs);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toMatch(/(^|; )frame-ancestors 'none'(;|$)/);
    expect(res.headers.get("content-security-policy")).toMatch(/(^|; )script-src 'self'(;|$)/);
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });
});

describe("CORS and caches", () => {
  it("answers any origin with * and no Vary while ALLOWED_ORIGINS is unset", async () => {
    vi.stubEnv("ALLOWED_ORIGINS", "");
    const res = await call(me, { headers: { origin: "https://app.example" } });
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("vary")).toBeNull();
  });

  it("varies on Origin with ALLOWED_ORIGINS set, whatever the origin and on preflights", async () => {
    vi.stubEnv("ALLOWED_ORIGINS", "https://app.example");
    const answers = [
      await call(openapi, { headers: { origin: "https://app.example" } }),
      await call(openapi, { headers: { origin: "https://evil.example" } }),
      await call(openapi),
      await call(me, { method: "OPTIONS", headers: { origin: "https://evil.example" } }),
    ];
    expect(answers.map((res) => res.headers.get("vary"))).toEqual(["origin", "origin", "origin", "origin"]);
    expect(answers.map((res) => res.headers.get("access-control-allow-origin"))).toEqual([
      "https://app.example",
      null,
      null,
      null,
    ]);
  });

  it("warns once per process when production runs without ALLOWED_ORIGINS", async () => {
    vi.stubEnv("LOG_LEVEL", "error");
    vi.stubEnv("ALLOWED_ORIGINS", "");
    const warned = vi.spyOn(console, "warn").mockImplementation(() => {});
    await call(openapi);
    expect(warned).not.toHaveBeenCalled();

    vi.stubEnv("NODE_ENV", "production");
    await call(openapi);
    await call(openapi);
    expect(warned).toHaveBeenCalledTimes(1);
    expect(JSON.parse(String(warned.mock.calls[0]?.[0]))).toMatchObject({
      level: "warn",
      msg: expect.stringContaining("ALLOWED_ORIGINS"),
    });
  });
});

describe("request ids", () => {
  it("echoes an id that looks like Netlify's", async () => {
    const ulid = "01HZX3K5V9Q8W7E6R5T4Y3U2N1";
    const res = await call(me, { headers: { "x-nf-request-id": ulid } });
    expect(res.headers.get("x-request-id")).toBe(ulid);
  });

  // CR/LF cannot travel in a Headers value, but Netlify's context carries a plain string.
  it.each([
    ["markup", { header: "<script>alert(1)</script>" }],
    ["10 KB", { header: "a".repeat(10 * 1024) }],
    ["too short", { header: "abc" }],
    ["CR/LF", { context: "01HZX3K5V9Q8W7E6R5T4Y3U2N1\r\nset-cookie: session=stolen" }],
  ])(
    "replaces a sent id that is %s with a fresh one, also in the 500 message",
    async (_, sent: {
      header?: string;
      context?: string;
    }) => {
      vi.spyOn(console, "error").mockImplementation(() => {});
      const request = new Request("http://localhost:8888/api/test/headers", {
        method: "POST",
        headers: sent.header ? { "x-nf-request-id": sent.header } : {},
      });
      const context = { params: {}, ip: "10.0.0.1", requestId: sent.context } as unknown as Context;
      const res = await testRoute.default(request, context);
      const id = res.headers.get("x-request-id") ?? "";
      expect(id).toMatch(UUID);
      expect(res.status).toBe(500);
      const { error } = await res.json();
      expect(error.message).toContain(`request id ${id} `);
      expect(res.headers.get("set-cookie")).toBeNull();
    },
  );
});
