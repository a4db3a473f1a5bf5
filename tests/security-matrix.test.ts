import { randomUUID } from "node:crypto";
import { type SQL, sql } from "drizzle-orm";
import { SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "../db/client";
import {
  API_KEY_SCOPES,
  type ApiKeyScope,
  agents,
  callSessions,
  calls,
  chatSessions,
  policies,
  providerConfigs,
  ROLES,
  type Role,
  returnRequests,
} from "../db/schema";
import { declaredOperations } from "../scripts/functions";
import { type Account, addMember, createApiKey, registerTenant, unique } from "./helpers/fixtures";
import { type CallOptions, type CallResult, call } from "./helpers/http";

/**
 * The shared security matrix: every operation of every function, called as no one, with broken
 * tokens, with the wrong role or key scope, and as another tenant. Tenant A owns the data;
 * tenant B attacks it. Nothing of A may come back, and nothing of A may change.
 */
const operations = await declaredOperations();

/** Operations anyone may call. Adding to this list is a security decision; review it as one. */
const PUBLIC = new Set([
  "GET /api/health",
  "POST /api/auth/register",
  "POST /api/auth/login",
  "POST /api/auth/refresh",
  "GET /api/openapi.json",
  "GET /api/docs",
  // Authenticated by Retell's signature over the body, not by a caller: tests/routes/voice-webhook.test.ts.
  "POST /api/webhooks/retell",
  // Customers file returns and look them up without an account (spec 000); both are rate limited per IP,
  // the lookup answers only customer-safe fields and needs the email: tests/routes/return-requests.test.ts.
  "POST /api/return-requests",
  "POST /api/return-requests/lookup",
  // The active return policy is public for customer-facing pages and agents (spec 000); it answers only
  // the policy (no author) or null, by ?businessId=: tests/routes/returns-policies.test.ts.
  "GET /api/policies/active",
]);

interface World {
  a: Account;
  aMembers: Record<Role, Account>;
  aKey: { id: string; key: string };
  /** One key of tenant A per scope, each with that scope alone. */
  aScopedKeys: Record<ApiKeyScope, { id: string; key: string }>;
  b: Account;
  bKey: { id: string; key: string };
}

/** Tenant A's Retell agent and call (seeded in beforeAll); tenant B has neither. */
const A_AGENT_ID = "agent_matrix_a";
const A_CALL_ID = "call_matrix_a";
/** Tenant A's returns-desk chat session, call session and provider config (seeded in beforeAll). */
const A_CHAT_SESSION_ID = randomUUID();
const A_CALL_SESSION_ID = randomUUID();
const A_PROVIDER_CONFIG_ID = randomUUID();
/** Tenant A's return request (seeded in beforeAll; ids are generated, so it is read back). */
let A_RETURN_REQUEST_ID = 0;
const A_RETURN_ORDER_ID = "matrix-a-return-order";
/** Tenant A's draft return policy (seeded in beforeAll; its bigint id is read back). */
let A_POLICY_ID = 0;
const A_POLICY_VERSION = "matrix-a-policy-v1";

/** A valid request for each protected operation, aimed at tenant A's rows. */
const FIXTURES: Record<string, (w: World) => CallOptions> = {
  "POST /api/auth/signout": (w) => ({ body: { refreshToken: w.a.refreshToken } }),
  "GET /api/auth/me": () => ({}),
  "GET /api/profiles": () => ({}),
  "PUT /api/profiles": () => ({ body: { name: "Mallory", businessName: "Hijacked" } }),
  "GET /api/user-preferences": () => ({}),
  "PUT /api/user-preferences": () => ({ body: { language: "fr" } }),
  "GET /api/users": () => ({ query: { limit: 100 } }),
  "POST /api/users": () => ({
    body: { email: `${unique("matrix")}@example.test`, name: "New", role: "agent", password: "long enough pw" },
  }),
  "GET /api/users/:id": (w) => ({ path: `/api/users/${w.aMembers.agent.userId}` }),
  "PUT /api/users/:id": (w) => ({ path: `/api/users/${w.aMembers.agent.userId}`, body: { name: "Hijacked" } }),
  "DELETE /api/users/:id": (w) => ({ path: `/api/users/${w.aMembers.agent.userId}` }),
  "GET /api/settings": () => ({}),
  "PATCH /api/settings": () => ({ body: { webhookConfig: { enabled: false, verifyToken: "attacker-token-1234" } } }),
  "GET /api/api-keys": () => ({ query: { includeRevoked: "true" } }),
  "POST /api/api-keys": () => ({ body: { name: "matrix", scopes: ["read"] } }),
  "DELETE /api/api-keys/:id": (w) => ({ path: `/api/api-keys/${w.aKey.id}` }),
  "GET /api/audit-log": () => ({ query: { limit: 100 } }),
  "GET /api/dashboard/agent-info/:agentId": () => ({ path: `/api/dashboard/agent-info/${A_AGENT_ID}` }),
  "GET /api/dashboard/call-history/:agentId": () => ({
    path: `/api/dashboard/call-history/${A_AGENT_ID}`,
    query: { limit: 100 },
  }),
  "GET /api/calls/:callId": () => ({ path: `/api/calls/${A_CALL_ID}` }),
  "GET /api/dashboard/overview": () => ({ query: { agentId: A_AGENT_ID } }),
  "POST /api/dashboard/sync-calls": () => ({ body: { agentId: A_AGENT_ID } }),
  "GET /api/chat-sessions": () => ({ query: { limit: 100 } }),
  "POST /api/chat-sessions": (w) => ({ body: { sessionName: "Matrix", chatMode: "normal", userId: w.a.userId } }),
  "GET /api/chat-messages/:sessionId": () => ({ path: `/api/chat-messages/${A_CHAT_SESSION_ID}` }),
  "POST /api/chat-messages": () => ({
    body: { sessionId: A_CHAT_SESSION_ID, sender: "user", message: "Hijacked", messageType: "text" },
  }),
  "GET /api/call-sessions": () => ({ query: { limit: 100 } }),
  "POST /api/call-sessions": () => ({
    body: { chatSessionId: A_CHAT_SESSION_ID, callType: "voice", provider: "test" },
  }),
  "GET /api/call-sessions/:id": () => ({ path: `/api/call-sessions/${A_CALL_SESSION_ID}` }),
  "PATCH /api/call-sessions/:id": () => ({
    path: `/api/call-sessions/${A_CALL_SESSION_ID}`,
    body: { status: "ended" },
  }),
  "GET /api/call-sessions/:id/transcripts": () => ({ path: `/api/call-sessions/${A_CALL_SESSION_ID}/transcripts` }),
  "POST /api/call-sessions/:id/transcripts": () => ({
    path: `/api/call-sessions/${A_CALL_SESSION_ID}/transcripts`,
    body: { segments: [{ speaker: "user", message: "Hijacked", timestampSeconds: 1 }] },
  }),
  "GET /api/call-sessions/:id/analytics": () => ({ path: `/api/call-sessions/${A_CALL_SESSION_ID}/analytics` }),
  "POST /api/call-sessions/:id/analytics": () => ({
    path: `/api/call-sessions/${A_CALL_SESSION_ID}/analytics`,
    body: { provider: "test", metrics: { hijacked: true } },
  }),
  "GET /api/provider-configs": () => ({ query: { limit: 100 } }),
  "POST /api/provider-configs": () => ({
    body: { provider: "elevenlabs", configName: "matrix", configData: { apiKey: "attacker-key-123456" } },
  }),
  "GET /api/provider-configs/:id": () => ({ path: `/api/provider-configs/${A_PROVIDER_CONFIG_ID}` }),
  "PATCH /api/provider-configs/:id": () => ({
    path: `/api/provider-configs/${A_PROVIDER_CONFIG_ID}`,
    body: { configData: { apiKey: "attacker-key-123456" } },
  }),
  "DELETE /api/provider-configs/:id": () => ({ path: `/api/provider-configs/${A_PROVIDER_CONFIG_ID}` }),
  "GET /api/return-requests": () => ({ query: { limit: 100 } }),
  "PUT /api/return-requests/:id/status": () => ({
    path: `/api/return-requests/${A_RETURN_REQUEST_ID}/status`,
    body: { status: "approved", adminNotes: "Hijacked" },
  }),
  "GET /api/policies": () => ({ query: { limit: 100 } }),
  "POST /api/policies": () => ({ body: { version: unique("matrix-policy"), rules: { returnWindowDays: 14 } } }),
  "PUT /api/policies/:id": () => ({
    path: `/api/policies/${A_POLICY_ID}`,
    body: { rules: { returnWindowDays: 3650 } },
  }),
  "PUT /api/policies/:id/activate": () => ({ path: `/api/policies/${A_POLICY_ID}/activate` }),
  "GET /api/ai-policy-helper/active": () => ({}),
  "POST /api/ai-policy-helper/evaluate-return": () => ({
    body: { orderId: A_RETURN_ORDER_ID, customerEmail: "matrix-a-customer@example.test", reasonForReturn: "damaged" },
  }),
};

const protectedOperations = operations.filter(({ operation }) => operation.access !== "public");
const secret = () => new TextEncoder().encode(process.env.JWT_SECRET);

async function token(
  claims: { sub: string; tid: string; role: string },
  options: { alg?: string; key?: Uint8Array; exp?: number } = {},
) {
  return new SignJWT({ tid: claims.tid, role: claims.role })
    .setProtectedHeader({ alg: options.alg ?? "HS256" })
    .setSubject(claims.sub)
    .setIssuer("frontdesk")
    .setAudience("frontdesk-api")
    .setIssuedAt()
    .setExpirationTime(options.exp ?? Math.floor(Date.now() / 1000) + 600)
    .sign(options.key ?? secret());
}

function unsignedToken(claims: { sub: string; tid: string; role: string }): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  return `${encode({ alg: "none", typ: "JWT" })}.${encode({ ...claims, iss: "frontdesk", aud: "frontdesk-api", iat: now, exp: now + 600 })}.`;
}

