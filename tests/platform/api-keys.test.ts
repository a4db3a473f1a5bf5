import { describe, expect, it } from "vitest";
import * as apiKeys from "../../netlify/functions/platform-api-keys";
import * as apiKeyById from "../../netlify/functions/platform-api-keys-id";
import * as auditLog from "../../netlify/functions/platform-audit-log";
import * as users from "../../netlify/functions/platform-users";
import { registerTenant } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";

describe("/api/api-keys", () => {
  it("shows a new key once, lists it without the key, and authenticates with it", async () => {
    const owner = await registerTenant("keys");
    const created = await call(apiKeys, {
      method: "POST",
      token: owner.accessToken,
      body: { name: "AI agent", scopes: ["ai-agent", "read", "read"] },
    });
    expect(created.status).toBe(201);
    const { key, id, prefix, scopes } = created.body.data;
    expect(key).toMatch(/^fd_[\w-]{40,}$/);
    expect(key.startsWith(prefix)).toBe(true);
    expect(scopes).toEqual(["ai-agent", "read"]);

    const list = await call(apiKeys, { token: owner.accessToken });
    expect(list.body.data.map((k: { id: string }) => k.id)).toEqual([id]);
    expect(list.text).not.toContain(key);

    const used = await call(users, { apiKey: key });
    expect(used.status).toBe(200);
    expect(used.statements).toBe(2);
    const afterUse = await call(apiKeys, { token: owner.accessToken });
    expect(afterUse.body.data[0].lastUsedAt).not.toBeNull();
  });

  it("revokes a key so it stops working, idempotently", async () => {
    const owner = await registerTenant("revoke");
    const created = await call(apiKeys, {
      method: "POST",
      token: owner.accessToken,
      body: { name: "temp", scopes: ["read"] },
    });
    const { id, key } = created.body.data;
    const path = `/api/api-keys/${id}`;
    expect((await call(apiKeyById, { method: "DELETE", path, token: owner.accessToken })).status).toBe(204);
    expect((await call(apiKeyById, { method: "DELETE", path, token: owner.accessToken })).status).toBe(204);
    const refused = await call(users, { apiKey: key });
    expect(refused.status).toBe(401);
    expect((await call(apiKeys, { token: owner.accessToken })).body.data).toEqual([]);
    const withRevoked = await call(apiKeys, { token: owner.accessToken, query: { includeRevoked: "true" } });
    expect(withRevoked.body.data[0].revokedAt).not.toBeNull();
    expect(
      (
        await call(apiKeyById, {
          method: "DELETE",
          path: `/api/api-keys/${crypto.randomUUID()}`,
          token: owner.accessToken,
        })
      ).status,
    ).toBe(404);
  });

  it("audits a revoke once however often it is repeated, and not at all from another tenant", async () => {
    const owner = await registerTenant("revoke-audit");
    const stranger = await registerTenant("revoke-stranger");
    const created = await call(apiKeys, {
      method: "POST",
      token: owner.accessToken,
      body: { name: "twice", scopes: ["read"] },
    });
    const { id } = created.body.data;
    const path = `/api/api-keys/${id}`;
    const revokes = await Promise.all(
      [1, 2, 3].map(() => call(apiKeyById, { method: "DELETE", path, token: owner.accessToken })),
    );
    expect(revokes.map((res) => res.status)).toEqual([204, 204, 204]);
    expect((await call(apiKeyById, { method: "DELETE", path, token: owner.accessToken })).status).toBe(204);
    expect((await call(apiKeyById, { method: "DELETE", path, token: stranger.accessToken })).status).toBe(404);

    const audited = await call(auditLog, {
      token: owner.accessToken,
      query: { entityType: "api_key", entityId: id },
    });
    expect(audited.body.data.map((entry: { action: string }) => entry.action)).toEqual([
      "api_key.revoked",
      "api_key.created",
    ]);
  });

  it("refuses expired keys", async () => {
    const owner = await registerTenant("expiry");
    const past = await call(apiKeys, {
      method: "POST",
      token: owner.accessToken,
      body: { name: "old", scopes: ["read"], expiresAt: "2020-01-01T00:00:00Z" },
    });
    expect(past.status).toBe(400);
    const soon = new Date(Date.now() + 60_000).toISOString();
    const created = await call(apiKeys, {
      method: "POST",
      token: owner.accessToken,
      body: { name: "soon", scopes: ["read"], expiresAt: soon },
    });
    expect(created.body.data.expiresAt).toBe(soon);
  });

  it("validates scopes", async () => {
    const owner = await registerTenant("scopes");
    for (const body of [{ name: "x", scopes: [] }, { name: "x", scopes: ["admin"] }, { scopes: ["read"] }]) {
      expect((await call(apiKeys, { method: "POST", token: owner.accessToken, body })).status).toBe(400);
    }
  });
});
