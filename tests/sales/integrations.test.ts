import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "../../db/client";
import { credentials, integrations } from "../../db/schema";
import * as integrationsFn from "../../netlify/functions/sales-integrations";
import * as integrationFn from "../../netlify/functions/sales-integrations-id";
import { type Account, addMember, createApiKey, registerTenant, unique } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";
import { openCredential } from "../../services/platform/credentials";

const API_KEY = "crm-api-key-0123456789-abcd";
const CLIENT_SECRET = "client-secret-abcdefghij-wxyz";

type Integration = {
  id: string;
  name: string;
  type: string;
  status: string;
  lastSync: string | null;
  config: Record<string, unknown>;
  secrets: Record<string, string>;
};

async function save(account: Account, body: Record<string, unknown>) {
  return call<{ data: Integration; error: { code: string } }>(integrationsFn, {
    method: "POST",
    token: account.accessToken,
    body,
  });
}

async function newIntegration(account: Account, body: Record<string, unknown> = {}): Promise<Integration> {
  const res = await save(account, { name: unique("crm"), type: "crm", ...body });
  expect(res.status, res.text).toBe(201);
  return res.body.data;
}

const integrationPath = (id: string) => `/api/integrations/${id}`;

async function storedCredential(tenantId: string, id: string) {
  const db = await getDb();
  const [row] = await db
    .select()
    .from(credentials)
    .where(and(eq(credentials.tenantId, tenantId), eq(credentials.kind, "integration"), eq(credentials.name, id)));
  return row;
}

let owner: Account;
let other: Account;
beforeAll(async () => {
  owner = await registerTenant("integrations");
  other = await registerTenant("integrations-other");
});