/** Every tenant-owned row of tenant A, from every table with a tenant_id. */
async function snapshotTenant(tenantId: string): Promise<Record<string, unknown[]>> {
  const db = await getDb();
  const rowsOf = async <T>(query: SQL) => ((await db.execute(query)) as unknown as { rows: T[] }).rows;
  const tables = await rowsOf<{ table_name: string }>(
    sql`select table_name from information_schema.columns where column_name = 'tenant_id' and table_schema = 'public' order by table_name`,
  );
  const snapshot: Record<string, unknown[]> = {};
  for (const { table_name } of tables) {
    snapshot[table_name] = await rowsOf(
      sql`select * from ${sql.identifier(table_name)} where tenant_id = ${tenantId} order by 1`,
    );
  }
  return snapshot;
}

let world: World;

beforeAll(async () => {
  const a = await registerTenant("matrix-a");
  const members = { owner: a } as Record<Role, Account>;
  for (const role of ROLES.filter((r) => r !== "owner")) members[role] = await addMember(a, role);
  const db = await getDb();
  await db.insert(agents).values({ tenantId: a.tenantId, agentId: A_AGENT_ID, agentName: "Matrix A desk" });
  await db.insert(calls).values({
    tenantId: a.tenantId,
    agentId: A_AGENT_ID,
    callId: A_CALL_ID,
    callType: "phone_call",
    callStatus: "ended",
    startedAt: new Date(),
    durationMs: 60_000,
    transcript: "Agent: Matrix A desk, how can I help?",
  });
  await db.insert(chatSessions).values({ id: A_CHAT_SESSION_ID, tenantId: a.tenantId, sessionName: "Matrix A chat" });
  await db.insert(callSessions).values({
    id: A_CALL_SESSION_ID,
    tenantId: a.tenantId,
    chatSessionId: A_CHAT_SESSION_ID,
    callType: "voice",
    provider: "test",
  });
  await db.insert(providerConfigs).values({
    id: A_PROVIDER_CONFIG_ID,
    tenantId: a.tenantId,
    provider: "elevenlabs",
    configName: "matrix",
    configData: { voiceId: "matrix-a-voice" },
  });
  const [returnRequest] = await db
    .insert(returnRequests)
    .values({
      tenantId: a.tenantId,
      orderId: A_RETURN_ORDER_ID,
      customerEmail: "matrix-a-customer@example.test",
      reasonForReturn: "damaged",
    })
    .returning({ id: returnRequests.id });
  A_RETURN_REQUEST_ID = returnRequest?.id ?? 0;
  const [policy] = await db
    .insert(policies)
    .values({ tenantId: a.tenantId, version: A_POLICY_VERSION, rules: { returnWindowDays: 30 } })
    .returning({ id: policies.id });
  A_POLICY_ID = policy?.id ?? 0;
  const b = await registerTenant("matrix-b");
  world = {
    a,
    aMembers: members,
    aKey: await createApiKey(a, ["read", "write", "sync", "ai-agent"]),
    aScopedKeys: Object.fromEntries(
      await Promise.all(API_KEY_SCOPES.map(async (scope) => [scope, await createApiKey(a, [scope])])),
    ) as World["aScopedKeys"],
    b,
    bKey: await createApiKey(b, ["read", "write", "sync", "ai-agent"]),
  };
});

