import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "../../db/client";
import { auditLog, credentials } from "../../db/schema";
import * as configs from "../../netlify/functions/returns-provider-configs";
import * as configById from "../../netlify/functions/returns-provider-configs-id";
import { type Account, addMember, createApiKey, registerTenant } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";
import { readProviderConfig } from "../../services/returns/provider-configs";

const API_KEY = "xi-elevenlabs-key-0123456789abcd";
const WEBHOOK_SECRET = "whsec_tavus_secret_9876543210wxyz";

async function create(account: Account, body: Record<string, unknown>) {
  return call(configs, { method: "POST", token: account.accessToken, body });
}

const path = (id: string) => `/api/provider-configs/${id}`;

describe("POST /api/provider-configs", () => {
  it("seals secrets at rest, answers them masked and audits without them", async () => {
    const owner = await registerTenant("pc-create");
    const res = await create(owner, {
      provider: "elevenlabs",
      configName: "default",
      configData: { apiKey: API_KEY, webhook_secret: WEBHOOK_SECRET, voiceId: "rachel", stability: 0.4 },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.data).toMatchObject({
      provider: "elevenlabs",
      configName: "default",
      isActive: true,
      configData: { apiKey: "••••abcd", webhook_secret: "••••wxyz", voiceId: "rachel", stability: 0.4 },
    });
    expect(res.text).not.toContain(API_KEY);
    expect(res.text).not.toContain(WEBHOOK_SECRET);

    const db = await getDb();
    const [stored] = await db.select().from(credentials).where(eq(credentials.id, res.body.data.id));
    const raw = JSON.stringify(stored);
    expect(raw).not.toContain(API_KEY);
    expect(raw).not.toContain(WEBHOOK_SECRET);
    expect(raw).toContain("rachel");
    expect(stored?.secrets.apiKey?.sealed).toMatch(/^v1\./);

    // Services that call the provider can still decrypt it.
    const revealed = await readProviderConfig(db, owner.tenantId, res.body.data.id);
    expect(revealed?.configData).toMatchObject({ apiKey: API_KEY, webhook_secret: WEBHOOK_SECRET, voiceId: "rachel" });

    const audits = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, owner.tenantId), eq(auditLog.action, "provider_config.created")));
    expect(audits).toHaveLength(1);
    expect(audits[0]?.entityId).toBe(res.body.data.id);
    expect(JSON.stringify(audits)).not.toContain(API_KEY);
    expect(JSON.stringify(audits)).not.toContain("sealed");
    expect(audits[0]?.after).toMatchObject({ configData: { apiKey: "••••abcd" } });
  });

  it("answers 409 for a duplicate provider and name, but allows it in another tenant", async () => {
    const owner = await registerTenant("pc-dup");
    const other = await registerTenant("pc-dup-other");
    const body = { provider: "tavus", configName: "main", configData: { replicaId: "r1" } };
    expect((await create(owner, body)).status).toBe(201);
    const again = await create(owner, body);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("CONFLICT");
    expect((await create(owner, { ...body, provider: "elevenlabs" })).status).toBe(201);
    expect((await create(other, body)).status).toBe(201);
  });

  it("refuses invalid bodies", async () => {
    const owner = await registerTenant("pc-400");
    for (const body of [
      { provider: "test", configName: "x" },
      { provider: "tavus", configName: "" },
      { provider: "tavus", configName: "x", configData: { apiKey: 12345 } },
      { provider: "tavus", configName: "x", configData: { nested: { token: "in-clear" } } },
      { provider: "tavus", configName: "x", configData: "text" },
      { provider: "tavus", configName: "x", extra: true },
    ]) {
      const res = await create(owner, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });

  it("is for owners and admins only; no API key may write", async () => {
    const owner = await registerTenant("pc-403");
    const admin = await addMember(owner, "admin");
    const agent = await addMember(owner, "agent");
    expect((await create(admin, { provider: "tavus", configName: "by-admin" })).status).toBe(201);
    expect((await create(agent, { provider: "tavus", configName: "by-agent" })).status).toBe(403);
    const { key } = await createApiKey(owner, ["read", "write", "ai-agent"]);
    const byKey = await call(configs, { method: "POST", apiKey: key, body: { provider: "tavus", configName: "k" } });
    expect(byKey.status).toBe(403);
  });
});

describe("GET /api/provider-configs", () => {
  it("lists masked configs to members and read keys, in one statement", async () => {
    const owner = await registerTenant("pc-list");
    const other = await registerTenant("pc-list-other");
    await create(owner, { provider: "tavus", configName: "video", configData: { apiKey: API_KEY } });
    await create(owner, { provider: "elevenlabs", configName: "voice", isActive: false });
    await create(other, { provider: "tavus", configName: "not-yours" });
    const agent = await addMember(owner, "agent");
    const res = await call(configs, { token: agent.accessToken });
    expect(res.status).toBe(200);
    expect(res.body.data.map((c: { configName: string }) => c.configName)).toEqual(["voice", "video"]);
    expect(res.body.data[1].configData).toEqual({ apiKey: "••••abcd" });
    expect(res.body.pagination).toMatchObject({ total: 2 });
    expect(res.text).not.toContain(API_KEY);
    expect(res.text).not.toContain("not-yours");
    expect(res.statements).toBe(1);

    const { key } = await createApiKey(owner, ["read"]);
    const byKey = await call(configs, { apiKey: key, query: { provider: "tavus" } });
    expect(byKey.body.data.map((c: { configName: string }) => c.configName)).toEqual(["video"]);
    const inactive = await call(configs, { token: owner.accessToken, query: { isActive: "false" } });
    expect(inactive.body.data.map((c: { configName: string }) => c.configName)).toEqual(["voice"]);
    expect((await call(configs, { token: owner.accessToken, query: { provider: "test" } })).status).toBe(400);
  });
});

