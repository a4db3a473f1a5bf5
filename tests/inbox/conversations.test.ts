import { and, asc, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { databaseUrl, driverFor, getDb } from "../../db/client";
import { channels, contacts, conversations, events, messages } from "../../db/schema";
import * as chatsFn from "../../netlify/functions/inbox-chats";
import * as chatFn from "../../netlify/functions/inbox-chats-id";
import * as conversationsFn from "../../netlify/functions/inbox-conversations";
import * as conversationFn from "../../netlify/functions/inbox-conversations-id";
import * as messagesFn from "../../netlify/functions/inbox-messages";
import { type Account, addMember, createApiKey, registerTenant, unique } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";

/** A WhatsApp channel and a contact of the account's tenant, inserted directly (other routes own them). */
async function inboxOf(account: Account, contact: { name?: string; email?: string } = {}) {
  const db = await getDb();
  const [channel] = await db
    .insert(channels)
    .values({ tenantId: account.tenantId, type: "whatsapp", platformSpecificId: unique("phone-id"), name: "WA" })
    .returning();
  const [person] = await db
    .insert(contacts)
    .values({
      tenantId: account.tenantId,
      phoneNumber: `+1555${Math.floor(Math.random() * 1e7)
        .toString()
        .padStart(7, "0")}`,
      name: contact.name ?? "Ada Lovelace",
      email: contact.email ?? `${unique("ada")}@example.test`,
    })
    .returning();
  return { channel: channel as typeof channels.$inferSelect, contact: person as typeof contacts.$inferSelect };
}

async function newConversation(account: Account, body: Record<string, unknown> = { channelType: "webchat" }) {
  const res = await call(conversationsFn, { method: "POST", token: account.accessToken, body });
  expect(res.status, res.text).toBe(201);
  return res.body.data as { id: string; updatedAt: string; unreadCount: number } & Record<string, unknown>;
}

async function eventsOf(tenantId: string) {
  const db = await getDb();
  return db.select().from(events).where(eq(events.tenantId, tenantId)).orderBy(asc(events.seq));
}

const ids = (res: { body: { data: { id: string }[] } }) => res.body.data.map((item) => item.id);

describe("POST /api/conversations", () => {
  it("starts a conversation on a channel of the tenant, takes the specs' spellings, and announces it", async () => {
    const owner = await registerTenant("conv-create");
    const agent = await addMember(owner, "agent");
    const { channel, contact } = await inboxOf(owner);
    const res = await call(conversationsFn, {
      method: "POST",
      token: owner.accessToken,
      body: {
        channelId: channel.id,
        customerId: contact.id,
        assignedTo: agent.userId,
        status: "PENDING",
        tags: ["vip"],
      },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.data).toMatchObject({
      channelType: "whatsapp",
      channelId: channel.id,
      contactId: contact.id,
      assigneeId: agent.userId,
      status: "pending",
      tags: ["vip"],
      unreadCount: 0,
      messageCount: 0,
    });
    expect(res.body.data).not.toHaveProperty("tenantId");
    const [event] = await eventsOf(owner.tenantId);
    expect(event).toMatchObject({ type: "conversation:updated", resourceId: res.body.data.id, payload: res.body.data });
  });

  it("records spec 001's AI conversation records", async () => {
    const owner = await registerTenant("conv-record");
    const conversation = await newConversation(owner, {
      channel: "PHONE",
      duration: 95,
      ai_confidence: 0.8,
      handoff_suggested: true,
      outcome: "qualified",
      sentiment: "positive",
      transcript: "Agent: hello",
      timestamp: "2025-01-02T03:04:05Z",
    });
    expect(conversation).toMatchObject({
      channelType: "phone",
      durationSeconds: 95,
      aiConfidence: 0.8,
      handoffSuggested: true,
      outcome: "qualified",
      startedAt: "2025-01-02T03:04:05.000Z",
    });
  });

  it("answers 404 for another tenant's channel, contact or user, 422 for a channel of another type, and stores nothing", async () => {
    const owner = await registerTenant("conv-refs");
    const other = await registerTenant("conv-refs-other");
    const mine = await inboxOf(owner);
    const theirs = await inboxOf(other);
    for (const [body, status] of [
      [{ channelId: theirs.channel.id }, 404],
      [{ channelType: "webchat", contactId: theirs.contact.id }, 404],
      [{ channelType: "webchat", assigneeId: other.userId }, 404],
      [{ channelType: "webchat", assigneeId: crypto.randomUUID() }, 404],
      [{ channelId: mine.channel.id, channelType: "email" }, 422],
    ] as const) {
      const res = await call(conversationsFn, { method: "POST", token: owner.accessToken, body });
      expect(res.status, JSON.stringify(body)).toBe(status);
    }
    const db = await getDb();
    expect(await db.$count(conversations, eq(conversations.tenantId, owner.tenantId))).toBe(0);
    expect(await eventsOf(owner.tenantId)).toEqual([]);
  });

  it("refuses invalid bodies and a read key", async () => {
    const owner = await registerTenant("conv-400");
    for (const body of [
      {},
      { channelType: "telegram" },
      { channelType: "webchat", aiConfidence: 1.5 },
      { channelType: "webchat", status: "archived" },
      { channelType: "webchat", contactId: "nope" },
      { channelType: "webchat", extra: 1 },
    ]) {
      const res = await call(conversationsFn, { method: "POST", token: owner.accessToken, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const { key } = await createApiKey(owner, ["read"]);
    const res = await call(conversationsFn, { method: "POST", apiKey: key, body: { channelType: "webchat" } });
    expect(res.status).toBe(403);
  });
});

describe("GET /api/conversations", () => {
  it("lists most recently active first with each contact, filters, and answers in one statement", async () => {
    const owner = await registerTenant("conv-list");
    const other = await registerTenant("conv-list-other");
    const agent = await addMember(owner, "agent");
    const { channel, contact } = await inboxOf(owner, { name: "Grace Hopper", email: "grace@navy.example" });
    const withContact = await newConversation(owner, { channelId: channel.id, contactId: contact.id, tags: ["vip"] });
    const assigned = await newConversation(owner, {
      channelType: "email",
      assigneeId: agent.userId,
      subject: "Refund",
    });
    const closed = await newConversation(owner, { channelType: "webchat", status: "closed" });
    await newConversation(other, { channelType: "webchat", subject: "not yours" });

    const list = (query: Record<string, string | number> = {}) =>
      call(conversationsFn, { token: owner.accessToken, query });
    const all = await list();
    expect(all.status).toBe(200);
    expect(ids(all)).toEqual([closed.id, assigned.id, withContact.id]);
    expect(all.statements).toBe(1);
    expect(all.text).not.toContain("not yours");
    expect(all.body.data[2].contact).toEqual({
      id: contact.id,
      name: "Grace Hopper",
      phoneNumber: contact.phoneNumber,
      email: "grace@navy.example",
      avatarUrl: null,
    });
    expect(all.body.data[0].contact).toBeNull();

    expect(ids(await list({ status: "OPEN" }))).toEqual([assigned.id, withContact.id]);
    expect(ids(await list({ status: "closed,open" }))).toEqual([closed.id, assigned.id, withContact.id]);
    expect(ids(await list({ channelType: "WHATSAPP" }))).toEqual([withContact.id]);
    expect(ids(await list({ channelId: channel.id }))).toEqual([withContact.id]);
    expect(ids(await list({ assigneeId: agent.userId }))).toEqual([assigned.id]);
    expect(ids(await list({ assignedTo: agent.userId }))).toEqual([assigned.id]);
    expect(ids(await list({ unassigned: "true" }))).toEqual([closed.id, withContact.id]);
    expect(ids(await list({ tag: "vip" }))).toEqual([withContact.id]);
    expect(ids(await list({ customerId: contact.id }))).toEqual([withContact.id]);
    for (const search of ["grace", "NAVY.example", contact.phoneNumber?.slice(1, 8) ?? "", "refu"]) {
      const found = await list({ search });
      expect(found.statements).toBe(1);
      expect(ids(found), search).toEqual(search === "refu" ? [assigned.id] : [withContact.id]);
    }
    expect(ids(await list({ search: "100%_" }))).toEqual([]);
    expect(ids(await list({ from: "2999-01-01" }))).toEqual([]);
    expect(ids(await list({ to: "2999-01-01", from: "2000-01-01" }))).toHaveLength(3);

    const second = await list({ page: 2, limit: 1 });
    expect(ids(second)).toEqual([assigned.id]);
    expect(second.body.pagination).toMatchObject({ total: 3, page: 2, totalPages: 3, offset: 1, hasMore: true });
    expect(second.statements).toBe(1);

    const refused: Record<string, string | number>[] = [
      { status: "archived" },
      { unassigned: "yes" },
      { from: "yesterday" },
      { limit: 101 },
    ];
    for (const query of refused) {
      expect((await list(query)).status, JSON.stringify(query)).toBe(400);
    }
  });
});

describe("GET /api/conversations/:id", () => {
  async function withMessages(owner: Account) {
    const { channel, contact } = await inboxOf(owner);
    const conversation = await newConversation(owner, { channelId: channel.id, contactId: contact.id });
    for (const text of ["one", "two", "three"]) {
      const res = await call(messagesFn, {
        method: "POST",
        token: owner.accessToken,
        body: { conversationId: conversation.id, sender: "customer", text },
      });
      expect(res.status, res.text).toBe(201);
    }
    return { conversation, contact };
  }

  it("answers the conversation with its contact and recent messages, clears its unread count, in one statement", async () => {
    const owner = await registerTenant("conv-get");
    const { conversation, contact } = await withMessages(owner);
    const db = await getDb();
    const [before] = await db.select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(before?.unreadCount).toBe(3);

    const { key } = await createApiKey(owner, ["read"]);
    const byKey = await call(conversationFn, { path: `/api/conversations/${conversation.id}`, apiKey: key });
    expect(byKey.body.data.unreadCount).toBe(3);

    const res = await call(conversationFn, {
      path: `/api/conversations/${conversation.id}`,
      token: owner.accessToken,
      query: { messages: 2 },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.statements).toBe(1);
    expect(res.body.data).toMatchObject({ id: conversation.id, unreadCount: 0, messageCount: 3 });
    expect(res.body.data.contact).toMatchObject({ id: contact.id, name: "Ada Lovelace" });
    expect(res.body.data.messages.map((m: { text: string }) => m.text)).toEqual(["two", "three"]);
    expect(res.body.data.messages[0]).toMatchObject({ direction: "inbound", sender: "customer", status: "delivered" });
    const [after] = await db.select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(after?.unreadCount).toBe(0);
    // Reading is not activity.
    expect(after?.updatedAt).toEqual(before?.updatedAt);

    const none = await call(conversationFn, {
      path: `/api/conversations/${conversation.id}`,
      token: owner.accessToken,
      query: { messages: 0 },
    });
    expect(none.body.data.messages).toEqual([]);
    expect(none.statements).toBe(1);
  });

  // Needs a second connection: PGlite has one.
  it.skipIf(driverFor(databaseUrl()) === "pglite")(
    "clears only the unread count the reader saw: a message committed after its snapshot stays unread",
    async () => {
      const owner = await registerTenant("conv-get-race");
      const { conversation } = await withMessages(owner);
      const db = await getDb();
      const rows = async <T>(query: Promise<unknown>) => ((await query) as { rows: T[] }).rows;
      let reading: ReturnType<typeof call<{ data: { messages: unknown[] } }>> | undefined;
      await db.transaction(async (tx) => {
        // An inbound message arriving: the conversation's count raised and its row locked until commit.
        await tx
          .update(conversations)
          .set({ unreadCount: sql`${conversations.unreadCount} + 1` })
          .where(eq(conversations.id, conversation.id));
        const [writer] = await rows<{ pid: number }>(tx.execute(sql`select pg_backend_pid() as pid`));
        reading = call(conversationFn, { path: `/api/conversations/${conversation.id}`, token: owner.accessToken });
        // Commit only once the read has taken its snapshot (3 unread) and waits for the row.
        for (let tries = 0; ; tries++) {
          const [waiting] = await rows<{ n: number }>(
            db.execute(
              sql`select count(*)::int as n from pg_stat_activity where ${writer?.pid}::int = any(pg_blocking_pids(pid))`,
            ),
          );
          if ((waiting?.n ?? 0) > 0) break;
          if (tries > 200) throw new Error("the read never waited for the row");
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      });
      const res = await reading;
      expect(res?.status, res?.text).toBe(200);
      expect(res?.body.data.messages).toHaveLength(3);
      const [after] = await db.select().from(conversations).where(eq(conversations.id, conversation.id));
      expect(after?.unreadCount).toBe(1);
    },
  );

  it("answers 404 for another tenant's conversation and leaves its unread count", async () => {
    const owner = await registerTenant("conv-get-404");
    const other = await registerTenant("conv-get-404-other");
    const { conversation } = await withMessages(other);
    for (const id of [conversation.id, crypto.randomUUID()]) {
      const res = await call(conversationFn, { path: `/api/conversations/${id}`, token: owner.accessToken });
      expect(res.status).toBe(404);
      expect(res.text).not.toContain("three");
    }
    const db = await getDb();
    const [row] = await db.select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(row?.unreadCount).toBe(3);
    const bad = await call(conversationFn, {
      path: `/api/conversations/${conversation.id}`,
      token: other.accessToken,
      query: { messages: 101 },
    });
    expect(bad.status).toBe(400);
  });
});

describe("PATCH /api/conversations/:id", () => {
  it("assigns, sets status and tags in one transaction, and announces the change", async () => {
    const owner = await registerTenant("conv-patch");
    const agent = await addMember(owner, "agent");
    const conversation = await newConversation(owner);
    const res = await call(conversationFn, {
      method: "PATCH",
      path: `/api/conversations/${conversation.id}`,
      token: owner.accessToken,
      body: { assignedTo: agent.userId, status: "CLOSED", tags: ["support", "urgent"], summary: "Refunded" },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toMatchObject({
      assigneeId: agent.userId,
      status: "closed",
      tags: ["support", "urgent"],
      summary: "Refunded",
    });
    expect(new Date(res.body.data.updatedAt).getTime()).toBeGreaterThan(new Date(conversation.updatedAt).getTime());
    const announced = await eventsOf(owner.tenantId);
    expect(announced.map((event) => event.type)).toEqual(["conversation:updated", "conversation:updated"]);
    expect(announced[1]?.payload).toEqual(res.body.data);
    // update + event, plus BEGIN/COMMIT on server drivers.
    expect([2, 4]).toContain(res.statements);

    const unassigned = await call(conversationFn, {
      method: "PATCH",
      path: `/api/conversations/${conversation.id}`,
      token: owner.accessToken,
      body: { assigneeId: null },
    });
    expect(unassigned.body.data.assigneeId).toBeNull();
  });

  it("answers 404 for a user of another tenant and for another tenant's conversation, changing nothing", async () => {
    const owner = await registerTenant("conv-patch-404");
    const other = await registerTenant("conv-patch-404-other");
    const mine = await newConversation(owner);
    const theirs = await newConversation(other);
    const assignElsewhere = await call(conversationFn, {
      method: "PATCH",
      path: `/api/conversations/${mine.id}`,
      token: owner.accessToken,
      body: { assigneeId: other.userId, status: "closed" },
    });
    expect(assignElsewhere.status).toBe(404);
    const patchTheirs = await call(conversationFn, {
      method: "PATCH",
      path: `/api/conversations/${theirs.id}`,
      token: owner.accessToken,
      body: { status: "closed" },
    });
    expect(patchTheirs.status).toBe(404);
    const db = await getDb();
    const rows = await db.select().from(conversations).where(eq(conversations.id, mine.id));
    expect(rows[0]).toMatchObject({ status: "open", assigneeId: null });
    const [theirsRow] = await db.select().from(conversations).where(eq(conversations.id, theirs.id));
    expect(theirsRow?.status).toBe("open");
    expect((await eventsOf(owner.tenantId)).map((event) => event.type)).toEqual(["conversation:updated"]);
    const invalid = await call(conversationFn, {
      method: "PATCH",
      path: `/api/conversations/${mine.id}`,
      token: owner.accessToken,
      body: { status: "gone" },
    });
    expect(invalid.status).toBe(400);
  });
});

describe("DELETE /api/conversations/:id", () => {
  it("deletes the conversation and its messages for admins; others get 403, another tenant 404", async () => {
    const owner = await registerTenant("conv-delete");
    const agent = await addMember(owner, "agent");
    const other = await registerTenant("conv-delete-other");
    const conversation = await newConversation(owner);
    await call(messagesFn, {
      method: "POST",
      token: owner.accessToken,
      body: { conversationId: conversation.id, text: "bye" },
    });
    const path = `/api/conversations/${conversation.id}`;
    expect((await call(conversationFn, { method: "DELETE", path, token: agent.accessToken })).status).toBe(403);
    expect((await call(conversationFn, { method: "DELETE", path, token: other.accessToken })).status).toBe(404);
    const res = await call(conversationFn, { method: "DELETE", path, token: owner.accessToken });
    expect(res.status).toBe(204);
    const db = await getDb();
    expect(await db.$count(messages, eq(messages.conversationId, conversation.id))).toBe(0);
    expect((await call(conversationFn, { method: "DELETE", path, token: owner.accessToken })).status).toBe(404);
  });
});

describe("inbox roles", () => {
  // A sales rep's conversations are read through the sales routes, which hide other reps' prospects.
  it("refuses a sales_rep; lets a qa_supervisor read but not write, changing nothing", async () => {
    const owner = await registerTenant("conv-roles");
    const rep = await addMember(owner, "sales_rep");
    const qa = await addMember(owner, "qa_supervisor");
    const conversation = await newConversation(owner);
    const path = `/api/conversations/${conversation.id}`;

    const repList = await call(conversationsFn, { token: rep.accessToken });
    expect(repList.status).toBe(403);
    expect(repList.text).not.toContain(conversation.id);
    expect((await call(conversationFn, { path, token: rep.accessToken })).status).toBe(403);

    const qaList = await call(conversationsFn, { token: qa.accessToken });
    expect(qaList.status, qaList.text).toBe(200);
    expect(ids(qaList)).toEqual([conversation.id]);
    expect((await call(conversationFn, { path, token: qa.accessToken })).status).toBe(200);
    const qaPatch = await call(conversationFn, {
      method: "PATCH",
      path,
      token: qa.accessToken,
      body: { status: "closed" },
    });
    expect(qaPatch.status).toBe(403);
    const qaMessage = await call(messagesFn, {
      method: "POST",
      token: qa.accessToken,
      body: { conversationId: conversation.id, text: "Reviewed" },
    });
    expect(qaMessage.status).toBe(403);

    const db = await getDb();
    const [row] = await db.select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(row?.status).toBe("open");
    expect(await db.$count(messages, eq(messages.conversationId, conversation.id))).toBe(0);
  });
});

describe("/api/chats (spec 002)", () => {
  it("serves conversations under spec 002's names", async () => {
    const owner = await registerTenant("chats");
    const agent = await addMember(owner, "agent");
    const { channel, contact } = await inboxOf(owner);
    const created = await call(chatsFn, {
      method: "POST",
      token: owner.accessToken,
      body: { channelId: channel.id, customerId: contact.id, userId: agent.userId, platformChatId: "wa-chat-1" },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.data.id;
    expect(created.body.data).toMatchObject({
      chatId: id,
      customerId: contact.id,
      userId: agent.userId,
      contactId: contact.id,
      assigneeId: agent.userId,
      platformChatId: "wa-chat-1",
    });
    const list = await call(chatsFn, {
      token: owner.accessToken,
      query: { customerId: contact.id, userId: agent.userId },
    });
    expect(list.body.data.map((chat: { chatId: string }) => chat.chatId)).toEqual([id]);
    expect(list.statements).toBe(1);
    const one = await call(chatFn, { path: `/api/chats/${id}`, token: owner.accessToken });
    expect(one.body.data).toMatchObject({ chatId: id, customerId: contact.id, messages: [] });
    expect(one.statements).toBe(1);
    const updated = await call(chatFn, {
      method: "PUT",
      path: `/api/chats/${id}`,
      token: owner.accessToken,
      body: { userId: null, status: "RESOLVED" },
    });
    expect(updated.body.data).toMatchObject({ userId: null, assigneeId: null, status: "resolved" });
    const db = await getDb();
    const [row] = await db
      .select()
      .from(conversations)
      .where(and(eq(conversations.tenantId, owner.tenantId), eq(conversations.id, id)));
    expect(row?.status).toBe("resolved");
  });
});
