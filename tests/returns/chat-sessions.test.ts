import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "../../db/client";
import { conversations, messages } from "../../db/schema";
import * as chatMessagesCreate from "../../netlify/functions/returns-chat-messages";
import * as chatMessagesList from "../../netlify/functions/returns-chat-messages-session";
import * as chatSessionsFn from "../../netlify/functions/returns-chat-sessions";
import { type Account, addMember, createApiKey, registerTenant } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";

const CARD = "4111 1111 1111 1111";
const SECRET = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";

async function newSession(account: Account, body: Record<string, unknown> = {}) {
  const res = await call(chatSessionsFn, { method: "POST", token: account.accessToken, body });
  expect(res.status, res.text).toBe(201);
  return res.body.data as { id: string; updatedAt: string; userId: string | null };
}

const messagesPath = (sessionId: string) => `/api/chat-messages/${sessionId}`;

describe("POST /api/chat-sessions", () => {
  it("creates a session with defaults, owned by the calling user", async () => {
    const owner = await registerTenant("chat-create");
    const res = await call(chatSessionsFn, { method: "POST", token: owner.accessToken, body: {} });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      userId: owner.userId,
      sessionName: "Test Session",
      chatMode: "normal",
      sessionType: "test_mode",
      isActive: true,
      metadata: null,
    });
    expect(res.body.data).not.toHaveProperty("tenantId");
    // The session is an inbox conversation now: insert + its conversation:updated event, plus BEGIN/COMMIT on server drivers.
    expect([2, 4]).toContain(res.statements);
  });

  it("takes the mode, type, name, metadata and another user of the tenant", async () => {
    const owner = await registerTenant("chat-create-full");
    const agent = await addMember(owner, "agent");
    const session = await newSession(owner, {
      sessionName: "Order 1234",
      chatMode: "whatsapp",
      sessionType: "live_support",
      metadata: { orderId: "1234" },
      userId: agent.userId,
    });
    expect(session).toMatchObject({
      userId: agent.userId,
      sessionName: "Order 1234",
      chatMode: "whatsapp",
      sessionType: "live_support",
      metadata: { orderId: "1234" },
    });
  });

  it("lets an ai-agent key start a session without a user", async () => {
    const owner = await registerTenant("chat-key");
    const { key } = await createApiKey(owner, ["ai-agent"]);
    const res = await call(chatSessionsFn, { method: "POST", apiKey: key, body: { chatMode: "shopify" } });
    expect(res.status).toBe(201);
    expect(res.body.data.userId).toBeNull();
  });

  it("answers 404 for a userId of another tenant, and stores nothing", async () => {
    const owner = await registerTenant("chat-user-404");
    const other = await registerTenant("chat-user-404-other");
    const res = await call(chatSessionsFn, {
      method: "POST",
      token: owner.accessToken,
      body: { userId: other.userId },
    });
    expect(res.status).toBe(404);
    const db = await getDb();
    expect(await db.$count(conversations, eq(conversations.tenantId, owner.tenantId))).toBe(0);
  });

  it("refuses invalid bodies", async () => {
    const owner = await registerTenant("chat-400");
    for (const body of [
      { chatMode: "telegram" },
      { sessionType: "prod" },
      { sessionName: "" },
      { userId: "not-a-uuid" },
      { metadata: "text" },
      { unknown: true },
    ]) {
      const res = await call(chatSessionsFn, { method: "POST", token: owner.accessToken, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("VALIDATION_FAILED");
    }
  });
});