describe("/api/provider-configs/:id", () => {
  it("reads one masked, in one statement; 404 for another tenant's", async () => {
    const owner = await registerTenant("pc-get");
    const other = await registerTenant("pc-get-other");
    const mine = await create(owner, { provider: "tavus", configName: "a", configData: { token: API_KEY } });
    const theirs = await create(other, { provider: "tavus", configName: "b", configData: { apiKey: API_KEY } });
    const res = await call(configById, { path: path(mine.body.data.id), token: owner.accessToken });
    expect(res.status).toBe(200);
    expect(res.body.data.configData).toEqual({ token: "••••abcd" });
    expect(res.statements).toBe(1);
    const denied = await call(configById, { path: path(theirs.body.data.id), token: owner.accessToken });
    expect(denied.status).toBe(404);
  });

  it("merges configData on PATCH, keeps omitted secrets, and audits before and after masked", async () => {
    const owner = await registerTenant("pc-patch");
    const created = await create(owner, {
      provider: "elevenlabs",
      configName: "main",
      configData: { apiKey: API_KEY, voiceId: "rachel", model: "turbo" },
    });
    const id = created.body.data.id;
    const res = await call(configById, {
      method: "PATCH",
      path: path(id),
      token: owner.accessToken,
      body: { configName: "primary", configData: { voiceId: "adam", model: null }, isActive: false },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toMatchObject({
      configName: "primary",
      isActive: false,
      configData: { apiKey: "••••abcd", voiceId: "adam" },
    });
    expect(res.body.data.configData).not.toHaveProperty("model");
    const db = await getDb();
    expect((await readProviderConfig(db, owner.tenantId, id))?.configData.apiKey).toBe(API_KEY);

    const rotated = await call(configById, {
      method: "PATCH",
      path: path(id),
      token: owner.accessToken,
      body: { configData: { apiKey: "new-elevenlabs-key-00000000zzzz" } },
    });
    expect(rotated.body.data.configData.apiKey).toBe("••••zzzz");
    const [stored] = await db.select().from(credentials).where(eq(credentials.id, id));
    expect(JSON.stringify(stored)).not.toContain("new-elevenlabs-key-00000000zzzz");

    const audits = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, owner.tenantId), eq(auditLog.action, "provider_config.updated")));
    expect(audits).toHaveLength(2);
    const text = JSON.stringify(audits);
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain("new-elevenlabs-key");
    expect(text).not.toContain("sealed");
    const first = audits.find((entry) => (entry.before as { configName: string }).configName === "main");
    expect(first?.before).toMatchObject({ configName: "main", configData: { apiKey: "••••abcd", model: "turbo" } });
  });

  it("answers 409 when a rename collides, 400 for an empty patch, 403 for members", async () => {
    const owner = await registerTenant("pc-patch-409");
    const agent = await addMember(owner, "agent");
    await create(owner, { provider: "tavus", configName: "taken" });
    const second = await create(owner, { provider: "tavus", configName: "free" });
    const id = second.body.data.id;
    const clash = await call(configById, {
      method: "PATCH",
      path: path(id),
      token: owner.accessToken,
      body: { configName: "taken" },
    });
    expect(clash.status).toBe(409);
    expect(
      (await call(configById, { method: "PATCH", path: path(id), token: owner.accessToken, body: {} })).status,
    ).toBe(400);
    const byAgent = await call(configById, {
      method: "PATCH",
      path: path(id),
      token: agent.accessToken,
      body: { isActive: false },
    });
    expect(byAgent.status).toBe(403);
  });

  it("deletes with an audit row, and answers 404 for another tenant's or a gone one", async () => {
    const owner = await registerTenant("pc-delete");
    const other = await registerTenant("pc-delete-other");
    const mine = await create(owner, { provider: "tavus", configName: "bye", configData: { apiKey: API_KEY } });
    const theirs = await create(other, { provider: "tavus", configName: "stay" });
    const denied = await call(configById, {
      method: "DELETE",
      path: path(theirs.body.data.id),
      token: owner.accessToken,
    });
    expect(denied.status).toBe(404);
    const db = await getDb();
    expect(await db.$count(credentials, eq(credentials.id, theirs.body.data.id))).toBe(1);

    const res = await call(configById, { method: "DELETE", path: path(mine.body.data.id), token: owner.accessToken });
    expect(res.status).toBe(204);
    const again = await call(configById, { method: "DELETE", path: path(mine.body.data.id), token: owner.accessToken });
    expect(again.status).toBe(404);
    const [audit] = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, owner.tenantId), eq(auditLog.action, "provider_config.deleted")));
    expect(audit?.before).toMatchObject({ configName: "bye", configData: { apiKey: "••••abcd" } });
    expect(JSON.stringify(audit)).not.toContain(API_KEY);
  });
});
