import { randomInt } from "node:crypto";
import { and, asc, eq } from "drizzle-orm";
import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { getDb } from "../../db/client";
import { channels, contacts, conversations, events, messages } from "../../db/schema";
import * as chatFn from "../../netlify/functions/inbox-chats-id";
import * as chatMessagesFn from "../../netlify/functions/inbox-chats-id-messages";
import * as conversationFn from "../../netlify/functions/inbox-conversations-id";
import * as messagesFn from "../../netlify/functions/inbox-messages";
import { metaErrorBody, wamid } from "../../scripts/dev/fake-graph";
import { type Account, createApiKey, registerTenant, unique } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";
import { GRAPH_BUDGET_MS } from "../../services/inbox/whatsapp/graph";
import { graphBaseUrl } from "../../shared/clients/whatsapp";
import { mockGraph } from "../helpers/whatsapp-msw";

const whatsapp = mockGraph();

const HOUR = 3_600_000;

/**
 * A tenant with a WhatsApp number and a customer who wrote to it (`lastInbound` ago, a minute by
 * default): their contact, the conversation on the number and that inbound message, with its wamid.
 */
async function customerWrote(label: string, lastInbound = 60_000) {
  const { owner, graph, number } = await whatsapp.tenantWithWhatsApp(label);
  const db = await getDb();
  const waId = `1415${randomInt(1_000_000, 9_999_999)}`;
  const [contact] = await db
    .insert(contacts)
    .values({ tenantId: owner.tenantId, phoneNumber: `+${waId}`, name: "Ana" })
    .returning();
  const [conversation] = await db
    .insert(conversations)
    .values({
      tenantId: owner.tenantId,
      channelType: "whatsapp",
      channelId: number.channelId,
      contactId: contact!.id,
      unreadCount: 1,
      messageCount: 1,
    })
    .returning();
  const [inbound] = await db
    .insert(messages)
    .values({
      tenantId: owner.tenantId,
      conversationId: conversation!.id,
      channelId: number.channelId,
      direction: "inbound",
      sender: "customer",
      status: "delivered",
      text: "Where is my order?",
      platformMessageId: wamid(),
      timestamp: new Date(Date.now() - lastInbound),
    })
    .returning();
  return { owner, graph, number, waId, conversationId: conversation!.id, inbound: inbound! };
}

function send(owner: Account, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return call(messagesFn, { method: "POST", token: owner.accessToken, body, headers });
}

async function messagesOf(conversationId: string) {
  const db = await getDb();
  return db.select().from(messages).where(eq(messages.conversationId, conversationId)).orderBy(asc(messages.createdAt));
}

async function eventTypes(tenantId: string, resourceId: string) {
  const db = await getDb();
  const rows = await db
    .select({ type: events.type, status: events.payload })
    .from(events)
    .where(and(eq(events.tenantId, tenantId), eq(events.resourceId, resourceId)))
    .orderBy(asc(events.seq));
  return rows.map((row) => `${row.type} ${(row.status as { status: string }).status}`);
}

