import { describe, expect, it } from "vitest";
import { connect } from "../../db/client";
import * as apiKeys from "../../netlify/functions/platform-api-keys";
import * as apiKeyById from "../../netlify/functions/platform-api-keys-id";
import * as auditLog from "../../netlify/functions/platform-audit-log";
import * as health from "../../netlify/functions/platform-health";
import * as userById from "../../netlify/functions/platform-users-id";
import { addMember, registerTenant } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";
import { checkHealth } from "../../services/platform/health";

describe("GET /api/health", () => {
  it("reports the database and its migration level without credentials or secrets", async () => {
    const res = await call(health);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      status: "ok",
      database: { reachable: true },
      migrations: { upToDate: true },
    });
    expect(res.body.data.migrations.applied).toBe(res.body.data.migrations.expected);
    expect(res.text).not.toMatch(/postgres:\/\/|password|secret/i);
    expect(res.statements).toBe(1);
  });

  it("reports an unreachable database as 503 SERVICE_UNAVAILABLE", async () => {
    // A real driver pointed at a port nothing listens on.
    const unreachable = await connect("postgres://postgres@127.0.0.1:1/frontdesk");
    try {
      await expect(checkHealth(unreachable.db)).rejects.toMatchObject({ code: "SERVICE_UNAVAILABLE", status: 503 });
    } finally {
      await unreachable.close();
    }
  });
});

describe("GET /api/audit-log", () => {
  it("records users and keys changes with actor, before and after, newest first", async () => {
    const owner = await registerTenant("audit");
    const agent = await addMember(owner, "agent");
    await call(userById, {
      method: "PUT",
      path: `/api/users/${agent.userId}`,
      token: owner.accessToken,
      body: { name: "Renamed" },
    });
    const key = await call(apiKeys, {
      method: "POST",
      token: owner.accessToken,
      body: { name: "k", scopes: ["read"] },
    });
    await call(apiKeyById, { method: "DELETE", path: `/api/api-keys/${key.body.data.id}`, token: owner.accessToken });

    const res = await call(auditLog, { token: owner.accessToken });
    expect(res.status).toBe(200);
    expect(res.statements).toBe(1);
    const actions = res.body.data.map((entry: { action: string }) => entry.action);
    expect(actions).toEqual([
      "api_key.revoked",
      "api_key.created",
      "user.updated",
      "user.created",
      "tenant.registered",
    ]);
    const update = res.body.data[2];
    expect(update).toMatchObject({
      actorType: "user",
      actorId: owner.userId,
      entityType: "user",
      entityId: agent.userId,
    });
    expect(update.before.name).toBe("A agent");
    expect(update.after.name).toBe("Renamed");
    expect(res.text).not.toContain(key.body.data.key);
  });

  it("filters by entity and action, and is closed to ordinary members", async () => {
    const owner = await registerTenant("audit-filter");
    const agent = await addMember(owner, "agent");
    const filtered = await call(auditLog, {
      token: owner.accessToken,
      query: { entityType: "user", entityId: agent.userId },
    });
    expect(filtered.body.data.map((entry: { action: string }) => entry.action)).toEqual(["user.created"]);
    expect((await call(auditLog, { token: owner.accessToken, query: { from: "not a date" } })).status).toBe(400);
    expect((await call(auditLog, { token: agent.accessToken })).status).toBe(403);
    const auditor = await addMember(owner, "compliance_officer");
    expect((await call(auditLog, { token: auditor.accessToken })).status).toBe(200);
  });
});