describe("POST /api/integrations", () => {
  it("creates an integration (201) and seals its secrets in the credentials store, answering only hints", async () => {
    const res = await save(owner, {
      name: "Salesforce",
      type: "CRM",
      status: "connected",
      lastSync: "2030-01-01T09:00:00+02:00",
      config: { instanceUrl: "https://acme.my.salesforce.test", pipelines: ["villas"] },
      secrets: { apiKey: API_KEY, client_secret: CLIENT_SECRET, pin: "1234" },
    });
    expect(res.status, res.text).toBe(201);
    const created = res.body.data;
    expect(created).toMatchObject({
      name: "Salesforce",
      type: "crm",
      status: "connected",
      lastSync: "2030-01-01T07:00:00.000Z",
      config: { instanceUrl: "https://acme.my.salesforce.test", pipelines: ["villas"] },
      // A short secret shows no characters at all.
      secrets: { apiKey: "••••abcd", client_secret: "••••wxyz", pin: "••••" },
    });
    expect(created).not.toHaveProperty("tenantId");
    expect(res.text).not.toContain(API_KEY);
    expect(res.text).not.toContain(CLIENT_SECRET);

    const stored = await storedCredential(owner.tenantId, created.id);
    expect(stored?.data).toEqual({});
    expect(Object.keys(stored?.secrets ?? {}).sort()).toEqual(["apiKey", "client_secret", "pin"]);
    expect(JSON.stringify(stored)).not.toContain(API_KEY);
    expect(JSON.stringify(stored)).not.toContain(CLIENT_SECRET);
    const [row] = await (await getDb()).select().from(integrations).where(eq(integrations.id, created.id));
    expect(JSON.stringify(row)).not.toContain(API_KEY);
    const opened = await openCredential(await getDb(), owner.tenantId, { kind: "integration", name: created.id });
    expect(opened?.data).toEqual({ apiKey: API_KEY, client_secret: CLIENT_SECRET, pin: "1234" });
  });

  it("creates one without secrets, disconnected, and no credential for it", async () => {
    const created = await newIntegration(owner, { type: "calendar" });
    expect(created).toMatchObject({
      type: "calendar",
      status: "disconnected",
      lastSync: null,
      config: {},
      secrets: {},
    });
    expect(await storedCredential(owner.tenantId, created.id)).toBeUndefined();
  });

  it("updates the integration of that name (200): the fields given, secrets merged key by key", async () => {
    const name = unique("hubspot");
    const created = await newIntegration(owner, {
      name,
      config: { portal: "1" },
      secrets: { apiKey: API_KEY, refreshToken: "refresh-token-00000-1111" },
    });
    const res = await save(owner, {
      name,
      type: "crm",
      status: "error",
      config: { portal: "2" },
      secrets: { refreshToken: null, webhookSecret: CLIENT_SECRET },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toMatchObject({
      id: created.id,
      name,
      status: "error",
      config: { portal: "2" },
      secrets: { apiKey: "••••abcd", webhookSecret: "••••wxyz" },
    });
    expect(Object.keys(res.body.data.secrets).sort()).toEqual(["apiKey", "webhookSecret"]);
    const db = await getDb();
    expect(
      await db.$count(integrations, and(eq(integrations.tenantId, owner.tenantId), eq(integrations.name, name))),
    ).toBe(1);

    // Without type only an existing name is updated; what is left out is kept.
    const untyped = await save(owner, { name, lastSync: "2030-02-01T00:00:00Z" });
    expect(untyped.status, untyped.text).toBe(200);
    expect(untyped.body.data).toMatchObject({
      type: "crm",
      status: "error",
      lastSync: "2030-02-01T00:00:00.000Z",
      config: { portal: "2" },
      secrets: { apiKey: "••••abcd", webhookSecret: "••••wxyz" },
    });
  });

  it("answers 422 for a new name without a type, and creates nothing", async () => {
    const name = unique("untyped");
    const res = await save(owner, { name, secrets: { apiKey: API_KEY } });
    expect(res.status, res.text).toBe(422);
    expect(res.body.error.code).toBe("UNPROCESSABLE");
    const db = await getDb();
    expect(
      await db.$count(integrations, and(eq(integrations.tenantId, owner.tenantId), eq(integrations.name, name))),
    ).toBe(0);
  });

  it("makes one integration of concurrent saves of a new name: one 201, the rest 200", async () => {
    const tenant = await registerTenant("integrations-race");
    const name = "Twilio";
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        save(tenant, { name, type: "telephony", secrets: { [`key${i}`]: `secret-value-${i}-000000000` } }),
      ),
    );
    expect(results.map((res) => res.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(results.map((res) => res.body.data.id)).size).toBe(1);
    const db = await getDb();
    expect(await db.$count(integrations, eq(integrations.tenantId, tenant.tenantId))).toBe(1);
    // Every writer's secret is kept: the credential merges field by field.
    const stored = await storedCredential(tenant.tenantId, results[0]!.body.data.id);
    expect(Object.keys(stored?.secrets ?? {})).toHaveLength(10);
  });

  it("keeps names per business: another tenant's save of the same name creates its own", async () => {
    const name = unique("shared-name");
    const mine = await newIntegration(owner, { name, secrets: { apiKey: API_KEY } });
    const theirs = await save(other, { name, type: "email" });
    expect(theirs.status).toBe(201);
    expect(theirs.body.data.id).not.toBe(mine.id);
    expect(theirs.body.data.secrets).toEqual({});
    const [row] = await (await getDb()).select().from(integrations).where(eq(integrations.id, mine.id));
    expect(row?.type).toBe("crm");
  });

  it.each([
    ["an unknown type", { type: "fax" }],
    ["an unknown status", { status: "broken" }],
    ["a blank name", { name: "  " }],
    ["a secret that is not a string", { secrets: { apiKey: 42 } }],
    ["an empty secret", { secrets: { apiKey: "" } }],
    ["a secret name with spaces", { secrets: { "api key": API_KEY } }],
    ["21 secrets", { secrets: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, "v"])) }],
    ["config that is not an object", { config: ["a"] }],
    ["config over 16 KB", { config: { blob: "x".repeat(17 * 1024) } }],
    ["a lastSync that is not a date", { lastSync: "yesterday" }],
    ["an unknown field", { apiKey: API_KEY }],
  ])("refuses %s with 400, storing nothing", async (_name, change) => {
    const name = unique("invalid");
    const res = await save(owner, { name, type: "crm", ...change });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
    expect(res.text).not.toContain(API_KEY);
    const db = await getDb();
    expect(
      await db.$count(integrations, and(eq(integrations.tenantId, owner.tenantId), eq(integrations.name, name))),
    ).toBe(0);
  });
});