describe("sending through WhatsApp", () => {
  it("stores a text queued, sends it with the number's token and answers it sent with Meta's id", async () => {
    const { owner, graph, number, waId, conversationId } = await customerWrote("wa-send-text");
    const res = await send(owner, {
      conversationId,
      type: "TEXT",
      content: { text: "It ships today", previewUrl: true },
    });
    expect(res.status, res.text).toBe(201);
    const [accepted] = graph.outbox;
    expect(graph.sent).toEqual([
      {
        messaging_product: "whatsapp",
        recipient_type: "individual",
        to: waId,
        type: "text",
        text: { body: "It ships today", preview_url: true },
      },
    ]);
    expect(graph.requests[0]).toMatchObject({
      method: "POST",
      path: `/v23.0/${number.phoneNumberId}/messages`,
      authorization: `Bearer ${number.accessToken}`,
    });
    expect(res.body.data).toMatchObject({
      direction: "outbound",
      sender: "agent",
      status: "sent",
      platformMessageId: accepted?.id,
      channelId: number.channelId,
      errorCode: null,
    });
    expect(res.body.data.sentAt).not.toBeNull();
    expect(res.text).not.toContain(number.accessToken);
    const [, stored] = await messagesOf(conversationId);
    expect(stored).toMatchObject({ status: "sent", platformMessageId: accepted?.id });
    // Announced as it was stored, then as it moved.
    expect(await eventTypes(owner.tenantId, res.body.data.id)).toEqual(["message:new queued", "message:status sent"]);
  });

  it.each([
    {
      type: "image",
      content: { mediaUrl: "https://cdn.example.test/a.png", caption: "Your parcel" },
      meta: { type: "image", image: { link: "https://cdn.example.test/a.png", caption: "Your parcel" } },
    },
    {
      type: "video",
      content: { mediaUrl: "https://cdn.example.test/a.mp4" },
      meta: { type: "video", video: { link: "https://cdn.example.test/a.mp4" } },
    },
    {
      type: "audio",
      content: { mediaUrl: "https://cdn.example.test/a.ogg" },
      meta: { type: "audio", audio: { link: "https://cdn.example.test/a.ogg" } },
    },
    {
      type: "DOCUMENT",
      content: { mediaUrl: "https://cdn.example.test/i.pdf", caption: "Invoice", filename: "invoice-1001.pdf" },
      meta: {
        type: "document",
        document: { link: "https://cdn.example.test/i.pdf", caption: "Invoice", filename: "invoice-1001.pdf" },
      },
    },
    {
      type: "TEMPLATE",
      content: {
        name: "order_update",
        language: "en_US",
        components: [
          { type: "HEADER", parameters: [{ type: "image", image: { link: "https://cdn.example.test/h.png" } }] },
          {
            type: "body",
            parameters: [
              { type: "text", text: "Ana" },
              { type: "currency", currency: { fallback_value: "$12.50", code: "USD", amount_1000: 12_500 } },
              { type: "date_time", date_time: { fallback_value: "May 31, 2026" } },
            ],
          },
          { type: "button", sub_type: "QUICK_REPLY", index: "0", parameters: [{ type: "payload", payload: "TRACK" }] },
        ],
      },
      meta: {
        type: "template",
        template: {
          name: "order_update",
          language: { code: "en_US" },
          components: [
            { type: "header", parameters: [{ type: "image", image: { link: "https://cdn.example.test/h.png" } }] },
            {
              type: "body",
              parameters: [
                { type: "text", text: "Ana" },
                { type: "currency", currency: { fallback_value: "$12.50", code: "USD", amount_1000: 12_500 } },
                { type: "date_time", date_time: { fallback_value: "May 31, 2026" } },
              ],
            },
            {
              type: "button",
              sub_type: "quick_reply",
              index: "0",
              parameters: [{ type: "payload", payload: "TRACK" }],
            },
          ],
        },
      },
    },
  ])("sends $type as Meta's $meta.type object", async ({ type, content, meta }) => {
    const { owner, graph, waId, conversationId } = await customerWrote(`wa-send-${type}`);
    graph.addTemplates(1, () => ({ name: "order_update", language: "en_US" }));
    const res = await send(owner, { conversationId, type, content });
    expect(res.status, res.text).toBe(201);
    expect(graph.sent).toEqual([{ messaging_product: "whatsapp", recipient_type: "individual", to: waId, ...meta }]);
    expect(res.body.data).toMatchObject({ contentType: meta.type, status: "sent", payload: expect.any(Object) });
  });

  it("quotes the message replied to and reacts to a message by their wamids", async () => {
    const { owner, graph, waId, conversationId, inbound } = await customerWrote("wa-send-reply");
    const reply = await send(owner, { conversationId, text: "Today", replyToId: inbound.id });
    expect(reply.status, reply.text).toBe(201);
    const reaction = await send(owner, {
      conversationId,
      type: "reaction",
      content: { messageId: inbound.id, emoji: "👍" },
    });
    expect(reaction.status, reaction.text).toBe(201);
    expect(reaction.body.data).toMatchObject({ contentType: "reaction", text: "👍", status: "sent" });
    const base = { messaging_product: "whatsapp", recipient_type: "individual", to: waId };
    expect(graph.sent).toEqual([
      { ...base, context: { message_id: inbound.platformMessageId }, type: "text", text: { body: "Today" } },
      { ...base, type: "reaction", reaction: { message_id: inbound.platformMessageId, emoji: "👍" } },
    ]);

    // Neither may point at a message that was never on WhatsApp, or is not in the conversation.
    const note = await call(chatMessagesFn, {
      method: "POST",
      path: `/api/chats/${conversationId}/messages`,
      token: owner.accessToken,
      body: { senderType: "CUSTOMER", content: "typed in by hand" },
    });
    for (const [body, status] of [
      [{ conversationId, text: "re", replyToId: note.body.data.id }, 422],
      [{ conversationId, type: "reaction", content: { messageId: note.body.data.id, emoji: "👍" } }, 422],
      [{ conversationId, type: "reaction", content: { messageId: crypto.randomUUID(), emoji: "👍" } }, 404],
    ] as const) {
      const res = await send(owner, body);
      expect(res.status, res.text).toBe(status);
    }
    expect(graph.sent).toHaveLength(2);
  });

  it("refuses content that does not fit its type (400) or that WhatsApp cannot send (422), sending nothing", async () => {
    const { owner, graph, conversationId, inbound } = await customerWrote("wa-send-400");
    const template = { name: "order_update", language: "en_US" };
    for (const body of [
      { type: "template", content: { text: "Not a template" } },
      { type: "text", content: template },
      { type: "image", content: { text: "No link" } },
      { type: "reaction", content: { messageId: "wamid.not-ours", emoji: "👍" } },
      { type: "reaction", content: { messageId: inbound.id } },
      { type: "template", content: { ...template, name: "Order Update" } },
      { type: "template", content: { ...template, language: "English" } },
      { type: "template", content: { ...template, extra: true } },
      { type: "template", content: { ...template, components: [{ type: "footer", parameters: [] }] } },
      { type: "template", content: { ...template, components: [{ type: "button", parameters: [] }] } },
      {
        type: "template",
        content: { ...template, components: [{ type: "body", parameters: [{ type: "text", text: "" }] }] },
      },
      {
        type: "template",
        content: { ...template, components: [{ type: "body", parameters: [{ type: "location", location: {} }] }] },
      },
      { type: "text", content: { text: "x", previewUrl: "yes" } },
    ]) {
      const res = await send(owner, { conversationId, ...body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    for (const body of [
      { type: "audio", content: { mediaUrl: "https://cdn.example.test/a.ogg", caption: "Audio has none" } },
      { type: "image", content: { mediaUrl: "https://cdn.example.test/a.png", filename: "a.png" } },
      { type: "location", payload: { latitude: 38.7, longitude: -9.1 } },
      { type: "template", payload: { name: "order_update" } },
    ]) {
      const res = await send(owner, { conversationId, ...body });
      expect(res.status, JSON.stringify(body)).toBe(422);
    }
    expect(await messagesOf(conversationId)).toHaveLength(1);
    expect(graph.requests).toEqual([]);
  });

  it("sends a chat's reply (spec 002) and spec 003's `to` form the same way", async () => {
    const { owner, graph, waId, conversationId } = await customerWrote("wa-send-forms");
    const chat = await call(chatMessagesFn, {
      method: "POST",
      path: `/api/chats/${conversationId}/messages`,
      token: owner.accessToken,
      body: { content: "From the chat" },
    });
    expect(chat.status, chat.text).toBe(201);
    expect(chat.body.data).toMatchObject({ chatId: conversationId, status: "sent", content: "From the chat" });
    const to = await send(owner, { to: `+${waId}`, type: "text", content: { text: "Hello from API!" } });
    expect(to.status, to.text).toBe(201);
    expect(to.body.data).toMatchObject({ conversationId, status: "sent" });
    expect(graph.sent.map((body) => body.text.body)).toEqual(["From the chat", "Hello from API!"]);
  });

  it("refuses free-form messages 24 hours after the customer last wrote (422), stores nothing, lets templates go", async () => {
    const late = await customerWrote("wa-window", 25 * HOUR);
    late.graph.addTemplates(1, () => ({ name: "order_update", language: "en_US" }));
    for (const body of [
      { conversationId: late.conversationId, text: "Still there?" },
      { conversationId: late.conversationId, type: "image", content: { mediaUrl: "https://cdn.example.test/a.png" } },
    ]) {
      const res = await send(late.owner, body);
      expect(res.status, res.text).toBe(422);
      expect(res.body.error.code).toBe("OUTSIDE_SERVICE_WINDOW");
    }
    expect(await messagesOf(late.conversationId)).toHaveLength(1);
    expect(late.graph.requests).toEqual([]);
    const template = await send(late.owner, {
      conversationId: late.conversationId,
      type: "template",
      content: { name: "order_update", language: "en_US" },
    });
    expect(template.status, template.text).toBe(201);
    expect(template.body.data.status).toBe("sent");

    // At the edge: a minute inside the window still sends.
    const edge = await customerWrote("wa-window-edge", 24 * HOUR - 60_000);
    expect((await send(edge.owner, { conversationId: edge.conversationId, text: "Just in time" })).status).toBe(201);

    // A first message to a new number is outside any window: 422, and no contact or conversation is left behind.
    const db = await getDb();
    const stranger = `+1415${randomInt(1_000_000, 9_999_999)}`;
    const cold = await send(late.owner, { to: stranger, type: "text", content: { text: "Hi" } });
    expect(cold.body.error?.code).toBe("OUTSIDE_SERVICE_WINDOW");
    expect(await db.$count(contacts, eq(contacts.phoneNumber, stranger))).toBe(0);
    const opened = await send(late.owner, {
      to: stranger,
      type: "TEMPLATE",
      content: { name: "order_update", language: "en_US" },
    });
    expect(opened.status, opened.text).toBe(201);
    expect(late.graph.sent.at(-1)).toMatchObject({ to: stranger.slice(1), type: "template" });
  });

  it.each([
    { code: 131026, what: "an undeliverable number" },
    { code: 131047, what: "re-engagement required" },
  ])(
    "stores the message failed with Meta's error on $what, answering 502 with Graph's status and code",
    async ({ code }) => {
      const { owner, graph, waId, conversationId } = await customerWrote(`wa-refused-${code}`);
      graph.rejectRecipient(waId, code);
      const res = await send(owner, { conversationId, text: "Hello?" });
      expect(res.status, res.text).toBe(502);
      const [failed] = (await messagesOf(conversationId)).slice(1);
      expect(res.body.error).toMatchObject({
        code: "UPSTREAM_FAILED",
        details: [{ status: 400, code, messageId: failed?.id }],
      });
      expect(failed).toMatchObject({
        status: "failed",
        errorCode: String(code),
        errorTitle: metaErrorBody(code).error.message,
        errorDetails: metaErrorBody(code).error.error_data?.details,
        platformMessageId: null,
      });
      expect(failed?.failedAt).not.toBeNull();
      expect(graph.sent).toEqual([]);
      expect(res.text).not.toContain(graph.accessToken);
    },
  );

  it("answers a paused template 502 (132015), the message stored failed", async () => {
    const { owner, graph, conversationId } = await customerWrote("wa-paused");
    graph.addTemplates(1, () => ({ name: "order_update", language: "en_US", status: "PAUSED" }));
    const res = await send(owner, {
      conversationId,
      type: "template",
      content: { name: "order_update", language: "en_US" },
    });
    expect(res.status).toBe(502);
    expect(res.body.error.details[0]).toMatchObject({ status: 400, code: 132015 });
    expect((await messagesOf(conversationId)).at(-1)).toMatchObject({ status: "failed", errorCode: "132015" });
  });

  it("retries a 429 and sends", async () => {
    const { owner, graph, conversationId } = await customerWrote("wa-429");
    graph.failNext(1, 429);
    const res = await send(owner, { conversationId, text: "Eventually" });
    expect(res.status, res.text).toBe(201);
    expect(res.body.data).toMatchObject({ status: "sent", platformMessageId: graph.outbox[0]?.id });
    expect(graph.requests).toHaveLength(2);
  });

  it("gives up on a 5xx when the time budget runs out: the message failed, 502", { timeout: 20_000 }, async () => {
    const { owner, graph, conversationId } = await customerWrote("wa-5xx");
    graph.failNext(100, 500);
    const started = Date.now();
    const res = await send(owner, { conversationId, text: "Anyone?" });
    expect(Date.now() - started).toBeLessThan(GRAPH_BUDGET_MS);
    expect(res.status).toBe(502);
    expect(res.body.error.details[0]).toMatchObject({ status: 500, code: 131000 });
    expect(graph.requests.length).toBeGreaterThan(2);
    expect((await messagesOf(conversationId)).at(-1)).toMatchObject({ status: "failed", errorCode: "131000" });
  });

  it("answers inside the function's limit when Graph does not answer: the message failed, 502", {
    timeout: 20_000,
  }, async () => {
    const { owner, graph, conversationId } = await customerWrote("wa-timeout");
    graph.latencyMs = GRAPH_BUDGET_MS + 5_000;
    const started = Date.now();
    const res = await send(owner, { conversationId, text: "Hello?" });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(res.status).toBe(502);
    expect(res.body.error.details[0]).toMatchObject({ status: 503, code: null });
    expect((await messagesOf(conversationId)).at(-1)).toMatchObject({ status: "failed", errorCode: null });
  });

  it("sends once for one Idempotency-Key, concurrently and in sequence, failures included", async () => {
    const { owner, graph, waId, conversationId } = await customerWrote("wa-idempotent");
    const once = (key: string, text: string) => send(owner, { conversationId, text }, { "idempotency-key": key });

    const key = unique("key");
    const [a, b] = await Promise.all([once(key, "Once"), once(key, "Once")]);
    const later = await once(key, "Once");
    expect([a.status, b.status, later.status]).toEqual([201, 201, 201]);
    expect(new Set([a.body.data.id, b.body.data.id, later.body.data.id]).size).toBe(1);
    expect(later.headers.get("idempotent-replayed")).toBe("true");
    expect(graph.sent).toHaveLength(1);

    // A refused send keeps its failed message (the key's transaction commits it) and is answered again, unsent.
    graph.rejectRecipient(waId, 131026);
    const failedKey = unique("key");
    const refused = await once(failedKey, "Refused");
    const replayed = await once(failedKey, "Refused");
    expect([refused.status, replayed.status]).toEqual([502, 502]);
    expect(replayed.body).toEqual(refused.body);
    const sendsTried = graph.requests.filter((request) => request.body?.text?.body === "Refused");
    expect(sendsTried).toHaveLength(1);
    const stored = await messagesOf(conversationId);
    expect(stored.map((message) => [message.text, message.status])).toEqual([
      ["Where is my order?", "delivered"],
      ["Once", "sent"],
      ["Refused", "failed"],
    ]);
  });

  it("sends a chat's reply (spec 002) once for one Idempotency-Key, concurrently and in sequence", async () => {
    const { owner, graph, conversationId } = await customerWrote("wa-idempotent-chat");
    const key = unique("key");
    const once = () =>
      call(chatMessagesFn, {
        method: "POST",
        path: `/api/chats/${conversationId}/messages`,
        token: owner.accessToken,
        body: { content: "Once from the chat" },
        headers: { "idempotency-key": key },
      });
    const [a, b] = await Promise.all([once(), once()]);
    const later = await once();
    expect([a.status, b.status, later.status], a.text).toEqual([201, 201, 201]);
    expect(new Set([a.body.data.id, b.body.data.id, later.body.data.id]).size).toBe(1);
    expect(later.headers.get("idempotent-replayed")).toBe("true");
    expect(graph.sent).toHaveLength(1);
    expect(await messagesOf(conversationId)).toHaveLength(2);
  });

  it.each([
    {
      what: "a page that is not JSON",
      title: "Graph's answer could not be read (SyntaxError)",
      answer: () =>
        new HttpResponse("<html><body>Sorry, something went wrong.</body></html>", {
          headers: { "content-type": "text/html" },
        }),
    },
    {
      what: "JSON without a message id",
      title: "Graph answered no message id",
      answer: () => HttpResponse.json({ messaging_product: "whatsapp", contacts: [] }),
    },
  ])("stores the message failed and answers 502 when Graph's 2xx is $what", async ({ title, answer }) => {
    const { owner, number, conversationId } = await customerWrote("wa-2xx-unreadable");
    whatsapp.server.use(http.post(`${graphBaseUrl()}/v23.0/${number.phoneNumberId}/messages`, answer, { once: true }));
    const res = await send(owner, { conversationId, text: "Did it go?" });
    expect(res.status, res.text).toBe(502);
    const failed = (await messagesOf(conversationId)).at(-1);
    expect(res.body.error).toMatchObject({
      code: "UPSTREAM_FAILED",
      details: [{ status: 502, title, messageId: failed?.id }],
    });
    expect(failed).toMatchObject({ text: "Did it go?", status: "failed", errorTitle: title, platformMessageId: null });
    expect(await eventTypes(owner.tenantId, failed!.id)).toEqual(["message:new queued", "message:status failed"]);
  });

  it("leaves other channels, inactive numbers and inbound records unsent; another tenant's conversation is a 404", async () => {
    const { owner, graph, number, conversationId } = await customerWrote("wa-unsent");
    const intruder = await registerTenant("wa-unsent-intruder");
    const theirs = await send(intruder, { conversationId, text: "Hijack" });
    expect(theirs.status).toBe(404);
    const inbound = await send(owner, { conversationId, senderType: "CUSTOMER", text: "Typed in from a call" });
    expect(inbound.body.data).toMatchObject({ direction: "inbound", status: "delivered" });
    const db = await getDb();
    await db
      .update(conversations)
      .set({ channelId: null, channelType: "webchat" })
      .where(eq(conversations.id, conversationId));
    expect((await send(owner, { conversationId, text: "On the web" })).body.data.status).toBe("queued");
    await db.update(conversations).set({ channelId: number.channelId }).where(eq(conversations.id, conversationId));
    await db.update(channels).set({ isActive: false }).where(eq(channels.id, number.channelId));
    expect((await send(owner, { conversationId, text: "Number switched off" })).body.data.status).toBe("queued");
    expect(graph.requests).toEqual([]);

    const reader = await createApiKey(owner, ["read"]);
    const forbidden = await call(messagesFn, {
      method: "POST",
      apiKey: reader.key,
      body: { conversationId, text: "Read-only key" },
    });
    expect(forbidden.status).toBe(403);
  });
});

describe("marking read at Meta", () => {
  it("marks the latest inbound message read once a user has read the conversation, not on an API key's read", async () => {
    const { owner, graph, conversationId, inbound } = await customerWrote("wa-read");
    const reader = await createApiKey(owner, ["read"]);
    const byKey = await call(conversationFn, { path: `/api/conversations/${conversationId}`, apiKey: reader.key });
    expect(byKey.status).toBe(200);
    expect(graph.reads).toEqual([]);
    const byUser = await call(conversationFn, {
      path: `/api/conversations/${conversationId}`,
      token: owner.accessToken,
    });
    expect(byUser.status, byUser.text).toBe(200);
    expect(graph.reads).toEqual([inbound.platformMessageId]);
    expect(graph.requests.at(-1)?.body).toEqual({
      messaging_product: "whatsapp",
      status: "read",
      message_id: inbound.platformMessageId,
    });
    // Nothing unread any more: reading again sends nothing.
    await call(chatFn, { path: `/api/chats/${conversationId}`, token: owner.accessToken });
    expect(graph.reads).toHaveLength(1);
  });

  it("marks through spec 002's GET /api/chats/:id too, and a refusal at Meta is logged, not answered", async () => {
    const { owner, graph, conversationId } = await customerWrote("wa-read-chat");
    graph.failNext(1, 400, metaErrorBody(100));
    const res = await call(chatFn, { path: `/api/chats/${conversationId}`, token: owner.accessToken });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data.unreadCount).toBe(0);
    expect(graph.requests).toHaveLength(1);
    expect(graph.reads).toEqual([]);
  });
});
