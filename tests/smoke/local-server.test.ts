/**
 * `npm start`'s server as it runs by default: the local runtime on the embedded database, over
 * real HTTP. The races that tests/returns/policies.test.ts and tests/platform/users.test.ts prove
 * on PostgreSQL must give one winner here too, and no single bad request may stop the server.
 * With a suite PostgreSQL (TEST_DATABASE_URL) the same requests also run against a server on it,
 * which shows the expected answers are PostgreSQL's own.
 */
import { get } from "node:http";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type RunningServer, startServer } from "../../scripts/serve";

const suiteDatabase = inject("databaseUrl");
const databases = [
  { name: "the embedded database", url: undefined },
  ...(suiteDatabase ? [{ name: "the suite's PostgreSQL", url: suiteDatabase }] : []),
];
const variables = ["DATABASE_URL", "NETLIFY_DATABASE_URL"] as const;
const saved = variables.map((name) => [name, process.env[name]] as const);
let server: RunningServer;

interface Answer {
  status: number;
  body: any;
}

async function request(path: string, init: { method?: string; token?: string; body?: unknown } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(new URL(path, server.url), {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

let sequence = 0;
const unique = (label: string) => `${label}-${process.pid}-${Date.now().toString(36)}-${++sequence}`;
const statuses = (answers: Answer[]) => answers.map((answer) => answer.status).sort();

async function registerOwner(label: string) {
  const email = `${unique(label)}@example.test`;
  const registered = await request("/api/auth/register", {
    method: "POST",
    body: { tenantName: unique(label), name: "Owner", email, password: "correct horse battery" },
  });
  expect(registered.status).toBe(201);
  const { accessToken, user } = registered.body.data;
  return { token: accessToken as string, userId: user.id as string };
}

async function addOwner(owner: { token: string }) {
  const email = `${unique("second-owner")}@example.test`;
  const password = "another good password";
  const created = await request("/api/users", {
    method: "POST",
    token: owner.token,
    body: { email, name: "Second owner", role: "owner", password },
  });
  expect(created.status).toBe(201);
  const signedIn = await request("/api/auth/login", { method: "POST", body: { email, password } });
  expect(signedIn.status).toBe(200);
  return { token: signedIn.body.data.accessToken as string, userId: created.body.data.id as string };
}

const rules = { returnWindowDays: 30 };
const parallel = 20;

/**
 * Sends `GET <target>` with the target as it is: node's client writes `path` verbatim, so it can
 * send an absolute-form target or a malformed percent-encoding, which fetch() would normalise.
 */
function rawRequest(target: string): Promise<{ status: number; body: any }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    get({ host: hostname, port, path: target }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => {
        text += chunk;
      });
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }),
      );
    }).on("error", reject);
  });
}

describe.each(databases)("npm start's server on $name", ({ url }) => {
  beforeAll(async () => {
    // Without DATABASE_URL the server starts its embedded database, as npm start does.
    for (const name of variables) delete process.env[name];
    if (url) process.env.DATABASE_URL = url;
    server = await startServer({ port: 0, quiet: true });
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }, 60_000);

  it("creates a policy version once when 20 requests create it at the same moment", async () => {
    const owner = await registerOwner("same-version");
    const answers = await Promise.all(
      Array.from({ length: parallel }, () =>
        request("/api/policies", { method: "POST", token: owner.token, body: { version: "v1", rules } }),
      ),
    );
    expect(statuses(answers)).toEqual([201, ...Array(parallel - 1).fill(409)]);
    const stored = await request("/api/policies", { token: owner.token });
    expect(stored.body.data.map((policy: { version: string }) => policy.version)).toEqual(["v1"]);
  });

  it("leaves exactly one active policy when 20 different policies are activated at once", async () => {
    const owner = await registerOwner("activations");
    const ids: number[] = [];
    for (let index = 0; index < parallel; index++) {
      const created = await request("/api/policies", {
        method: "POST",
        token: owner.token,
        body: { version: `v${index}`, rules },
      });
      expect(created.status).toBe(201);
      ids.push(created.body.data.id);
    }
    const answers = await Promise.all(
      ids.map((id) => request(`/api/policies/${id}/activate`, { method: "PUT", token: owner.token })),
    );
    expect(statuses(answers)).toEqual(Array(parallel).fill(200));
    const listed = await request("/api/policies?limit=100", { token: owner.token });
    const active = listed.body.data.filter((policy: { isActive: boolean }) => policy.isActive);
    expect(active).toHaveLength(1);
  });

  it("keeps an owner when two owners demote each other at the same moment", async () => {
    const first = await registerOwner("demotions");
    const second = await addOwner(first);
    const answers = await Promise.all([
      request(`/api/users/${second.userId}`, { method: "PUT", token: first.token, body: { role: "admin" } }),
      request(`/api/users/${first.userId}`, { method: "PUT", token: second.token, body: { role: "admin" } }),
    ]);
    // The loser is refused as the last owner (422), or, once demoted, as no longer an owner (403).
    expect([
      [200, 403],
      [200, 422],
    ]).toContainEqual(statuses(answers));
    const owners = await request("/api/users?role=owner", { token: first.token });
    expect(owners.body.pagination.total).toBe(1);
  });

  describe("bad requests", () => {
    const healthy = async () => expect((await request("/api/health")).status).toBe(200);

    it.each([
      ["a malformed percent-encoding in a path parameter", "/api/calls/%E0%A4%A"],
      ["a malformed percent-encoding in a static path", "/%E0%A4%A"],
      ["an absolute-form target", "http://evil.example/api/health"],
      ["an absolute-form target for another port", "http://127.0.0.1:1/api/health"],
    ])("answers %s with a 400 envelope and keeps serving", async (_, target) => {
      const answer = await rawRequest(target);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toMatchObject({ code: "VALIDATION_FAILED", message: expect.any(String) });
      await healthy();
    });

    it("listens on 127.0.0.1 only", () => {
      expect(new URL(server.url).hostname).toBe("127.0.0.1");
    });
  });

  it("serves public/ with netlify.toml's headers, as Netlify's CDN does", async () => {
    const page = await fetch(new URL("/", server.url));
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });
});
