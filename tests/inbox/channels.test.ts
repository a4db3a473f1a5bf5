import { createHash } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "../../db/client";
import { channels, contacts, conversations, credentials } from "../../db/schema";
import * as channelsFn from "../../netlify/functions/inbox-channels";
import * as channelFn from "../../netlify/functions/inbox-channels-id";
import { type Account, addMember, createApiKey, registerTenant, unique } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";
import { openCredential } from "../../services/platform/credentials";

const ACCESS_TOKEN = "EAAG-access-token-0123456789-wxyz";
const REFRESH_TOKEN = "refresh-token-abcdefghijkl-9876";

const channelPath = (id: string) => `/api/channels/${id}`;

async function newChannel(account: Account, body: Record<string, unknown> = {}) {
  const res = await call(channelsFn, {
    method: "POST",
    token: account.accessToken,
    body: { type: "whatsapp", name: "WhatsApp main", platformSpecificId: `phone-${crypto.randomUUID()}`, ...body },
  });
  expect(res.status, res.text).toBe(201);
  return res.body.data as { id: string; accessToken: string | null; refreshToken: string | null };
}

describe("POST /api/channels", () => {
  it("stores the tokens sealed in the credentials store and answers only their hints", async () => {
    const owner = await registerTenant("channel-create");
    const phoneNumberId = unique("phone");
    const res = await call(channelsFn, {
      method: "POST",
      token: owner.accessToken,
      body: {
        platformType: "WHATSAPP",
        channelName: "WhatsApp +1 202",
        platformSpecificId: phoneNumberId,
        accountId: "waba-2233",
        accessToken: ACCESS_TOKEN,
        refreshToken: REFRESH_TOKEN,
        appSecret: "meta-app-secret-0042",
        verifyToken: "verify-token-7777",
        tokenExpiresAt: "2030-01-01T00:00:00Z",
        scopes: ["whatsapp_business_messaging"],
        metadata: { displayPhoneNumber: "+12025550100" },
      },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.data).toMatchObject({
      type: "whatsapp",
      name: "WhatsApp +1 202",
      platformSpecificId: phoneNumberId,
      accountId: "waba-2233",
      accessToken: "••••wxyz",
      refreshToken: "••••9876",
      appSecret: "••••0042",
      verifyToken: "••••7777",
      tokenExpiresAt: "2030-01-01T00:00:00.000Z",
      scopes: ["whatsapp_business_messaging"],
      metadata: { displayPhoneNumber: "+12025550100" },
      isActive: true,
    });
    expect(res.text).not.toContain(ACCESS_TOKEN);
    expect(res.body.data).not.toHaveProperty("tenantId");

    const db = await getDb();
    const [stored] = await db
      .select()
      .from(credentials)
      .where(and(eq(credentials.tenantId, owner.tenantId), eq(credentials.name, res.body.data.id)));
    expect(stored?.kind).toBe("channel");
    expect(JSON.stringify(stored)).not.toContain(ACCESS_TOKEN);
    const opened = await openCredential(db, owner.tenantId, { kind: "channel", name: res.body.data.id });
    expect(opened?.data).toEqual({
      accessToken: ACCESS_TOKEN,
      refreshToken: REFRESH_TOKEN,
      appSecret: "meta-app-secret-0042",
      verifyToken: "verify-token-7777",
      // What GET /api/webhook compares a verify token with, without opening every sealed one.
      verifyTokenHash: createHash("sha256").update("verify-token-7777").digest("hex"),
    });
  });

  it("creates a channel without tokens, and no credential for it", async () => {
    const owner = await registerTenant("channel-no-token");
    const created = await newChannel(owner, { type: "webchat", platformSpecificId: null });
    expect(created).toMatchObject({ accessToken: null, refreshToken: null });
    const db = await getDb();
    expect(await db.$count(credentials, eq(credentials.name, created.id))).toBe(0);
  });

  it("answers 409 for a second channel of the same type and platformSpecificId, and writes nothing", async () => {
    const owner = await registerTenant("channel-409");
    const sameId = unique("same-id");
    await newChannel(owner, { platformSpecificId: sameId });
    const res = await call(channelsFn, {
      method: "POST",
      token: owner.accessToken,
      body: { type: "whatsapp", name: "Again", platformSpecificId: sameId, accessToken: ACCESS_TOKEN },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("CONFLICT");
    const db = await getDb();
    expect(await db.$count(channels, eq(channels.tenantId, owner.tenantId))).toBe(1);
    expect(await db.$count(credentials, eq(credentials.tenantId, owner.tenantId))).toBe(0);

    // Another type may use the same platform id, and so may another tenant, except for a WhatsApp
    // number: Meta's webhooks are routed by its phone number id, so it is one tenant's.
    await newChannel(owner, { type: "instagram", platformSpecificId: sameId });
    const other = await registerTenant("channel-409-other");
    await newChannel(other, { type: "instagram", platformSpecificId: sameId });
    const taken = await call(channelsFn, {
      method: "POST",
      token: other.accessToken,
      body: { type: "whatsapp", name: "Not mine", platformSpecificId: sameId },
    });
    expect(taken.status).toBe(409);
    expect(taken.body.error.message).toBe("This WhatsApp phone number id is already connected");
  });

  it("refuses invalid bodies", async () => {
    const owner = await registerTenant("channel-400");
    for (const body of [
      { type: "telegram", name: "x" },
      { type: "whatsapp" },
      { type: "whatsapp", name: "" },
      { type: "whatsapp", name: "x", accessToken: 42 },
      { type: "whatsapp", name: "x", metadata: [] },
      { type: "whatsapp", name: "x", tokenExpiresAt: "tomorrow" },
      { type: "whatsapp", name: "x", tenantId: owner.tenantId },
    ]) {
      const res = await call(channelsFn, { method: "POST", token: owner.accessToken, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });

  it("is for owners and admins only", async () => {
    const owner = await registerTenant("channel-roles");
    const agent = await addMember(owner, "agent");
    const res = await call(channelsFn, { method: "POST", token: agent.accessToken, body: { type: "sms", name: "x" } });
    expect(res.status).toBe(403);
  });
});

describe("GET /api/channels", () => {
  it("lists the tenant's channels newest first with token hints, in one statement", async () => {
    const owner = await registerTenant("channel-list");
    const other = await registerTenant("channel-list-other");
    const first = await newChannel(owner, { accessToken: ACCESS_TOKEN });
    const second = await newChannel(owner, { type: "email", isActive: false });
    await newChannel(other, { name: "not yours" });
    const res = await call(channelsFn, { token: owner.accessToken });
    expect(res.status).toBe(200);
    expect(res.statements).toBe(1);
    expect(res.body.data.map((c: { id: string }) => c.id)).toEqual([second.id, first.id]);
    expect(res.body.data[1]).toMatchObject({ accessToken: "••••wxyz", refreshToken: null });
    expect(res.text).not.toContain("not yours");
    expect(res.body.pagination).toMatchObject({ total: 2, page: 1, totalPages: 1 });

    const ids = async (query: Record<string, string>) =>
      (await call(channelsFn, { token: owner.accessToken, query })).body.data.map((c: { id: string }) => c.id);
    expect(await ids({ type: "EMAIL" })).toEqual([second.id]);
    expect(await ids({ platformType: "whatsapp" })).toEqual([first.id]);
    expect(await ids({ isActive: "true" })).toEqual([first.id]);
    const paged = await call(channelsFn, { token: owner.accessToken, query: { limit: 1, page: 2 } });
    expect(paged.body.data.map((c: { id: string }) => c.id)).toEqual([first.id]);
  });

  it("lets a read key list, and refuses an unknown filter value", async () => {
    const owner = await registerTenant("channel-list-key");
    const { key } = await createApiKey(owner, ["read"]);
    expect((await call(channelsFn, { apiKey: key })).status).toBe(200);
    expect((await call(channelsFn, { apiKey: key, query: { type: "fax" } })).status).toBe(400);
  });
});

describe("GET/PATCH/DELETE /api/channels/:id", () => {
  it("reads one channel in one statement; another tenant's is a 404", async () => {
    const owner = await registerTenant("channel-get");
    const other = await registerTenant("channel-get-other");
    const created = await newChannel(owner, { refreshToken: REFRESH_TOKEN });
    const res = await call(channelFn, { path: channelPath(created.id), token: owner.accessToken });
    expect(res.status).toBe(200);
    expect(res.statements).toBe(1);
    expect(res.body.data).toMatchObject({ id: created.id, accessToken: null, refreshToken: "••••9876" });
    const theirs = await call(channelFn, { path: channelPath(created.id), token: other.accessToken });
    expect(theirs.status).toBe(404);
  });

  it("changes fields, replaces or removes a token, and keeps what is left out", async () => {
    const owner = await registerTenant("channel-patch");
    const created = await newChannel(owner, { accessToken: ACCESS_TOKEN, refreshToken: REFRESH_TOKEN });
    const patch = (body: Record<string, unknown>) =>
      call(channelFn, { method: "PATCH", path: channelPath(created.id), token: owner.accessToken, body });

    const renamed = await patch({ name: "Renamed", isActive: false });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.body.data).toMatchObject({
      name: "Renamed",
      isActive: false,
      accessToken: "••••wxyz",
      refreshToken: "••••9876",
    });

    const rotated = await patch({ accessToken: "a-brand-new-access-token-1234", refreshToken: null });
    expect(rotated.body.data).toMatchObject({ name: "Renamed", accessToken: "••••1234", refreshToken: null });
    const db = await getDb();
    const opened = await openCredential(db, owner.tenantId, { kind: "channel", name: created.id });
    expect(opened?.data).toEqual({ accessToken: "a-brand-new-access-token-1234" });

    // Removing the last token removes the credential.
    expect((await patch({ accessToken: null })).body.data.accessToken).toBeNull();
    expect(await db.$count(credentials, eq(credentials.name, created.id))).toBe(0);

    const put = await call(channelFn, {
      method: "PUT",
      path: channelPath(created.id),
      token: owner.accessToken,
      body: { channelName: "By PUT" },
    });
    expect(put.body.data.name).toBe("By PUT");
  });

  it("answers 409 when a change takes another channel's platformSpecificId", async () => {
    const owner = await registerTenant("channel-patch-409");
    await newChannel(owner, { platformSpecificId: "taken" });
    const created = await newChannel(owner);
    const res = await call(channelFn, {
      method: "PATCH",
      path: channelPath(created.id),
      token: owner.accessToken,
      body: { platformSpecificId: "taken", accessToken: ACCESS_TOKEN },
    });
    expect(res.status).toBe(409);
    const db = await getDb();
    expect(await db.$count(credentials, eq(credentials.name, created.id))).toBe(0);
  });

  it("takes the channel's own type again (spec 002 sends the whole object) but refuses another (422)", async () => {
    const owner = await registerTenant("channel-type");
    const other = await registerTenant("channel-type-other");
    const created = await newChannel(owner);
    const change = (body: Record<string, unknown>, account: Account = owner, method = "PATCH") =>
      call(channelFn, { method, path: channelPath(created.id), token: account.accessToken, body });

    const same = await change({ platformType: "WHATSAPP", channelName: "Same type" }, owner, "PUT");
    expect(same.status, same.text).toBe(200);
    expect(same.body.data).toMatchObject({ type: "whatsapp", name: "Same type" });
    // No extra round trip: the type is checked in the UPDATE's WHERE.
    const plain = await change({ name: "Same type" });
    expect(same.statements).toBe(plain.statements);

    const moved = await change({ type: "instagram", name: "Moved", accessToken: ACCESS_TOKEN });
    expect(moved.status, moved.text).toBe(422);
    expect(moved.body.error.message).toBe("A channel's type cannot change; connect a new channel");
    expect((await change({ type: "instagram" }, other)).status).toBe(404);
    expect((await change({ type: "whatsapp" }, other)).status).toBe(404);

    const db = await getDb();
    const [stored] = await db.select().from(channels).where(eq(channels.id, created.id));
    expect(stored).toMatchObject({ type: "whatsapp", name: "Same type" });
    expect(await db.$count(credentials, eq(credentials.name, created.id))).toBe(0);
  });

  it("never changes or deletes another tenant's channel or its tokens", async () => {
    const owner = await registerTenant("channel-isolation");
    const other = await registerTenant("channel-isolation-other");
    const created = await newChannel(owner, { accessToken: ACCESS_TOKEN });
    const patched = await call(channelFn, {
      method: "PATCH",
      path: channelPath(created.id),
      token: other.accessToken,
      body: { accessToken: "attacker-token-0000000000" },
    });
    expect(patched.status).toBe(404);
    const deleted = await call(channelFn, {
      method: "DELETE",
      path: channelPath(created.id),
      token: other.accessToken,
    });
    expect(deleted.status).toBe(404);
    const db = await getDb();
    expect(await db.$count(credentials, eq(credentials.tenantId, other.tenantId))).toBe(0);
    const opened = await openCredential(db, owner.tenantId, { kind: "channel", name: created.id });
    expect(opened?.data).toEqual({ accessToken: ACCESS_TOKEN });
  });

  it("deletes a channel with its credential; one with conversations is kept (409)", async () => {
    const owner = await registerTenant("channel-delete");
    const used = await newChannel(owner, { accessToken: ACCESS_TOKEN });
    const unused = await newChannel(owner, { type: "sms", accessToken: ACCESS_TOKEN });
    const db = await getDb();
    const [person] = await db
      .insert(contacts)
      .values({ tenantId: owner.tenantId, phoneNumber: "+15550009999" })
      .returning();
    await db.insert(conversations).values({
      tenantId: owner.tenantId,
      channelType: "whatsapp",
      channelId: used.id,
      contactId: person!.id,
    });

    const refused = await call(channelFn, { method: "DELETE", path: channelPath(used.id), token: owner.accessToken });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain("isActive");
    expect(await db.$count(conversations, eq(conversations.channelId, used.id))).toBe(1);
    expect(await db.$count(credentials, eq(credentials.name, used.id))).toBe(1);

    const res = await call(channelFn, { method: "DELETE", path: channelPath(unused.id), token: owner.accessToken });
    expect(res.status).toBe(204);
    expect(await db.$count(channels, eq(channels.id, unused.id))).toBe(0);
    expect(await db.$count(credentials, eq(credentials.name, unused.id))).toBe(0);
    const again = await call(channelFn, { method: "DELETE", path: channelPath(unused.id), token: owner.accessToken });
    expect(again.status).toBe(404);
  });
});
