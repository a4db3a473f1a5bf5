import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "../../db/client";
import { credentials } from "../../db/schema";
import * as channelsRoute from "../../netlify/functions/inbox-channels";
import * as settings from "../../netlify/functions/platform-settings";
import { addMember, registerTenant, unique } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";
import { openCredential } from "../../services/platform/credentials";

const ACCESS_TOKEN = "EAAG-whatsapp-access-token-abcd1234";

describe("/api/settings", () => {
  it("reads empty sections for a new tenant", async () => {
    const owner = await registerTenant("settings");
    const res = await call(settings, { token: owner.accessToken });
    expect(res.status).toBe(200);
    // Every section any module declares is there, and empty.
    expect(res.body.data).toMatchObject({ whatsappConfig: null, webhookConfig: null, retellConfig: null });
    expect(Object.values(res.body.data).every((section) => section === null)).toBe(true);
    expect(res.statements).toBe(1);
  });

  it("masks a secret by its last four characters, never by half a surrogate pair (found by the fuzz test)", async () => {
    const owner = await registerTenant("secrets-astral");
    const accessToken = "abcdefghijkl𐀀𐀀x"; // its last four UTF-16 units start mid-pair
    const patched = await call(settings, {
      method: "PATCH",
      token: owner.accessToken,
      body: { whatsappConfig: { accessToken } },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.data.whatsappConfig.accessToken).toBe("••••l𐀀𐀀x");
  });

  it("encrypts secrets at rest, masks them on read and keeps them when omitted", async () => {
    const owner = await registerTenant("secrets");
    const [phoneNumberId, otherPhoneNumberId] = [unique("phone"), unique("phone")];
    const patched = await call(settings, {
      method: "PATCH",
      token: owner.accessToken,
      body: {
        whatsappConfig: { phoneNumberId, businessAccountId: "2233", accessToken: ACCESS_TOKEN },
        retellConfig: { apiKey: "key_retell_0123456789" },
      },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.data.whatsappConfig).toEqual({
      phoneNumberId,
      businessAccountId: "2233",
      accessToken: "••••1234",
    });
    expect(patched.text).not.toContain(ACCESS_TOKEN);

    const db = await getDb();
    const stored = await db.select().from(credentials).where(eq(credentials.tenantId, owner.tenantId));
    expect(JSON.stringify(stored)).not.toContain(ACCESS_TOKEN);
    expect(JSON.stringify(stored)).not.toContain("key_retell_0123456789");

    // A field-level change leaves the secret alone; services can still decrypt it.
    const changed = await call(settings, {
      method: "PATCH",
      token: owner.accessToken,
      body: { whatsappConfig: { phoneNumberId: otherPhoneNumberId } },
    });
    expect(changed.body.data.whatsappConfig).toMatchObject({
      phoneNumberId: otherPhoneNumberId,
      accessToken: "••••1234",
    });
    // What a service calling the provider opens: the secrets in clear.
    const whatsapp = await openCredential(db, owner.tenantId, { kind: "whatsappConfig" });
    const retell = await openCredential(db, owner.tenantId, { kind: "retellConfig" });
    expect(whatsapp?.data.accessToken).toBe(ACCESS_TOKEN);
    expect(retell?.data.apiKey).toBe("key_retell_0123456789");

    // null clears one field, or a whole section.
    const cleared = await call(settings, {
      method: "PATCH",
      token: owner.accessToken,
      body: { whatsappConfig: { accessToken: null }, retellConfig: null },
    });
    expect(cleared.body.data.whatsappConfig).toEqual({ phoneNumberId: otherPhoneNumberId, businessAccountId: "2233" });
    expect(cleared.body.data.retellConfig).toBeNull();
  });

  it("configures the tenant's first WhatsApp number from whatsappConfig and webhookConfig (spec 003's shortcut)", async () => {
    const owner = await registerTenant("settings-whatsapp");
    const phoneNumberId = unique("phone");
    const patch = (body: object) => call(settings, { method: "PATCH", token: owner.accessToken, body });
    expect(
      (
        await patch({
          whatsappConfig: {
            phoneNumberId,
            businessAccountId: "waba-1",
            accessToken: ACCESS_TOKEN,
            apiVersion: "v22.0",
          },
          webhookConfig: { verifyToken: "verify-token-5678" },
        })
      ).status,
    ).toBe(200);
    const listed = async () =>
      (await call(channelsRoute, { token: owner.accessToken, query: { type: "whatsapp" } })).body.data;
    expect(await listed()).toEqual([
      expect.objectContaining({
        type: "whatsapp",
        platformSpecificId: phoneNumberId,
        accountId: "waba-1",
        metadata: { apiVersion: "v22.0" },
        accessToken: "••••1234",
        verifyToken: "••••5678",
        appSecret: null,
      }),
    ]);

    // A later patch changes the same channel field by field; null clears a secret.
    await patch({ whatsappConfig: { appSecret: "app-secret-0042", accessToken: null } });
    const [number] = await listed();
    expect(number).toMatchObject({ platformSpecificId: phoneNumberId, appSecret: "••••0042", accessToken: null });
    expect(await listed()).toHaveLength(1);

    // A phone number id is one tenant's: another tenant's claim is a 409 that stores nothing.
    const other = await registerTenant("settings-whatsapp-other");
    const taken = await call(settings, {
      method: "PATCH",
      token: other.accessToken,
      body: { whatsappConfig: { phoneNumberId, accessToken: ACCESS_TOKEN } },
    });
    expect(taken.status).toBe(409);
    expect((await call(settings, { token: other.accessToken })).body.data.whatsappConfig).toBeNull();
  });

  it("records before and after in the audit log without secrets", async () => {
    const owner = await registerTenant("settings-audit");
    await call(settings, {
      method: "PATCH",
      token: owner.accessToken,
      body: { webhookConfig: { verifyToken: "verify-me-please-9876", enabled: true } },
    });
    const db = await getDb();
    const { auditLog } = await import("../../db/schema");
    const rows = await db.select().from(auditLog).where(eq(auditLog.tenantId, owner.tenantId));
    const entry = rows.find((row) => row.action === "settings.updated");
    expect(entry?.after).toMatchObject({
      whatsappConfig: null,
      webhookConfig: { enabled: true, verifyToken: "••••9876" },
      retellConfig: null,
    });
    expect(Object.entries(entry?.after as object).filter(([, section]) => section !== null)).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain("verify-me-please-9876");
  });

  it("refuses unknown sections and fields, and non-admins", async () => {
    const owner = await registerTenant("settings-bad");
    for (const body of [
      {},
      { slackConfig: {} },
      { webhookConfig: { url: "x" } },
      { whatsappConfig: { apiVersion: "latest" } },
    ]) {
      const res = await call(settings, { method: "PATCH", token: owner.accessToken, body });
      expect(res.status).toBe(400);
    }
    const agent = await addMember(owner, "agent");
    expect((await call(settings, { token: agent.accessToken })).status).toBe(403);
  });
});
