import { asc, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb, statementCounter } from "../../db/client";
import { channels, contacts, conversations, events, messages } from "../../db/schema";
import * as chatMessagesFn from "../../netlify/functions/inbox-chats-id-messages";
import * as conversationsFn from "../../netlify/functions/inbox-conversations";
import * as messagesFn from "../../netlify/functions/inbox-messages";
import * as messageFn from "../../netlify/functions/inbox-messages-id";
import { type Account, addMember, createApiKey, registerTenant, unique } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";
import { appendMessages, type MessageFields } from "../../services/inbox/messages";
import { AppError } from "../../shared/errors";

async function newConversation(account: Account, body: Record<string, unknown> = { channelType: "webchat" }) {
  const res = await call(conversationsFn, { method: "POST", token: account.accessToken, body });
  expect(res.status, res.text).toBe(201);
  return res.body.data as { id: string; updatedAt: string };
}

async function send(account: Account, body: Record<string, unknown>, options: { apiKey?: string } = {}) {
  return call(messagesFn, {
    method: "POST",
    ...(options.apiKey ? { apiKey: options.apiKey } : { token: account.accessToken }),
    body,
  });
}

async function conversationRow(id: string) {
  const db = await getDb();
  const [row] = await db.select().from(conversations).where(eq(conversations.id, id));
  return row;
}

async function eventsOf(tenantId: string, type?: string) {
  const db = await getDb();
  const rows = await db.select().from(events).where(eq(events.tenantId, tenantId)).orderBy(asc(events.seq));
  return rows.filter((event) => type === undefined || event.type === type);
}

const texts = (res: { body: { data: { text: string }[] } }) => res.body.data.map((message) => message.text);

