import type { Context } from "@netlify/functions";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import * as login from "../../netlify/functions/platform-auth-login";
import * as me from "../../netlify/functions/platform-auth-me";
import * as users from "../../netlify/functions/platform-users";
import * as userById from "../../netlify/functions/platform-users-id";
import { registerTenant } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";
import { MAX_BODY_BYTES, operation, type RouteConfig, route } from "../../shared/http/route";

/** A route built with route() itself, to drive the failure paths no real route should reach. */
const failingConfig: RouteConfig = { path: "/api/test/failing" };
const failing = {
  config: failingConfig,
  default: route(failingConfig, {
    GET: operation({
      summary: "Runs broken SQL",
      access: "public",
      handler: ({ ctx }) => ctx.db.execute(sql`select secret_column from table_that_does_not_exist`),
    }),
    POST: operation({
      summary: "Returns what its response schema forbids",
      access: "public",
      response: z.object({ id: z.string() }),
      handler: () => ({ id: 42 }),
    }),
  }),
};

/** A route that takes its body unparsed, and one that defers work with after(). */
const rawConfig: RouteConfig = { path: "/api/test/raw" };
let afterStarted = false;
const raw = {
  config: rawConfig,
  default: route(rawConfig, {
    POST: operation({
      summary: "Answers the body it was handed",
      access: "public",
      body: z.object({ name: z.string() }).strict(),
      unparsedBody: true,
      handler: ({ body, rawBody }) => ({ body: body ?? null, rawBody }),
    }),
    PUT: operation({
      summary: "Defers a task",
      access: "public",
      handler: ({ after }) => {
        after(async () => {
          afterStarted = true;
        });
        return { deferred: true };
      },
    }),
  }),
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe("route()", () => {
  it("answers malformed JSON with 400 INVALID_JSON", async () => {
    const res = await call(login, {
      method: "POST",
      rawBody: '{"email": ',
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: "INVALID_JSON", message: expect.any(String) } });
  });

  it("answers a non-JSON body with 415", async () => {
    const res = await call(login, {
      method: "POST",
      rawBody: "email=a&password=b",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });

  it("answers a body over 1 MB with 413, by header or by actual size", async () => {
    const big = JSON.stringify({ email: "a@b.c", password: "x".repeat(MAX_BODY_BYTES) });
    const res = await call(login, { method: "POST", rawBody: big, headers: { "content-type": "application/json" } });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("PAYLOAD_TOO_LARGE");
    const lying = await call(login, {
      method: "POST",
      rawBody: "{}",
      headers: { "content-type": "application/json", "content-length": String(MAX_BODY_BYTES + 1) },
    });
    expect(lying.status).toBe(413);
  });

  it("answers an undeclared method with 405 and Allow", async () => {
    const res = await call(me, { method: "DELETE" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, OPTIONS");
    expect(res.body.error.code).toBe("METHOD_NOT_ALLOWED");
  });

  it("answers CORS preflight with the declared methods", async () => {
    const res = await call(userById, {
      method: "OPTIONS",
      path: `/api/users/${crypto.randomUUID()}`,
      headers: { origin: "https://app.example" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-methods")).toBe("GET, PUT, DELETE, OPTIONS");
    expect(res.headers.get("access-control-allow-headers")).toContain("x-api-key");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("allows only listed origins when ALLOWED_ORIGINS is set", async () => {
    vi.stubEnv("ALLOWED_ORIGINS", "https://app.example, https://admin.example");
    const allowed = await call(me, { headers: { origin: "https://admin.example" } });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://admin.example");
    const other = await call(me, { headers: { origin: "https://evil.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    vi.unstubAllEnvs();
  });

  it("puts a request id on every response, taking Netlify's when present", async () => {
    const res = await call(me);
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const netlify = await call(me, { headers: { "x-nf-request-id": "01NETLIFYREQUEST" } });
    expect(netlify.headers.get("x-request-id")).toBe("01NETLIFYREQUEST");
  });

  it("reports validation issues with their paths", async () => {
    const owner = await registerTenant("envelope");
    const res = await call(users, { method: "POST", token: owner.accessToken, body: { email: "nope", role: "agent" } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
    expect(res.body.error.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: "body.email" }),
        expect.objectContaining({ path: "body.password" }),
      ]),
    );
  });

  it("checks credentials before validating input", async () => {
    const res = await call(users, { method: "POST", body: { nonsense: true } });
    expect(res.status).toBe(401);
  });

  it("answers an unexpected error with a generic 500 and logs the cause as one JSON line", async () => {
    vi.stubEnv("LOG_LEVEL", "error");
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await call(failing);
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe("INTERNAL_ERROR");
    const requestId = res.headers.get("x-request-id");
    expect(res.body.error.message).toContain(requestId);
    expect(res.text).not.toMatch(/table_that_does_not_exist|secret_column|select|at \//i);
    expect(logged).toHaveBeenCalledTimes(1);
    const line = JSON.parse(String(logged.mock.calls[0]?.[0]));
    expect(line).toMatchObject({ level: "error", requestId });
    expect(JSON.stringify(line)).toContain("table_that_does_not_exist");
    vi.unstubAllEnvs();
  });

  it("hands an unparsedBody operation the body's text unjudged, still bounded and JSON only", async () => {
    const post = (rawBody: string, type = "application/json") =>
      call(raw, { method: "POST", rawBody, headers: { "content-type": type } });
    for (const text of ['{"name":"a\\u0000b","extra":1}', "{not json", '{"__proto__":{}}']) {
      const res = await post(text);
      expect(res.status, res.text).toBe(200);
      expect(res.body.data).toEqual({ body: null, rawBody: text });
    }
    expect((await post('{"name":"x"}', "text/plain")).status).toBe(415);
    expect((await post(JSON.stringify({ name: "x".repeat(MAX_BODY_BYTES) }))).status).toBe(413);
  });

  it("starts an after() task once the answer is returned, and keeps the function alive until it ends", async () => {
    afterStarted = false;
    const waited: Promise<unknown>[] = [];
    const context = { params: {}, waitUntil: (promise: Promise<unknown>) => waited.push(promise) };
    const res = await raw.default(
      new Request("http://localhost:8888/api/test/raw", { method: "PUT" }),
      context as unknown as Context,
    );
    expect(res.status).toBe(200);
    expect(afterStarted).toBe(false);
    expect(waited).toHaveLength(1);
    await Promise.all(waited);
    expect(afterStarted).toBe(true);
  });

  it("treats a response that breaks its own schema as a 500, not as data", async () => {
    const res = await call(failing, { method: "POST" });
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe("INTERNAL_ERROR");
    expect(res.body.data).toBeUndefined();
  });
});