describe("GET /api/integrations", () => {
  let business: Account;
  let list: Record<"calendar" | "crm" | "sms", Integration>;
  beforeAll(async () => {
    business = await registerTenant("integrations-list");
    list = {
      sms: await newIntegration(business, { name: "Twilio SMS", type: "messaging", status: "connected" }),
      crm: await newIntegration(business, { name: "HubSpot", type: "crm", secrets: { apiKey: API_KEY } }),
      calendar: await newIntegration(business, { name: "Google Calendar", type: "calendar", status: "error" }),
    };
    await newIntegration(other, { name: "Integration of another tenant" });
  });
  const ids = (data: Integration[]) => data.map((item) => item.id);

  it("lists the business's integrations by name, secrets as hints, in one statement", async () => {
    const res = await call(integrationsFn, { token: business.accessToken });
    expect(res.status).toBe(200);
    expect(ids(res.body.data)).toEqual([list.calendar.id, list.crm.id, list.sms.id]);
    expect(res.body.data[1].secrets).toEqual({ apiKey: "••••abcd" });
    expect(res.body.pagination).toMatchObject({ total: 3, hasMore: false });
    expect(res.text).not.toContain(API_KEY);
    expect(res.text).not.toContain("another tenant");
    expect(res.statements).toBe(1);
  });

  it.each([
    ["type", { type: "crm" }, ["crm"]],
    ["type in upper case", { type: "MESSAGING" }, ["sms"]],
    ["status", { status: "error" }, ["calendar"]],
    ["type and status", { type: "crm", status: "connected" }, []],
  ] as const)("filters: %s", async (_name, query, expected) => {
    const res = await call(integrationsFn, { token: business.accessToken, query });
    expect(res.status).toBe(200);
    expect(ids(res.body.data)).toEqual(expected.map((key) => list[key].id));
  });

  it("pages by cursor and offset", async () => {
    const first = await call(integrationsFn, { token: business.accessToken, query: { limit: 2 } });
    expect(ids(first.body.data)).toEqual([list.calendar.id, list.crm.id]);
    const next = await call(integrationsFn, {
      token: business.accessToken,
      query: { limit: 2, cursor: first.body.pagination.nextCursor },
    });
    expect(ids(next.body.data)).toEqual([list.sms.id]);
    const offset = await call(integrationsFn, { token: business.accessToken, query: { limit: 2, offset: 2 } });
    expect(ids(offset.body.data)).toEqual([list.sms.id]);
  });

  it.each([
    ["limit 0", { limit: 0 }],
    ["limit 101", { limit: 101 }],
    ["an unknown type", { type: "fax" }],
    ["an unknown status", { status: "ok" }],
    ["an unknown filter", { name: "HubSpot" }],
  ])("refuses %s with 400", async (_name, query) => {
    expect((await call(integrationsFn, { token: business.accessToken, query })).status).toBe(400);
  });
});

describe("/api/integrations/:id", () => {
  it("reads one in one statement, secrets as hints; another tenant's is a 404", async () => {
    const created = await newIntegration(owner, { secrets: { apiKey: API_KEY } });
    const path = integrationPath(created.id);
    const res = await call(integrationFn, { path, token: owner.accessToken });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: created.id, secrets: { apiKey: "••••abcd" } });
    expect(res.text).not.toContain(API_KEY);
    expect(res.statements).toBe(1);
    expect((await call(integrationFn, { path, token: other.accessToken })).status).toBe(404);
    expect((await call(integrationFn, { path: integrationPath(randomUUID()), token: owner.accessToken })).status).toBe(
      404,
    );
    expect((await call(integrationFn, { path: integrationPath("nope"), token: owner.accessToken })).status).toBe(400);
  });

  it("changes the fields given with PATCH or PUT, and its secrets in the same transaction", async () => {
    const created = await newIntegration(owner, {
      config: { a: 1 },
      secrets: { apiKey: API_KEY, clientSecret: CLIENT_SECRET },
    });
    const path = integrationPath(created.id);
    const renamed = unique("renamed");
    const patched = await call(integrationFn, {
      method: "PATCH",
      path,
      token: owner.accessToken,
      body: {
        name: renamed,
        status: "connected",
        lastSync: "2030-03-01T00:00:00Z",
        config: { b: 2 },
        secrets: { clientSecret: null },
      },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.data).toMatchObject({
      name: renamed,
      type: "crm",
      status: "connected",
      lastSync: "2030-03-01T00:00:00.000Z",
      config: { b: 2 },
      secrets: { apiKey: "••••abcd" },
    });
    expect(Object.keys(patched.body.data.secrets)).toEqual(["apiKey"]);
    const put = await call(integrationFn, {
      method: "PUT",
      path,
      token: owner.accessToken,
      body: { lastSync: null, secrets: { apiKey: "rotated-key-0000000-9999" } },
    });
    expect(put.body.data).toMatchObject({ name: renamed, lastSync: null, secrets: { apiKey: "••••9999" } });
    const opened = await openCredential(await getDb(), owner.tenantId, { kind: "integration", name: created.id });
    expect(opened?.data).toEqual({ apiKey: "rotated-key-0000000-9999" });

    const cleared = await call(integrationFn, {
      method: "PATCH",
      path,
      token: owner.accessToken,
      body: { secrets: null },
    });
    expect(cleared.body.data.secrets).toEqual({});
    expect(await storedCredential(owner.tenantId, created.id)).toBeUndefined();
  });

  it("answers 409 for a name the business uses, 400 for an empty change, 404 for another tenant's, changing nothing", async () => {
    const taken = await newIntegration(owner);
    const created = await newIntegration(owner, { secrets: { apiKey: API_KEY } });
    const path = integrationPath(created.id);
    const duplicate = await call(integrationFn, {
      method: "PATCH",
      path,
      token: owner.accessToken,
      body: { name: taken.name, secrets: { apiKey: "never-stored-0000-1111" } },
    });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.code).toBe("CONFLICT");
    expect((await call(integrationFn, { method: "PATCH", path, token: owner.accessToken, body: {} })).status).toBe(400);
    const foreign = await call(integrationFn, {
      method: "PUT",
      path,
      token: other.accessToken,
      body: { status: "error", secrets: { apiKey: "foreign-key-000000-2222" } },
    });
    expect(foreign.status).toBe(404);
    const [row] = await (await getDb()).select().from(integrations).where(eq(integrations.id, created.id));
    expect(row).toMatchObject({ name: created.name, status: "disconnected" });
    const opened = await openCredential(await getDb(), owner.tenantId, { kind: "integration", name: created.id });
    expect(opened?.data).toEqual({ apiKey: API_KEY });
    expect(await (await getDb()).$count(credentials, eq(credentials.tenantId, other.tenantId))).toBe(0);
  });

  it("deletes an integration with its credential; another tenant's is a 404 and stays", async () => {
    const created = await newIntegration(owner, { secrets: { apiKey: API_KEY } });
    const path = integrationPath(created.id);
    expect((await call(integrationFn, { method: "DELETE", path, token: other.accessToken })).status).toBe(404);
    expect(await storedCredential(owner.tenantId, created.id)).toBeDefined();
    const deleted = await call(integrationFn, { method: "DELETE", path, token: owner.accessToken });
    expect(deleted.status).toBe(204);
    expect(await storedCredential(owner.tenantId, created.id)).toBeUndefined();
    expect((await call(integrationFn, { path, token: owner.accessToken })).status).toBe(404);
    expect((await call(integrationFn, { method: "DELETE", path, token: owner.accessToken })).status).toBe(404);
  });
});