describe("GET /api/chat-sessions", () => {
  it("lists the tenant's sessions, most recently active first, in one statement", async () => {
    const owner = await registerTenant("chat-list");
    const other = await registerTenant("chat-list-other");
    const first = await newSession(owner, { sessionName: "first" });
    const second = await newSession(owner, { sessionName: "second" });
    await newSession(other, { sessionName: "not yours" });
    const res = await call(chatSessionsFn, { token: owner.accessToken });
    expect(res.status).toBe(200);
    expect(res.body.data.map((s: { id: string }) => s.id)).toEqual([second.id, first.id]);
    expect(res.body.pagination).toEqual({
      total: 2,
      totalIsExact: true,
      limit: 20,
      offset: 0,
      page: 1,
      totalPages: 1,
      hasMore: false,
      nextCursor: null,
    });
    expect(res.text).not.toContain("not yours");
    expect(res.statements).toBe(1);

    // A message bumps its session to the top.
    await call(chatMessagesCreate, {
      method: "POST",
      token: owner.accessToken,
      body: { sessionId: first.id, sender: "user", message: "hello" },
    });
    const after = await call(chatSessionsFn, { token: owner.accessToken, query: { limit: 1 } });
    expect(after.body.data.map((s: { id: string }) => s.id)).toEqual([first.id]);
    expect(after.body.pagination).toEqual({
      total: 2,
      totalIsExact: true,
      limit: 1,
      offset: 0,
      page: 1,
      totalPages: 2,
      hasMore: true,
      nextCursor: expect.any(String),
    });
  });

  it("filters by userId, isActive, chatMode and sessionType", async () => {
    const owner = await registerTenant("chat-filter");
    const agent = await addMember(owner, "agent");
    const mine = await newSession(owner, { chatMode: "messenger" });
    const theirs = await newSession(agent, { sessionType: "live_support" });
    const closed = await newSession(owner, { chatMode: "woocommerce" });
    const db = await getDb();
    await db.update(conversations).set({ status: "closed" }).where(eq(conversations.id, closed.id));
    const ids = async (query: Record<string, string>) =>
      (await call(chatSessionsFn, { token: owner.accessToken, query })).body.data.map((s: { id: string }) => s.id);
    expect(await ids({ userId: agent.userId })).toEqual([theirs.id]);
    expect(await ids({ chatMode: "messenger" })).toEqual([mine.id]);
    expect(await ids({ sessionType: "live_support" })).toEqual([theirs.id]);
    expect(await ids({ isActive: "false" })).toEqual([closed.id]);
    expect((await ids({ isActive: "true" })).sort()).toEqual([mine.id, theirs.id].sort());
  });

  it("is readable with a read key and refuses bad filters", async () => {
    const owner = await registerTenant("chat-list-key");
    await newSession(owner);
    const { key } = await createApiKey(owner, ["read"]);
    expect((await call(chatSessionsFn, { apiKey: key })).body.data).toHaveLength(1);
    for (const query of [{ isActive: "yes" }, { chatMode: "fax" }, { userId: "x" }, { limit: 101 }, { other: "1" }]) {
      const res = await call(chatSessionsFn, { token: owner.accessToken, query });
      expect(res.status, JSON.stringify(query)).toBe(400);
    }
  });
});

