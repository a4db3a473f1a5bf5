import { type SQL, sql } from "drizzle-orm";
import { SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "../db/client";
import { API_KEY_SCOPES, ROLES, type Role } from "../db/schema";
import { type Account, addMember, createApiKey, registerTenant } from "../scripts/dev/fixtures";
import { type CallOptions, type CallResult, call } from "../scripts/dev/http";
import { declaredOperations } from "../scripts/functions";
import { moduleMatrices, type World } from "./helpers/security-matrix";

/**
 * The shared security matrix: every operation of every function, called as no one, with broken
 * tokens, with the wrong role or key scope, and as another tenant. Tenant A owns the data;
 * tenant B attacks it. Nothing of A may come back, and nothing of A may change. Each module
 * contributes its seed rows, fixtures, markers and reviewed public operations from
 * tests/<module>/matrix.ts (tests/helpers/matrix.ts).
 */
const operations = await declaredOperations();
const matrices = await moduleMatrices();
const moduleOf = (key: string) => operations.find((op) => op.key === key)?.file.split("-")[0];

/** Operations anyone may call, from every module's reviewed list. */
const PUBLIC = new Set(Object.values(matrices).flatMap((matrix) => Object.keys(matrix.public ?? {})));

/** Each module's seeded rows, by module name (filled in beforeAll). */
const rows: Record<string, unknown> = {};

/** A valid request for each protected operation, aimed at tenant A's rows; a fixture answers for its own module's operations. */
const FIXTURES: Record<string, (w: World) => CallOptions> = Object.fromEntries(
  Object.entries(matrices).flatMap(([module, matrix]) =>
    Object.entries(matrix.fixtures).map(([key, fixture]) => [key, (w: World) => fixture(w, rows[module])]),
  ),
);

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
  for (const [module, matrix] of Object.entries(matrices)) rows[module] = await matrix.seed(db, a);
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
  return Object.entries(matrices).flatMap(([module, matrix]) => matrix.markers(world, rows[module]));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Tenant A's row ids (its markers that are UUIDs) found anywhere in a request body. */
function idsOfAIn(body: unknown): string[] {
  if (body === undefined) return [];
  const text = JSON.stringify(body);
  return markersOfA().filter((marker) => UUID.test(marker) && text.includes(marker));
}

function expectNoLeak(text: string) {
  for (const marker of markersOfA()) expect(text).not.toContain(marker);
}

describe("coverage", () => {
  it("every protected operation has a fixture in its module's matrix", () => {
    const missing = protectedOperations.map(({ key }) => key).filter((key) => !FIXTURES[key]);
    expect(missing, "add them to tests/<module>/matrix.ts").toEqual([]);
  });

  it("every public operation, and every one open to anonymous callers, is on its module's reviewed public list", () => {
    const publicOps = operations
      .filter(({ operation }) => operation.access === "public" || operation.access.anonymous)
      .map(({ key }) => key);
    expect(publicOps.filter((key) => !PUBLIC.has(key))).toEqual([]);
  });

  it("each module's fixtures and public list name only that module's operations", () => {
    for (const [module, matrix] of Object.entries(matrices)) {
      for (const key of [...Object.keys(matrix.fixtures), ...Object.keys(matrix.public ?? {})]) {
        expect(moduleOf(key), `${key} in tests/${module}/matrix.ts`).toBe(module);
      }
    }
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
    /**
     * An id of tenant A in the path, or anywhere in the body (an order's product, a message's
     * conversation), is resolved in the caller's tenant: for B it is unknown, a 404.
     */
    const expectIsolated = (fixture: CallOptions, response: CallResult) => {
      if (path.includes(":") || idsOfAIn(fixture.body).length > 0) {
        expect(response.status, `ids of tenant A: ${idsOfAIn(fixture.body)}`).toBe(404);
        expect(response.body.error.code).toBe("NOT_FOUND");
      } else {
        expect(response.status).toBeLessThan(500);
      }
      expectNoLeak(response.text);
    };

    const roles = (operation.access as { roles?: readonly string[] }).roles;
    it("as a user of another tenant (owner) gets nothing of tenant A", async () => {
      const fixture = { method, ...FIXTURES[key]?.(world) };
      const response = await call(module, { ...fixture, token: world.b.accessToken });
      // An operation no user may call (an AI agent's, `roles: []`) refuses every user before it reads anything.
      if (roles?.length === 0) {
        expect(response.status).toBe(403);
        expectNoLeak(response.text);
      } else {
        expectIsolated(fixture, response);
      }
    });

    const scopes = (operation.access as { scopes?: unknown }).scopes;
    if (scopes) {
      it("with another tenant's API key gets nothing of tenant A", async () => {
        const fixture = { method, ...FIXTURES[key]?.(world) };
        expectIsolated(fixture, await call(module, { ...fixture, apiKey: world.bKey.key }));
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