describe("roles", () => {
  it("lets sales managers and admins manage integrations, and read and write keys what their scope allows", async () => {
    for (const role of ["sales_manager", "admin"] as const) {
      const member = await addMember(owner, role);
      const created = await newIntegration(member);
      const path = integrationPath(created.id);
      expect((await call(integrationFn, { path, token: member.accessToken })).status, role).toBe(200);
      expect((await call(integrationsFn, { token: member.accessToken })).status, role).toBe(200);
      const patched = await call(integrationFn, {
        method: "PATCH",
        path,
        token: member.accessToken,
        body: { status: "connected" },
      });
      expect(patched.status, role).toBe(200);
      expect((await call(integrationFn, { method: "DELETE", path, token: member.accessToken })).status, role).toBe(204);
    }
    const { key: writeKey } = await createApiKey(owner, ["write"]);
    const byKey = await call(integrationsFn, {
      method: "POST",
      apiKey: writeKey,
      body: { name: unique("keyed"), type: "email" },
    });
    expect(byKey.status).toBe(201);
    const { key: readKey } = await createApiKey(owner, ["read"]);
    expect((await call(integrationsFn, { apiKey: readKey })).status).toBe(200);
    expect(
      (await call(integrationsFn, { method: "POST", apiKey: readKey, body: { name: "x", type: "crm" } })).status,
    ).toBe(403);
  });

  it("refuses every other role, reads included", async () => {
    const created = await newIntegration(owner, { secrets: { apiKey: API_KEY } });
    const path = integrationPath(created.id);
    for (const role of ["sales_rep", "operations", "qa_supervisor", "compliance_officer", "agent"] as const) {
      const { accessToken: token } = await addMember(owner, role);
      for (const res of [
        await call(integrationsFn, { token }),
        await call(integrationFn, { path, token }),
        await call(integrationsFn, { method: "POST", token, body: { name: created.name, status: "error" } }),
        await call(integrationFn, { method: "PATCH", path, token, body: { status: "error" } }),
        await call(integrationFn, { method: "DELETE", path, token }),
      ]) {
        expect(res.status, role).toBe(403);
        expect(res.text).not.toContain(API_KEY);
      }
    }
    const [row] = await (await getDb()).select().from(integrations).where(eq(integrations.id, created.id));
    expect(row?.status).toBe("disconnected");
  });
});