/** Strings that identify tenant A; none may appear in an answer to anyone else. */
function markersOfA(): string[] {
  const members = Object.values(world.aMembers);
  return [
    world.a.tenantId,
    world.a.tenantName,
    ...members.flatMap((member) => [member.userId, member.email]),
    world.aKey.id,
    world.aKey.key.slice(0, 10),
    A_CHAT_SESSION_ID,
    A_CALL_SESSION_ID,
    A_PROVIDER_CONFIG_ID,
    "matrix-a-voice",
    A_RETURN_ORDER_ID,
    "matrix-a-customer@example.test",
    A_POLICY_VERSION,
  ];
}

function expectNoLeak(text: string) {
  for (const marker of markersOfA()) expect(text).not.toContain(marker);
}

describe("coverage", () => {
  it("every protected operation has a fixture in the matrix", () => {
    const missing = protectedOperations.map(({ key }) => key).filter((key) => !FIXTURES[key]);
    expect(missing).toEqual([]);
  });

  it("every public operation is on the reviewed public list", () => {
    const publicOps = operations.filter(({ operation }) => operation.access === "public").map(({ key }) => key);
    expect(publicOps.filter((key) => !PUBLIC.has(key))).toEqual([]);
  });
});

describe.each(protectedOperations)("$key", ({ key, module, method, operation }) => {
  const request = (options: CallOptions = {}) => call(module, { method, ...FIXTURES[key]?.(world), ...options });
  const claims = () => ({ sub: world.a.userId, tid: world.a.tenantId, role: "owner" });

  it.each([
    ["no credentials", () => request()],
    ["a malformed bearer token", () => request({ headers: { authorization: "Bearer not.a.jwt" } })],
    ["a non-bearer Authorization scheme", () => request({ headers: { authorization: `Basic ${btoa("a:b")}` } })],
    [
      "an expired token",
      async () => request({ token: await token(claims(), { exp: Math.floor(Date.now() / 1000) - 60 }) }),
    ],
    ["an alg:none token", () => request({ token: unsignedToken(claims()) })],
    [
      "a token signed with another secret",
      async () => request({ token: await token(claims(), { key: new TextEncoder().encode("x".repeat(48)) }) }),
    ],
    ["a token signed with HS512", async () => request({ token: await token(claims(), { alg: "HS512" }) })],
    ["an unknown API key", () => request({ apiKey: "fd_not-a-real-key" })],
  ])("answers 401 with %s", async (_name, send) => {
    const response = await send();
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe("UNAUTHORIZED");
    expectNoLeak(response.text);
  });

  const access = operation.access as { roles?: readonly Role[]; scopes?: readonly string[] };
  const deniedRoles = ROLES.filter((role) => access.roles && !access.roles.includes(role));
  if (deniedRoles.length > 0) {
    it.each(deniedRoles)("answers 403 to the role %s", async (role) => {
      const response = await request({ token: world.aMembers[role].accessToken });
      expect(response.status).toBe(403);
      expect(response.body.error.code).toBe("FORBIDDEN");
    });
  }

  if (!access.scopes) {
    it("answers 403 to an API key of the same tenant", async () => {
      const response = await request({ apiKey: world.aKey.key });
      expect(response.status).toBe(403);
    });
  } else {
    const wrongScopes = API_KEY_SCOPES.filter((scope) => !access.scopes?.includes(scope));
    it.each(wrongScopes)("answers 403 to an API key with only the %s scope", async (scope) => {
      const response = await request({ apiKey: world.aScopedKeys[scope].key });
      expect(response.status).toBe(403);
      expect(response.body.error.code).toBe("FORBIDDEN");
    });
  }
});