describe("POST /api/messages", () => {
  it("stores an agent's message queued, moves its conversation and announces it, in one transaction", async () => {
    const owner = await registerTenant("msg-post");
    const conversation = await newConversation(owner);
    const res = await send(owner, { conversationId: conversation.id, text: "Your refund is on its way" });
    expect(res.status, res.text).toBe(201);
    expect(res.body.data).toMatchObject({
      conversationId: conversation.id,
      direction: "outbound",
      sender: "agent",
      senderUserId: owner.userId,
      senderApiKeyId: null,
      contentType: "text",
      text: "Your refund is on its way",
      status: "queued",
      sentAt: null,
    });
    // update conversation + insert message + event, plus BEGIN/COMMIT on server drivers.
    expect([3, 5]).toContain(res.statements);
    const row = await conversationRow(conversation.id);
    expect(row).toMatchObject({ messageCount: 1, unreadCount: 0 });
    expect(row?.lastMessageAt?.toISOString()).toBe(res.body.data.timestamp);
    expect(row?.updatedAt.getTime()).toBeGreaterThan(new Date(conversation.updatedAt).getTime());
    const [event] = await eventsOf(owner.tenantId, "message:new");
    expect(event).toMatchObject({ resourceType: "message", resourceId: res.body.data.id, payload: res.body.data });
  });

  it("records who sent it: the AI for ai-agent keys, the system for other keys, the customer inbound", async () => {
    const owner = await registerTenant("msg-senders");
    const conversation = await newConversation(owner);
    const ai = await createApiKey(owner, ["ai-agent"]);
    const writer = await createApiKey(owner, ["write"]);
    const byAi = await send(owner, { conversationId: conversation.id, text: "hi" }, { apiKey: ai.key });
    expect(byAi.body.data).toMatchObject({ sender: "ai", senderApiKeyId: ai.id, senderUserId: null });
    const bySystem = await send(owner, { conversationId: conversation.id, text: "hi" }, { apiKey: writer.key });
    expect(bySystem.body.data).toMatchObject({ sender: "system", senderApiKeyId: writer.id });
    const inbound = await send(owner, { conversationId: conversation.id, senderType: "CUSTOMER", text: "hello?" });
    expect(inbound.body.data).toMatchObject({
      direction: "inbound",
      sender: "customer",
      senderUserId: null,
      status: "delivered",
    });
    expect(await conversationRow(conversation.id)).toMatchObject({ messageCount: 3, unreadCount: 1 });
  });

  it("sends spec 003's { to, type, content } into the contact's open WhatsApp conversation, made when missing", async () => {
    const owner = await registerTenant("msg-to");
    const db = await getDb();
    // No phone number id yet: not a number that sends (tests/inbox/whatsapp-send.test.ts sends), so messages stay queued.
    const [channel] = await db
      .insert(channels)
      .values({ tenantId: owner.tenantId, type: "whatsapp", name: "WA" })
      .returning();
    const to = "+14155550123";
    const first = await send(owner, {
      to,
      type: "IMAGE",
      content: { mediaUrl: "https://cdn.example.test/a.png", caption: "Check this out" },
    });
    expect(first.status, first.text).toBe(201);
    expect(first.body.data).toMatchObject({
      contentType: "image",
      text: "Check this out",
      payload: { mediaUrl: "https://cdn.example.test/a.png", caption: "Check this out" },
      channelId: channel?.id,
    });
    const second = await send(owner, { to, type: "text", content: { text: "Hello from API!" } });
    expect(second.body.data.conversationId).toBe(first.body.data.conversationId);
    const [contact] = await db.select().from(contacts).where(eq(contacts.tenantId, owner.tenantId));
    expect(contact?.phoneNumber).toBe(to);
    expect(await conversationRow(first.body.data.conversationId)).toMatchObject({
      channelType: "whatsapp",
      channelId: channel?.id,
      contactId: contact?.id,
      messageCount: 2,
    });
    // A closed conversation is left alone: the next message starts a new one.
    await db.update(conversations).set({ status: "closed" }).where(eq(conversations.tenantId, owner.tenantId));
    const third = await send(owner, { to, content: "Spec 002 text" });
    expect(third.body.data.conversationId).not.toBe(first.body.data.conversationId);
    expect(third.body.data.text).toBe("Spec 002 text");
  });

  it("takes `to` as a contact's phone number is taken: spaces and dashes dropped, matching the stored contact", async () => {
    const owner = await registerTenant("msg-to-normalised");
    const db = await getDb();
    const [contact] = await db
      .insert(contacts)
      .values({ tenantId: owner.tenantId, phoneNumber: "+15551234567", name: "Stored" })
      .returning();
    const res = await send(owner, { to: "+1 555-123-4567", text: "Hello" });
    expect(res.status, res.text).toBe(201);
    expect(await db.select().from(contacts).where(eq(contacts.tenantId, owner.tenantId))).toMatchObject([
      { id: contact?.id, phoneNumber: "+15551234567", name: "Stored" },
    ]);
    expect(await conversationRow(res.body.data.conversationId)).toMatchObject({ contactId: contact?.id });
    expect((await send(owner, { to: "+1 555", text: "Hello" })).status).toBe(400);
  });

  it("answers 422 for a closed conversation and 404 for another tenant's, or a reply elsewhere, writing nothing", async () => {
    const owner = await registerTenant("msg-refused");
    const other = await registerTenant("msg-refused-other");
    const closed = await newConversation(owner, { channelType: "webchat", status: "closed" });
    const open = await newConversation(owner);
    const elsewhere = await newConversation(owner);
    const reply = await send(owner, { conversationId: elsewhere.id, text: "in another conversation" });
    const theirs = await newConversation(other);
    const theirMessage = await send(other, { conversationId: theirs.id, text: "theirs" });
    const eventsBefore = (await eventsOf(owner.tenantId)).length;
    for (const [body, status] of [
      [{ conversationId: closed.id, text: "anyone?" }, 422],
      [{ conversationId: theirs.id, text: "hijack" }, 404],
      [{ conversationId: crypto.randomUUID(), text: "nobody" }, 404],
      [{ conversationId: open.id, text: "re", replyToId: reply.body.data.id }, 404],
      [{ conversationId: open.id, text: "re", replyToId: theirMessage.body.data.id }, 404],
    ] as const) {
      const res = await send(owner, body);
      expect(res.status, JSON.stringify(body)).toBe(status);
    }
    expect(await conversationRow(open.id)).toMatchObject({ messageCount: 0, lastMessageAt: null });
    expect(await conversationRow(closed.id)).toMatchObject({ messageCount: 0 });
    expect(await conversationRow(theirs.id)).toMatchObject({ messageCount: 1 });
    expect(await eventsOf(owner.tenantId)).toHaveLength(eventsBefore);

    const replied = await send(owner, { conversationId: elsewhere.id, text: "re", replyToId: reply.body.data.id });
    expect(replied.body.data.replyToId).toBe(reply.body.data.id);
  });

  it("refuses invalid bodies", async () => {
    const owner = await registerTenant("msg-400");
    const conversation = await newConversation(owner);
    const base = { conversationId: conversation.id };
    for (const body of [
      { text: "no conversation" },
      { ...base, to: "+14155550123", text: "both" },
      { ...base },
      { ...base, text: "x", content: { text: "y" } },
      { ...base, content: { caption: "no media" } },
      { ...base, content: { mediaUrl: "javascript:alert(1)" } },
      { to: "555-0123", text: "not E.164" },
      { ...base, text: "x", sender: "bot" },
      { ...base, text: "x", contentType: "gif" },
      { ...base, text: "x".repeat(10_001) },
      { ...base, text: "x", extra: true },
    ]) {
      const res = await send(owner, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });

  it("answers a retry with the same Idempotency-Key with the first response and one row", async () => {
    const owner = await registerTenant("msg-idem");
    const conversation = await newConversation(owner);
    const request = {
      method: "POST",
      token: owner.accessToken,
      headers: { "idempotency-key": unique("key") },
      body: { conversationId: conversation.id, text: "once" },
    };
    const first = await call(messagesFn, request);
    const again = await call(messagesFn, request);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.data.id).toBe(first.body.data.id);
    const db = await getDb();
    expect(await db.$count(messages, eq(messages.conversationId, conversation.id))).toBe(1);
  });
});

describe("GET /api/messages", () => {
  async function history(owner: Account, count: number) {
    const conversation = await newConversation(owner);
    const db = await getDb();
    // Microseconds apart, two at each instant: the order must hold ties and what a JS Date cannot tell apart.
    await db.execute(sql`
      insert into ${messages} (tenant_id, conversation_id, direction, sender, text, status, timestamp)
      select ${owner.tenantId}::uuid, ${conversation.id}::uuid,
        case when i % 2 = 0 then 'inbound' else 'outbound' end,
        case when i % 2 = 0 then 'customer' else 'agent' end,
        'm' || i, case when i % 3 = 0 then 'read' else 'delivered' end,
        timestamptz '2026-01-01 00:00:00+00' + make_interval(secs => (i / 2) * 0.000001)
      from generate_series(1, ${count}) as i`);
    await db.update(conversations).set({ messageCount: count }).where(eq(conversations.id, conversation.id));
    return conversation;
  }

  it("pages a conversation newest first in one statement; before/after a message equal the offset pages", async () => {
    const owner = await registerTenant("msg-list");
    const conversation = await history(owner, 9);
    const list = (query: Record<string, string | number>) =>
      call(messagesFn, { token: owner.accessToken, query: { conversationId: conversation.id, ...query } });
    const whole = await list({ limit: 100 });
    expect(whole.statements).toBe(1);
    expect(whole.body.pagination).toMatchObject({ total: 9, totalIsExact: true, hasMore: false });
    const newestFirst = whole.body.data.map((message: { id: string }) => message.id);
    expect(newestFirst).toHaveLength(9);

    // Scrolling back: each page `before` the last message seen is the next offset page.
    const walked: string[] = [];
    let before: string | undefined;
    do {
      const page = await list({ limit: 2, ...(before ? { before } : {}) });
      expect(page.status, page.text).toBe(200);
      expect(page.statements).toBe(1);
      const offsetPage = await list({ limit: 2, offset: walked.length });
      const pageIds = page.body.data.map((message: { id: string }) => message.id);
      expect(pageIds).toEqual(offsetPage.body.data.map((message: { id: string }) => message.id));
      walked.push(...pageIds);
      before = pageIds.at(-1);
    } while (walked.length < 9);
    expect(walked).toEqual(newestFirst);
    expect((await list({ before: newestFirst.at(-1) })).body.data).toEqual([]);

    // Catching up: `after` a message, oldest first.
    const oldestFirst = [...newestFirst].reverse();
    const after = await list({ after: oldestFirst[2], limit: 3 });
    expect(after.body.data.map((message: { id: string }) => message.id)).toEqual(oldestFirst.slice(3, 6));
    expect(after.statements).toBe(1);
    expect((await list({ order: "asc", limit: 100 })).body.data.map((m: { id: string }) => m.id)).toEqual(oldestFirst);

    expect(texts(await list({ direction: "INBOUND", status: "read" }))).toEqual(["m6"]);
    expect((await list({ sender: "agent" })).body.pagination.total).toBe(5);
    expect((await list({ from: "2027-01-01" })).body.data).toEqual([]);
  });

  it("answers 404 for an unknown message to page from, another tenant's conversation, and refuses bad queries", async () => {
    const owner = await registerTenant("msg-list-404");
    const other = await registerTenant("msg-list-404-other");
    const mine = await history(owner, 2);
    const theirs = await history(other, 2);
    const [theirMessage] = await (await getDb()).select().from(messages).where(eq(messages.conversationId, theirs.id));
    const list = (query: Record<string, string>) => call(messagesFn, { token: owner.accessToken, query });
    expect((await list({ conversationId: theirs.id })).status).toBe(404);
    expect((await list({ conversationId: mine.id, before: theirMessage?.id as string })).status).toBe(404);
    expect((await list({ before: crypto.randomUUID() })).status).toBe(404);
    const tenantWide = await list({});
    expect(texts(tenantWide).sort()).toEqual(["m1", "m2"]);
    expect(tenantWide.statements).toBe(1);
    const refused: Record<string, string>[] = [
      { before: mine.id, after: mine.id },
      { before: mine.id, order: "asc" },
      { status: "lost" },
      { direction: "sideways" },
    ];
    for (const query of refused) {
      expect((await list(query)).status, JSON.stringify(query)).toBe(400);
    }
  });
});

describe("GET, PUT and DELETE /api/messages/:id", () => {
  it("reads one message in one statement; another tenant's is a 404", async () => {
    const owner = await registerTenant("msg-get");
    const other = await registerTenant("msg-get-other");
    const conversation = await newConversation(owner);
    const sent = await send(owner, { conversationId: conversation.id, text: "secret words" });
    const path = `/api/messages/${sent.body.data.id}`;
    const res = await call(messageFn, { path, token: owner.accessToken });
    expect(res.body.data).toEqual(sent.body.data);
    expect(res.statements).toBe(1);
    const denied = await call(messageFn, { path, token: other.accessToken });
    expect(denied.status).toBe(404);
    expect(denied.text).not.toContain("secret words");
  });

  it("moves delivery forward only, stamping each step, and announces each change", async () => {
    const owner = await registerTenant("msg-status");
    const conversation = await newConversation(owner);
    const sent = await send(owner, { conversationId: conversation.id, text: "hi" });
    const path = `/api/messages/${sent.body.data.id}`;
    const put = (body: Record<string, unknown>) =>
      call(messageFn, { method: "PUT", path, token: owner.accessToken, body });

    const delivered = await put({ status: "DELIVERED", platformMessageId: "wamid.1" });
    expect(delivered.status, delivered.text).toBe(200);
    expect(delivered.body.data).toMatchObject({ status: "delivered", platformMessageId: "wamid.1" });
    expect(delivered.body.data.sentAt).not.toBeNull();
    expect(delivered.body.data.deliveredAt).not.toBeNull();
    expect(delivered.body.data.readAt).toBeNull();

    const back = await put({ status: "sent" });
    expect(back.status).toBe(422);
    expect(back.body.error.details[0].allowed).toEqual(["read"]);
    expect((await put({ status: "failed", errorCode: "131047" })).status).toBe(422);

    const edited = await put({ status: "delivered", metadata: { edited: true } });
    expect(edited.body.data).toMatchObject({ status: "delivered", metadata: { edited: true } });
    const read = await put({ status: "read" });
    expect(read.body.data.readAt).not.toBeNull();
    expect(read.body.data.deliveredAt).toBe(delivered.body.data.deliveredAt);

    const statusEvents = await eventsOf(owner.tenantId, "message:status");
    expect(statusEvents.map((event) => (event.payload as { status: string }).status)).toEqual(["delivered", "read"]);
    expect(statusEvents[1]?.payload).toEqual(read.body.data);
  });

  it("announces only a move: the same status again changes the fields given and keeps the steps' times", async () => {
    const owner = await registerTenant("msg-status-same");
    const conversation = await newConversation(owner);
    const sent = await send(owner, { conversationId: conversation.id, text: "hi" });
    const path = `/api/messages/${sent.body.data.id}`;
    const put = (body: Record<string, unknown>) =>
      call(messageFn, { method: "PUT", path, token: owner.accessToken, body });
    const delivered = await put({ status: "delivered" });
    expect(delivered.status, delivered.text).toBe(200);
    const again = await put({ status: "delivered", text: "edited" });
    expect(again.status, again.text).toBe(200);
    expect(again.body.data).toMatchObject({
      status: "delivered",
      text: "edited",
      sentAt: delivered.body.data.sentAt,
      deliveredAt: delivered.body.data.deliveredAt,
      readAt: null,
    });
    expect(again.body.data).not.toHaveProperty("statusBefore");
    const statusEvents = await eventsOf(owner.tenantId, "message:status");
    expect(statusEvents.map((event) => (event.payload as { status: string }).status)).toEqual(["delivered"]);
    expect(statusEvents[0]?.payload).not.toHaveProperty("statusBefore");
    expect((await put({ status: "queued" })).status).toBe(422);
    const unknown = await call(messageFn, {
      method: "PUT",
      path: `/api/messages/${crypto.randomUUID()}`,
      token: owner.accessToken,
      body: { status: "read" },
    });
    expect(unknown.status).toBe(404);
  });

  it("records a failure with its error fields; error fields alone are a 400; another tenant's message a 404", async () => {
    const owner = await registerTenant("msg-failed");
    const other = await registerTenant("msg-failed-other");
    const conversation = await newConversation(owner);
    const sent = await send(owner, { conversationId: conversation.id, text: "hi" });
    const path = `/api/messages/${sent.body.data.id}`;
    expect(
      (await call(messageFn, { method: "PUT", path, token: owner.accessToken, body: { errorCode: "1" } })).status,
    ).toBe(400);
    const denied = await call(messageFn, { method: "PUT", path, token: other.accessToken, body: { status: "read" } });
    expect(denied.status).toBe(404);
    const failed = await call(messageFn, {
      method: "PUT",
      path,
      token: owner.accessToken,
      body: { status: "failed", errorCode: "131047", errorTitle: "Re-engagement message", errorDetails: "24h window" },
    });
    expect(failed.body.data).toMatchObject({
      status: "failed",
      errorCode: "131047",
      errorTitle: "Re-engagement message",
    });
    expect(failed.body.data.failedAt).not.toBeNull();
    const after = await call(messageFn, { method: "PUT", path, token: owner.accessToken, body: { status: "sent" } });
    expect(after.status).toBe(422);
  });

  it("deletes a message for admins and counts it off its conversation; others get 403 or 404", async () => {
    const owner = await registerTenant("msg-delete");
    const agent = await addMember(owner, "agent");
    const other = await registerTenant("msg-delete-other");
    const conversation = await newConversation(owner);
    const sent = await send(owner, { conversationId: conversation.id, text: "oops" });
    await send(owner, { conversationId: conversation.id, text: "kept" });
    const before = await conversationRow(conversation.id);
    const path = `/api/messages/${sent.body.data.id}`;
    expect((await call(messageFn, { method: "DELETE", path, token: agent.accessToken })).status).toBe(403);
    expect((await call(messageFn, { method: "DELETE", path, token: other.accessToken })).status).toBe(404);
    const res = await call(messageFn, { method: "DELETE", path, token: owner.accessToken });
    expect(res.status).toBe(204);
    expect(res.statements).toBe(1);
    const after = await conversationRow(conversation.id);
    expect(after).toMatchObject({ messageCount: 1, updatedAt: before?.updatedAt });
    expect((await call(messageFn, { method: "DELETE", path, token: owner.accessToken })).status).toBe(404);
  });
});

describe("DELETE /api/messages/:id and the unread count", () => {
  it("takes a deleted inbound message off the unread count too (never below 0); an outbound one leaves it", async () => {
    const owner = await registerTenant("msg-delete-unread");
    const conversation = await newConversation(owner);
    const inbound = [];
    for (const text of ["one", "two"]) {
      const res = await send(owner, { conversationId: conversation.id, sender: "customer", text });
      expect(res.status, res.text).toBe(201);
      inbound.push(res.body.data.id as string);
    }
    const reply = await send(owner, { conversationId: conversation.id, text: "reply" });
    expect(await conversationRow(conversation.id)).toMatchObject({ messageCount: 3, unreadCount: 2 });
    const remove = (id: string) =>
      call(messageFn, { method: "DELETE", path: `/api/messages/${id}`, token: owner.accessToken });

    expect((await remove(reply.body.data.id)).status).toBe(204);
    expect(await conversationRow(conversation.id)).toMatchObject({ messageCount: 2, unreadCount: 2 });
    expect((await remove(inbound[0] as string)).status).toBe(204);
    expect(await conversationRow(conversation.id)).toMatchObject({ messageCount: 1, unreadCount: 1 });
    const db = await getDb();
    // Read by the staff meanwhile: the count is 0 and stays there.
    await db.update(conversations).set({ unreadCount: 0 }).where(eq(conversations.id, conversation.id));
    expect((await remove(inbound[1] as string)).status).toBe(204);
    expect(await conversationRow(conversation.id)).toMatchObject({ messageCount: 0, unreadCount: 0 });
  });
});

describe("/api/chats/:id/messages (spec 002)", () => {
  it("adds and lists a chat's messages under spec 002's names", async () => {
    const owner = await registerTenant("chat-msgs");
    const other = await registerTenant("chat-msgs-other");
    const conversation = await newConversation(owner);
    const path = `/api/chats/${conversation.id}/messages`;
    const posted = await call(chatMessagesFn, {
      method: "POST",
      path,
      token: owner.accessToken,
      body: { senderType: "CUSTOMER", contentType: "TEXT", content: "Where is my order?" },
    });
    expect(posted.status, posted.text).toBe(201);
    expect(posted.body.data).toMatchObject({
      messageId: posted.body.data.id,
      chatId: conversation.id,
      senderType: "customer",
      content: "Where is my order?",
      direction: "inbound",
    });
    const list = await call(chatMessagesFn, { path, token: owner.accessToken });
    expect(list.body.data.map((message: { content: string }) => message.content)).toEqual(["Where is my order?"]);
    expect(list.statements).toBe(1);
    expect((await call(chatMessagesFn, { path, token: other.accessToken })).status).toBe(404);
    const hijack = await call(chatMessagesFn, {
      method: "POST",
      path,
      token: other.accessToken,
      body: { content: "x" },
    });
    expect(hijack.status).toBe(404);
    expect(await conversationRow(conversation.id)).toMatchObject({ messageCount: 1 });
  });
});

describe("appendMessages (a batch)", () => {
  const at = (seconds: number) => new Date(Date.UTC(2030, 0, 1, 0, 0, seconds));

  it("stores the messages in the order given, moves the counters once and announces each, in three statements", async () => {
    const owner = await registerTenant("msg-batch");
    const conversation = await newConversation(owner);
    const earlier = await send(owner, { conversationId: conversation.id, text: "Earlier" });
    const eventsBefore = (await eventsOf(owner.tenantId)).length;
    const batch: MessageFields[] = [
      { sender: "customer", status: "delivered", contentType: "text", text: "one", timestamp: at(1) },
      { sender: "ai", status: "read", contentType: "text", text: "two", timestamp: at(3) },
      {
        sender: "customer",
        status: "delivered",
        contentType: "text",
        text: "three",
        timestamp: at(2),
        replyToId: earlier.body.data.id,
      },
    ];
    const db = await getDb();
    const { stored, statements } = await db.transaction(async (tx) => {
      const before = statementCounter.count;
      const stored = await appendMessages(tx, owner.tenantId, conversation.id, batch);
      return { stored, statements: statementCounter.count - before };
    });
    expect(statements).toBe(3);
    expect(stored.map(({ text, direction, timestamp }) => ({ text, direction, timestamp }))).toEqual([
      { text: "one", direction: "inbound", timestamp: at(1) },
      { text: "two", direction: "outbound", timestamp: at(3) },
      { text: "three", direction: "inbound", timestamp: at(2) },
    ]);
    // Each message's steps are stamped at its own time; a reply resolves to the message replied to.
    expect(stored[1]).toMatchObject({ sentAt: at(3), deliveredAt: at(3), readAt: at(3) });
    expect(stored[2]?.replyToId).toBe(earlier.body.data.id);
    const rows = await db.select().from(messages).where(eq(messages.conversationId, conversation.id));
    expect(rows.map((row) => row.id).sort()).toEqual([earlier.body.data.id, ...stored.map((m) => m.id)].sort());
    // Counted once for the batch: three more messages, two inbound; the last activity is the latest time, not the last given.
    const row = await conversationRow(conversation.id);
    expect(row).toMatchObject({ messageCount: 4, unreadCount: 2 });
    expect(row?.lastMessageAt).toEqual(at(3));
    const announced = (await eventsOf(owner.tenantId)).slice(eventsBefore);
    expect(announced.map(({ type, resourceType, resourceId }) => ({ type, resourceType, resourceId }))).toEqual(
      stored.map((message) => ({ type: "message:new", resourceType: "message", resourceId: message.id })),
    );
    expect(announced.map((event) => event.payload)).toEqual(JSON.parse(JSON.stringify(stored)));
  });

  it("writes nothing for a closed conversation, another tenant's or a reply elsewhere; an empty batch sends nothing", async () => {
    const owner = await registerTenant("msg-batch-refused");
    const other = await registerTenant("msg-batch-refused-other");
    const open = await newConversation(owner);
    const closed = await newConversation(owner, { channelType: "webchat", status: "closed" });
    const elsewhere = await send(owner, { conversationId: (await newConversation(owner)).id, text: "elsewhere" });
    const theirs = await newConversation(other);
    const eventsBefore = (await eventsOf(owner.tenantId)).length;
    const line = (text: string, fields: Partial<MessageFields> = {}): MessageFields => ({
      sender: "customer",
      status: "delivered",
      contentType: "text",
      text,
      ...fields,
    });
    const db = await getDb();
    const append = (conversationId: string, batch: MessageFields[]) =>
      db
        .transaction((tx) => appendMessages(tx, owner.tenantId, conversationId, batch))
        .then(
          () => 201,
          (error) => (error instanceof AppError ? error.status : 500),
        );
    expect(await append(closed.id, [line("a"), line("b")])).toBe(422);
    expect(await append(theirs.id, [line("a")])).toBe(404);
    expect(await append(open.id, [line("a"), line("re", { replyToId: elsewhere.body.data.id })])).toBe(404);
    expect(await conversationRow(open.id)).toMatchObject({ messageCount: 0, unreadCount: 0, lastMessageAt: null });
    expect(await conversationRow(theirs.id)).toMatchObject({ messageCount: 0 });
    expect(await db.$count(messages, eq(messages.conversationId, open.id))).toBe(0);
    expect(await eventsOf(owner.tenantId)).toHaveLength(eventsBefore);

    const before = statementCounter.count;
    expect(await appendMessages(db, owner.tenantId, open.id, [])).toEqual([]);
    expect(statementCounter.count).toBe(before);
  });
});