describe("POST /api/chat-messages", () => {
  it("stores a message and bumps the session's updatedAt in one transaction", async () => {
    const owner = await registerTenant("msg-create");
    const session = await newSession(owner);
    const res = await call(chatMessagesCreate, {
      method: "POST",
      token: owner.accessToken,
      body: { sessionId: session.id, sender: "user", message: "My parcel arrived broken", metadata: { lang: "en" } },
    });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      sessionId: session.id,
      sender: "user",
      message: "My parcel arrived broken",
      messageType: "text",
      metadata: { lang: "en" },
    });
    const db = await getDb();
    const [stored] = await db.select().from(conversations).where(eq(conversations.id, session.id));
    expect(stored?.updatedAt.getTime()).toBeGreaterThan(new Date(session.updatedAt).getTime());
    // update + insert + the message:new event (the inbox's appendMessage), plus BEGIN/COMMIT on server drivers.
    expect([3, 5]).toContain(res.statements);
  });

  it("redacts a card number and a secret before storage", async () => {
    const owner = await registerTenant("msg-sanitize");
    const session = await newSession(owner);
    const { key } = await createApiKey(owner, ["ai-agent"]);
    const res = await call(chatMessagesCreate, {
      method: "POST",
      apiKey: key,
      body: {
        sessionId: session.id,
        sender: "agent",
        message: `Card ${CARD} was charged; our key is ${SECRET} thanks`,
      },
    });
    expect(res.status).toBe(201);
    expect(res.text).not.toContain(CARD);
    expect(res.text).not.toContain(SECRET);
    const db = await getDb();
    const [row] = await db.select().from(messages).where(eq(messages.id, res.body.data.id));
    expect(row?.text).toBeDefined();
    expect(row?.text).not.toContain(CARD);
    expect(row?.text).not.toContain(CARD.replace(/ /g, ""));
    expect(row?.text).not.toContain(SECRET);
    expect(row?.text).toContain("thanks");
  });

  it("answers 422 for an inactive session and leaves it untouched", async () => {
    const owner = await registerTenant("msg-inactive");
    const session = await newSession(owner);
    const db = await getDb();
    const [closed] = await db
      .update(conversations)
      .set({ status: "closed" })
      .where(eq(conversations.id, session.id))
      .returning();
    const res = await call(chatMessagesCreate, {
      method: "POST",
      token: owner.accessToken,
      body: { sessionId: session.id, sender: "user", message: "anyone there?" },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("UNPROCESSABLE");
    const [after] = await db.select().from(conversations).where(eq(conversations.id, session.id));
    expect(after?.updatedAt).toEqual(closed?.updatedAt);
    expect(await db.$count(messages, eq(messages.conversationId, session.id))).toBe(0);
  });

  it("answers 404 for another tenant's session and for none", async () => {
    const owner = await registerTenant("msg-404");
    const other = await registerTenant("msg-404-other");
    const theirs = await newSession(other);
    for (const sessionId of [theirs.id, crypto.randomUUID()]) {
      const res = await call(chatMessagesCreate, {
        method: "POST",
        token: owner.accessToken,
        body: { sessionId, sender: "user", message: "hi" },
      });
      expect(res.status).toBe(404);
    }
    const db = await getDb();
    expect(await db.$count(messages, eq(messages.conversationId, theirs.id))).toBe(0);
  });

  it("refuses invalid bodies", async () => {
    const owner = await registerTenant("msg-400");
    const session = await newSession(owner);
    const base = { sessionId: session.id, sender: "user", message: "hi" };
    for (const body of [
      { ...base, sender: "bot" },
      { ...base, messageType: "sticker" },
      { ...base, message: "" },
      { ...base, message: "x".repeat(10_001) },
      { ...base, sessionId: "nope" },
      { ...base, extra: 1 },
      { sender: "user", message: "hi" },
    ]) {
      const res = await call(chatMessagesCreate, { method: "POST", token: owner.accessToken, body });
      expect(res.status).toBe(400);
    }
  });

  it("refuses metadata nested 1,000 or 5,000 levels deep with 400, and goes on answering", async () => {
    const owner = await registerTenant("chat-msg-deep");
    const session = await newSession(owner);
    for (const depth of [1000, 5000]) {
      const metadata = `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
      const res = await call(chatMessagesCreate, {
        method: "POST",
        token: owner.accessToken,
        rawBody: `{"sessionId":"${session.id}","sender":"user","message":"hi","metadata":${metadata}}`,
        headers: { "content-type": "application/json" },
      });
      expect(res.status, `${depth}: ${res.text}`).toBe(400);
      expect(res.body.error.code).toBe("VALIDATION_FAILED");
      expect(res.body.error.details[0]).toMatchObject({ code: "too_big" });
    }
    const after = await call(chatMessagesCreate, {
      method: "POST",
      token: owner.accessToken,
      body: { sessionId: session.id, sender: "user", message: "still here", metadata: { a: { b: 1 } } },
    });
    expect(after.status, after.text).toBe(201);
    const db = await getDb();
    const stored = await db.select().from(messages).where(eq(messages.conversationId, session.id));
    expect(stored.map((row) => row.text)).toEqual(["still here"]);
  });

  it("refuses a read-only key (403)", async () => {
    const owner = await registerTenant("msg-403");
    const session = await newSession(owner);
    const { key } = await createApiKey(owner, ["read"]);
    const res = await call(chatMessagesCreate, {
      method: "POST",
      apiKey: key,
      body: { sessionId: session.id, sender: "user", message: "hi" },
    });
    expect(res.status).toBe(403);
  });
});

describe("GET /api/chat-messages/:sessionId", () => {
  it("answers the messages oldest first, paginated, in one statement", async () => {
    const owner = await registerTenant("msg-list");
    const session = await newSession(owner);
    for (const message of ["one", "two", "three"]) {
      const res = await call(chatMessagesCreate, {
        method: "POST",
        token: owner.accessToken,
        body: { sessionId: session.id, sender: "user", message },
      });
      expect(res.status).toBe(201);
    }
    const res = await call(chatMessagesList, { path: messagesPath(session.id), token: owner.accessToken });
    expect(res.status).toBe(200);
    expect(res.body.data.map((m: { message: string }) => m.message)).toEqual(["one", "two", "three"]);
    expect(res.body.pagination).toEqual({
      total: 3,
      totalIsExact: true,
      limit: 20,
      offset: 0,
      page: 1,
      totalPages: 1,
      hasMore: false,
      nextCursor: null,
    });
    expect(res.statements).toBe(1);

    const page = await call(chatMessagesList, {
      path: messagesPath(session.id),
      token: owner.accessToken,
      query: { limit: 2, offset: 1 },
    });
    expect(page.body.data.map((m: { message: string }) => m.message)).toEqual(["two", "three"]);
    expect(page.body.pagination).toEqual({
      total: 3,
      totalIsExact: true,
      limit: 2,
      offset: 1,
      page: 1,
      totalPages: 2,
      hasMore: false,
      nextCursor: null,
    });

    const past = await call(chatMessagesList, {
      path: messagesPath(session.id),
      token: owner.accessToken,
      query: { offset: 10 },
    });
    expect(past.body).toMatchObject({ data: [], pagination: { total: 3, hasMore: false } });
    expect(past.statements).toBe(1);
  });

  it("answers an empty session with an empty page, and 404 for another tenant's or an unknown one", async () => {
    const owner = await registerTenant("msg-list-404");
    const other = await registerTenant("msg-list-404-other");
    const empty = await newSession(owner);
    const res = await call(chatMessagesList, { path: messagesPath(empty.id), token: owner.accessToken });
    expect(res.body).toEqual({
      data: [],
      pagination: {
        total: 0,
        totalIsExact: true,
        limit: 20,
        offset: 0,
        page: 1,
        totalPages: 0,
        hasMore: false,
        nextCursor: null,
      },
    });

    const theirs = await newSession(other);
    await call(chatMessagesCreate, {
      method: "POST",
      token: other.accessToken,
      body: { sessionId: theirs.id, sender: "user", message: "private words" },
    });
    for (const id of [theirs.id, crypto.randomUUID()]) {
      const denied = await call(chatMessagesList, { path: messagesPath(id), token: owner.accessToken });
      expect(denied.status).toBe(404);
      expect(denied.text).not.toContain("private words");
    }
    const bad = await call(chatMessagesList, { path: messagesPath("not-a-uuid"), token: owner.accessToken });
    expect(bad.status).toBe(400);
    const db = await getDb();
    expect(
      await db.$count(messages, and(eq(messages.tenantId, other.tenantId), eq(messages.conversationId, theirs.id))),
    ).toBe(1);
  });
});

describe("spec 000 clients: business_id and the spec's field names", () => {
  it("POST /api/chat-sessions takes user_id, business_id, session_name, chat_mode and session_type", async () => {
    const owner = await registerTenant("chat-spec-create");
    const agent = await addMember(owner, "agent");
    const other = await registerTenant("chat-spec-create-other");
    const body = {
      user_id: agent.userId,
      business_id: owner.tenantId,
      session_name: "Spec session",
      chat_mode: "shopify",
      session_type: "live_support",
    };
    const session = await newSession(owner, body);
    expect(session).toMatchObject({
      userId: agent.userId,
      sessionName: "Spec session",
      chatMode: "shopify",
      sessionType: "live_support",
    });
    const elsewhere = await call(chatSessionsFn, {
      method: "POST",
      token: owner.accessToken,
      body: { ...body, business_id: other.tenantId },
    });
    expect(elsewhere.status).toBe(404);
    const disagreeing = await call(chatSessionsFn, {
      method: "POST",
      token: owner.accessToken,
      body: { ...body, chatMode: "normal" },
    });
    expect(disagreeing.status).toBe(400);
    expect(disagreeing.body.error.details[0].path).toBe("body.chat_mode");
  });

  it("GET /api/chat-sessions takes business_id or user_id (query); another business is 404", async () => {
    const owner = await registerTenant("chat-spec-list");
    const agent = await addMember(owner, "agent");
    const other = await registerTenant("chat-spec-list-other");
    const mine = await newSession(owner);
    const theirs = await newSession(agent);
    const ids = async (query: Record<string, string>) => {
      const response = await call(chatSessionsFn, { token: owner.accessToken, query });
      expect(response.status, response.text).toBe(200);
      return response.body.data.map((session: { id: string }) => session.id).sort();
    };
    expect(await ids({ business_id: owner.tenantId })).toEqual([mine.id, theirs.id].sort());
    expect(await ids({ user_id: agent.userId })).toEqual([theirs.id]);
    expect(await ids({ businessId: owner.tenantId, user_id: owner.userId })).toEqual([mine.id]);
    const elsewhere = await call(chatSessionsFn, { token: owner.accessToken, query: { business_id: other.tenantId } });
    expect(elsewhere.status).toBe(404);
  });

  it("POST /api/chat-messages takes session_id and message_type", async () => {
    const owner = await registerTenant("chat-spec-message");
    const session = await newSession(owner);
    const res = await call(chatMessagesCreate, {
      method: "POST",
      token: owner.accessToken,
      body: { session_id: session.id, sender: "user", message: "A photo", message_type: "image", metadata: { n: 1 } },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.data).toMatchObject({ sessionId: session.id, messageType: "image", metadata: { n: 1 } });
  });
});