describe("another tenant", () => {
  let before: Record<string, unknown[]>;
  beforeAll(async () => {
    before = await snapshotTenant(world.a.tenantId);
  });

  describe.each(protectedOperations)("$key", ({ key, module, method, path, operation }) => {
    const expectIsolated = (response: CallResult) => {
      if (path.includes(":")) {
        expect(response.status).toBe(404);
        expect(response.body.error.code).toBe("NOT_FOUND");
      } else {
        expect(response.status).toBeLessThan(500);
      }
      expectNoLeak(response.text);
    };

    it("as a user of another tenant (owner) gets nothing of tenant A", async () => {
      expectIsolated(await call(module, { method, ...FIXTURES[key]?.(world), token: world.b.accessToken }));
    });

    const scopes = (operation.access as { scopes?: unknown }).scopes;
    if (scopes) {
      it("with another tenant's API key gets nothing of tenant A", async () => {
        expectIsolated(await call(module, { method, ...FIXTURES[key]?.(world), apiKey: world.bKey.key }));
      });
    } else {
      it("with another tenant's API key is refused", async () => {
        const response = await call(module, { method, ...FIXTURES[key]?.(world), apiKey: world.bKey.key });
        expect(response.status).toBe(403);
        expectNoLeak(response.text);
      });
    }
  });

  it("changed not one row of tenant A", async () => {
    expect(await snapshotTenant(world.a.tenantId)).toEqual(before);
  });
});
