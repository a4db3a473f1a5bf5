import { and, asc, eq, sql } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { getDb } from "../../db/client";
import {
  channels,
  contactIdentities,
  contacts,
  conversations,
  events,
  messages,
  tenants,
  webhookEvents,
  whatsappTemplates,
} from "../../db/schema";
import * as contactFn from "../../netlify/functions/inbox-contacts-id";
import * as webhookFn from "../../netlify/functions/inbox-webhook";
import * as retryFn from "../../netlify/functions/inbox-webhook-retry";
import { graphId, wamid } from "../../scripts/dev/fake-graph";
import { type Account, registerTenant, unique } from "../../scripts/dev/fixtures";
import type { ConfiguredNumber } from "../../scripts/dev/graph-server";
import { call } from "../../scripts/dev/http";
import {
  combine,
  envelope,
  type InboundOptions,
  inboundMessage,
  type MetaWebhookBody,
  messagesChange,
  metaJson,
  signedWebhook,
  statusUpdate,
  templateQualityUpdate,
  templateStatusUpdate,
  type WebhookNumber,
} from "../../scripts/dev/meta-webhooks";
import { insertConversation } from "../../services/inbox/conversations";
import { appendMessage } from "../../services/inbox/messages";
import { processWebhookEvent } from "../../services/inbox/whatsapp/webhook";
import { WEBHOOK_MAX_ATTEMPTS, webhookRetry } from "../../services/inbox/whatsapp/webhook-retry";
import { mockGraph } from "../helpers/whatsapp-msw";

const META_APP_SECRET = "deployment-meta-app-secret";
const META_VERIFY_TOKEN = "deployment-verify-token";
process.env.META_APP_SECRET = META_APP_SECRET;
process.env.META_VERIFY_TOKEN = META_VERIFY_TOKEN;

const whatsapp = mockGraph();

type Db = Awaited<ReturnType<typeof getDb>>;

/** POSTs exactly `rawBody` with these headers. */
const post = (rawBody: string, headers: Record<string, string>) =>
  call(webhookFn, { method: "POST", rawBody, headers });

/** Delivers a body as Meta would, signed with `secret`. */
function deliver(body: MetaWebhookBody | string, secret: string) {
  const { rawBody, headers } = signedWebhook(body, secret);
  return post(rawBody, headers);
}

async function deliverOk(body: MetaWebhookBody | string, secret: string) {
  const res = await deliver(body, secret);
  expect(res.status, res.text).toBe(200);
  return res.body.data as { received: true; eventId: string; status: string };
}

async function eventRow(id: string) {
  const db = await getDb();
  const [row] = await db.select().from(webhookEvents).where(eq(webhookEvents.id, id));
  return row;
}

/** Stored events whose raw body contains `marker` (a wamid or id unique to the test). */
async function eventsMentioning(marker: string) {
  const db = await getDb();
  return db.select().from(webhookEvents).where(sql`strpos(${webhookEvents.rawBody}, ${marker}) > 0`);
}

async function messagesOf(tenantId: string) {
  const db = await getDb();
  return db
    .select()
    .from(messages)
    .where(eq(messages.tenantId, tenantId))
    .orderBy(asc(messages.timestamp), asc(messages.id));
}

async function messageByWamid(tenantId: string, platformMessageId: string) {
  const db = await getDb();
  const [row] = await db
    .select()
    .from(messages)
    .where(and(eq(messages.tenantId, tenantId), eq(messages.platformMessageId, platformMessageId)));
  return row;
}

async function feedOf(tenantId: string, type?: string) {
  const db = await getDb();
  const rows = await db.select().from(events).where(eq(events.tenantId, tenantId)).orderBy(asc(events.seq));
  return rows.filter((event) => type === undefined || event.type === type);
}

const customer = () => `1415${Math.floor(1e6 + Math.random() * 8.99e6)}`;

/** A tenant whose first WhatsApp number (its own app secret and verify token) is a fake Graph account's. */
const whatsappTenant = (label: string) => whatsapp.tenantWithWhatsApp(label);

/** A WhatsApp number without an app secret of its own: its webhooks are signed with META_APP_SECRET. */
async function numberOnDeploymentSecret(owner: Account): Promise<WebhookNumber & { channelId: string }> {
  const db = await getDb();
  const phoneNumberId = graphId(15);
  const businessAccountId = graphId(15);
  const [channel] = await db
    .insert(channels)
    .values({
      tenantId: owner.tenantId,
      type: "whatsapp",
      name: "Shared app number",
      platformSpecificId: phoneNumberId,
      accountId: businessAccountId,
    })
    .returning({ id: channels.id });
  return { phoneNumberId, businessAccountId, channelId: channel!.id };
}

/** An outbound message of the number, as sending stores it (queued, its wamid known). */
async function outboundMessage(db: Db, owner: Account, number: { channelId: string }, platformMessageId = wamid()) {
  return db.transaction(async (tx) => {
    const conversation = await insertConversation(tx, owner.tenantId, {
      channelType: "whatsapp",
      channelId: number.channelId,
    });
    return appendMessage(tx, owner.tenantId, conversation.id, {
      sender: "agent",
      status: "queued",
      contentType: "text",
      text: "Your order has shipped",
      platformMessageId,
    });
  });
}

describe("GET /api/webhook (verification)", () => {
  const verify = (query: Record<string, string>) => call(webhookFn, { query });

  it("answers the challenge as plain text for META_VERIFY_TOKEN and for a channel's verify token", async () => {
    const { number } = await whatsappTenant("wa-verify");
    for (const token of [META_VERIFY_TOKEN, number.verifyToken]) {
      const res = await verify({ "hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "1158201444" });
      expect(res.status, res.text).toBe(200);
      expect(res.text).toBe("1158201444");
      expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    }
  });

  it("refuses a wrong token or another mode with 403, and missing parameters with 400", async () => {
    const { number } = await whatsappTenant("wa-verify-no");
    const wrong = await verify({ "hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "echo-7731" });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe("FORBIDDEN");
    expect(wrong.text).not.toContain("echo-7731");
    const mode = await verify({
      "hub.mode": "unsubscribe",
      "hub.verify_token": number.verifyToken,
      "hub.challenge": "1",
    });
    expect(mode.status).toBe(403);
    // A token that is a prefix of the real one is no match.
    const prefix = await verify({
      "hub.mode": "subscribe",
      "hub.verify_token": META_VERIFY_TOKEN.slice(0, -1),
      "hub.challenge": "1",
    });
    expect(prefix.status).toBe(403);
    const missing = await verify({ "hub.mode": "subscribe", "hub.challenge": "1" });
    expect(missing.status).toBe(400);
    expect((await verify({})).status).toBe(400);
  });
});

describe("POST /api/webhook: signatures and routing", () => {
  it("stores a body signed with the number's app secret, answers 200 at once and processes it", async () => {
    const { owner, number } = await whatsappTenant("wa-signed");
    const id = wamid();
    const res = await deliver(inboundMessage(number, { from: customer(), id, text: "Hi" }), number.appSecret);
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toMatchObject({ received: true, status: "pending" });
    const row = await eventRow(res.body.data.eventId);
    expect(row).toMatchObject({
      provider: "whatsapp",
      status: "processed",
      attempts: 1,
      tenantIds: [owner.tenantId],
      lastError: null,
    });
    expect(row?.processedAt).toBeInstanceOf(Date);
    expect(await messageByWamid(owner.tenantId, id)).toMatchObject({ text: "Hi", direction: "inbound" });
  });

  it("refuses a missing, forged or re-serialised signature, or another tenant's secret, with 401 and stores nothing", async () => {
    const { number } = await whatsappTenant("wa-forged");
    const other = await whatsappTenant("wa-forged-other");
    const id = wamid();
    // Non-ASCII text: Meta signs its escaped serialisation, which JSON.stringify does not reproduce.
    const body = inboundMessage(number, { from: customer(), id, text: "Olá, já chegou? 👋" });
    const signed = signedWebhook(body, number.appSecret);
    const attempts = [
      post(signed.rawBody, { "content-type": "application/json" }),
      post(signed.rawBody, { ...signed.headers, "x-hub-signature-256": `sha256=${"0".repeat(64)}` }),
      post(signed.rawBody, { ...signed.headers, "x-hub-signature-256": "md5=abc" }),
      post(JSON.stringify(JSON.parse(signed.rawBody)), signed.headers),
      deliver(body, other.number.appSecret),
      deliver(body, META_APP_SECRET),
      deliver(body, "not-anyones-secret"),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status, res.text).toBe(401);
      expect(res.body.error.code).toBe("UNAUTHORIZED");
    }
    expect(metaJson(body)).not.toBe(JSON.stringify(body));
    expect(await eventsMentioning(id)).toEqual([]);
  });

  it("lets one tenant's secret reach only its own number in a body that names another tenant's too", async () => {
    const a = await whatsappTenant("wa-mixed-a");
    const b = await whatsappTenant("wa-mixed-b");
    const [idA, idB] = [wamid(), wamid()];
    const body = combine(
      inboundMessage(a.number, { from: customer(), id: idA, text: "for A" }),
      inboundMessage(b.number, { from: customer(), id: idB, text: "forged for B" }),
    );
    const receipt = await deliverOk(body, a.number.appSecret);
    expect((await eventRow(receipt.eventId))?.tenantIds).toEqual([a.owner.tenantId]);
    expect(await messageByWamid(a.owner.tenantId, idA)).toBeDefined();
    expect(await messagesOf(b.owner.tenantId)).toEqual([]);
  });

  it("reaches a tenant with two numbers only when each change is signed with its number's secret", async () => {
    const { owner, graph: account, number: first } = await whatsappTenant("wa-two-numbers");
    const second = await whatsapp.addNumber(owner, account);
    expect(second.appSecret).not.toBe(first.appSecret);
    const own = wamid();
    await deliverOk(inboundMessage(second, { from: customer(), id: own }), second.appSecret);
    expect((await messageByWamid(owner.tenantId, own))?.channelId).toBe(second.channelId);
    // The first number's secret cannot speak for the second number.
    const [forFirst, forSecond] = [wamid(), wamid()];
    const both = combine(
      inboundMessage(first, { from: customer(), id: forFirst }),
      inboundMessage(second, { from: customer(), id: forSecond }),
    );
    expect((await deliver(both, first.appSecret)).status).toBe(401);
    expect(await eventsMentioning(forSecond)).toEqual([]);
    // An account's change is signed for the account by either of its numbers' secrets.
    const db = await getDb();
    const [template] = await db
      .insert(whatsappTemplates)
      .values({
        tenantId: owner.tenantId,
        businessAccountId: first.businessAccountId,
        metaTemplateId: graphId(12),
        name: "welcome",
        language: "en_US",
        category: "utility",
        status: "pending",
        components: [],
      })
      .returning();
    await deliverOk(
      templateStatusUpdate(first.businessAccountId, {
        templateId: template!.metaTemplateId,
        name: "welcome",
        language: "en_US",
        event: "APPROVED",
      }),
      second.appSecret,
    );
    const [approved] = await db.select().from(whatsappTemplates).where(eq(whatsappTemplates.id, template!.id));
    expect(approved?.status).toBe("approved");
  });

  it("verifies a number without an app secret of its own with META_APP_SECRET", async () => {
    const owner = await registerTenant("wa-deployment-secret");
    const number = await numberOnDeploymentSecret(owner);
    const id = wamid();
    const body = inboundMessage(number, { from: customer(), id });
    expect((await deliver(body, "some-other-app-secret")).status).toBe(401);
    await deliverOk(body, META_APP_SECRET);
    expect(await messageByWamid(owner.tenantId, id)).toMatchObject({ channelId: number.channelId });
  });

  it("keeps an event for an unknown number or account, signed with META_APP_SECRET, as unroutable (200)", async () => {
    const stranger = { phoneNumberId: graphId(15), businessAccountId: graphId(15) };
    const id = wamid();
    const message = await deliverOk(inboundMessage(stranger, { from: customer(), id }), META_APP_SECRET);
    expect(message.status).toBe("unroutable");
    const templateId = graphId(12);
    const template = await deliverOk(
      templateStatusUpdate(stranger.businessAccountId, { templateId, name: "x", language: "en", event: "APPROVED" }),
      META_APP_SECRET,
    );
    expect(template.status).toBe("unroutable");
    for (const receipt of [message, template]) {
      expect(await eventRow(receipt.eventId)).toMatchObject({ status: "unroutable", tenantIds: [], attempts: 0 });
    }
    // Unroutable is final: processing it again changes nothing.
    expect(await processWebhookEvent(await getDb(), message.eventId)).toMatchObject({ status: "unroutable" });
    // Unsigned by anything Frontdesk knows: refused, not kept.
    const forged = wamid();
    expect((await deliver(inboundMessage(stranger, { from: customer(), id: forged }), "random")).status).toBe(401);
    expect(await eventsMentioning(forged)).toEqual([]);
  });

  it("keeps a message to a number no tenant has as unroutable when a number of its account signs it", async () => {
    const { owner, number } = await whatsappTenant("wa-deleted-number");
    // A number the tenant deleted, in the same business account, still on the tenant's own Meta app.
    const deleted = { phoneNumberId: graphId(15), businessAccountId: number.businessAccountId };
    const id = wamid();
    const receipt = await deliverOk(inboundMessage(deleted, { from: customer(), id }), number.appSecret);
    expect(receipt.status).toBe("unroutable");
    expect(await eventRow(receipt.eventId)).toMatchObject({ status: "unroutable", tenantIds: [] });
    expect(await messagesOf(owner.tenantId)).toEqual([]);
    // In an account none of whose numbers that secret is: still a 401.
    const elsewhere = { phoneNumberId: graphId(15), businessAccountId: graphId(15) };
    const forged = wamid();
    expect((await deliver(inboundMessage(elsewhere, { from: customer(), id: forged }), number.appSecret)).status).toBe(
      401,
    );
    expect(await eventsMentioning(forged)).toEqual([]);
  });

  it("checks the signature before judging the body: unsigned or forged junk is a 401, never stored", async () => {
    const { number } = await whatsappTenant("wa-junk");
    const marker = wamid();
    const junk = [
      "{not json",
      JSON.stringify([1, 2]),
      JSON.stringify({ object: "whatsapp_business_account", note: marker }),
      metaJson(inboundMessage(number, { from: customer(), id: marker, text: "a\u0000b" })),
    ];
    for (const rawBody of junk) {
      for (const res of [
        await post(rawBody, { "content-type": "application/json" }),
        await deliver(rawBody, "not-anyones-secret"),
      ]) {
        expect(res.status, `${rawBody.slice(0, 40)}: ${res.text}`).toBe(401);
        expect(res.body.error.code).toBe("UNAUTHORIZED");
      }
    }
    // Not JSON: no number to take a secret from, so a number's own secret does not vouch for it.
    expect((await deliver("{not json", number.appSecret)).status).toBe(401);
    const signed = signedWebhook(inboundMessage(number, { from: customer(), id: marker }), number.appSecret);
    expect((await post(signed.rawBody, { ...signed.headers, "content-type": "text/plain" })).status).toBe(415);
    expect(await eventsMentioning(marker)).toEqual([]);
  });

  it("stores a signed message with NUL or a lone surrogate in its text, the text made storable", async () => {
    const { owner, number } = await whatsappTenant("wa-nul");
    const id = wamid();
    const rawBody = metaJson(
      inboundMessage(number, { from: customer(), id, name: "Zo\u0000e", text: "a\u0000b \ud800 c\udfff" }),
    );
    expect(rawBody).toContain("\\u0000");
    expect(rawBody).toContain("\\ud800");
    const receipt = await deliverOk(rawBody, number.appSecret);
    expect(await eventRow(receipt.eventId)).toMatchObject({ status: "processed", rawBody, lastError: null });
    const stored = await messageByWamid(owner.tenantId, id);
    expect(stored).toMatchObject({ text: "a\uFFFDb \uFFFD c\uFFFD", payload: { body: "a\uFFFDb \uFFFD c\uFFFD" } });
    const db = await getDb();
    const [contact] = await db.select().from(contacts).where(eq(contacts.tenantId, owner.tenantId));
    expect(contact?.name).toBe("Zo\uFFFDe");
    // Nesting no route would accept, in a field Frontdesk does not read: stored and processed.
    const deep = `${'{"nested":'.repeat(20_000)}"bottom\\u0000"${"}".repeat(20_000)}`;
    const deepBody = metaJson(inboundMessage(number, { from: customer(), id: wamid() })).replace(
      '"value":{',
      `"value":{"extra":${deep},`,
    );
    expect(deepBody).toContain('"extra":{"nested":{');
    expect((await eventRow((await deliverOk(deepBody, number.appSecret)).eventId))?.status).toBe("processed");
  });

  it("keeps a body that is not JSON or not Meta's envelope, signed with META_APP_SECRET, as failed (200)", async () => {
    const db = await getDb();
    for (const [rawBody, reason] of [
      ["{not json \u0000", /^body: not valid JSON$/],
      [JSON.stringify({ object: "whatsapp_business_account", note: wamid() }), /^body: entry /],
    ] as const) {
      const receipt = await deliverOk(rawBody, META_APP_SECRET);
      expect(receipt.status).toBe("failed");
      const row = await eventRow(receipt.eventId);
      expect(row).toMatchObject({ status: "failed", tenantIds: [], attempts: WEBHOOK_MAX_ATTEMPTS });
      expect(row?.lastError).toMatch(reason);
      // Nothing will ever read it: the retry job leaves it alone.
      await webhookRetry.run(db, { deadline: Date.now() + 20_000 });
      expect((await eventRow(receipt.eventId))?.attempts).toBe(WEBHOOK_MAX_ATTEMPTS);
    }
  });

  it("stores a signed change it cannot read as a failed event with the reason, answering 200", async () => {
    const { owner, number } = await whatsappTenant("wa-unreadable");
    const body = inboundMessage(number, { from: customer(), text: "x" });
    (body.entry[0]!.changes[0]!.value.messages as Record<string, unknown>[])[0]!.timestamp = "yesterday";
    const receipt = await deliverOk(body, number.appSecret);
    const row = await eventRow(receipt.eventId);
    expect(row).toMatchObject({ status: "failed", attempts: 1 });
    expect(row?.lastError).toMatch(/entry 0 change 0 \(messages\): messages\.0\.timestamp/);
    expect(row?.lastError).not.toContain("yesterday");
    expect(await messagesOf(owner.tenantId)).toEqual([]);
  });
});

describe("inbound messages", () => {
  const from = customer();
  const cases: {
    type: InboundOptions["type"];
    options?: Partial<InboundOptions>;
    text: string | null;
    payload: object;
  }[] = [
    {
      type: "text",
      options: { text: "Where is my order?" },
      text: "Where is my order?",
      payload: { body: "Where is my order?" },
    },
    {
      type: "image",
      options: { text: "the box", media: { id: "1001", mimeType: "image/jpeg" } },
      text: "the box",
      payload: { id: "1001", mime_type: "image/jpeg", caption: "the box" },
    },
    { type: "video", options: { media: { id: "1002" } }, text: null, payload: { id: "1002", mime_type: "video/mp4" } },
    {
      type: "audio",
      options: { media: { id: "1003", voice: true } },
      text: null,
      payload: { id: "1003", voice: true },
    },
    {
      type: "document",
      options: { text: "invoice", media: { id: "1004", filename: "invoice.pdf" } },
      text: "invoice",
      payload: { id: "1004", filename: "invoice.pdf", caption: "invoice" },
    },
    {
      type: "sticker",
      options: { media: { id: "1005", animated: true } },
      text: null,
      payload: { id: "1005", animated: true },
    },
    {
      type: "location",
      options: { location: { latitude: 51.5, longitude: -0.12, name: "Shop" } },
      text: null,
      payload: { latitude: 51.5, longitude: -0.12, name: "Shop" },
    },
    {
      type: "contacts",
      options: { name: "Ana" },
      text: null,
      payload: { contacts: [{ name: { formatted_name: "Ana", first_name: "Ana" } }] },
    },
    {
      type: "interactive",
      options: { interactive: { type: "button_reply", id: "confirm", title: "Confirm" } },
      text: "Confirm",
      payload: { type: "button_reply", button_reply: { id: "confirm", title: "Confirm" } },
    },
    {
      type: "interactive",
      options: { interactive: { type: "list_reply", id: "size-m", title: "Medium", description: "M" } },
      text: "Medium",
      payload: { type: "list_reply", list_reply: { id: "size-m", title: "Medium", description: "M" } },
    },
    {
      type: "button",
      options: { text: "Stop promotions", payload: "STOP" },
      text: "Stop promotions",
      payload: { text: "Stop promotions", payload: "STOP" },
    },
    {
      type: "reaction",
      options: { reaction: { messageId: "wamid.unknown-target", emoji: "❤️" } },
      text: "❤️",
      payload: { message_id: "wamid.unknown-target", emoji: "❤️" },
    },
    {
      type: "unsupported",
      text: null,
      payload: { type: "unsupported", errors: [{ code: 131051 }] },
    },
  ];

  it("stores every message type once, with its payload, Meta's timestamp and a message:new event", async () => {
    const { owner, number } = await whatsappTenant("wa-types");
    const base = Math.floor(Date.now() / 1000) - 3600;
    for (const [index, testCase] of cases.entries()) {
      const id = wamid();
      const timestamp = base + index;
      await deliverOk(
        inboundMessage(number, { from, id, type: testCase.type, timestamp, ...testCase.options }),
        number.appSecret,
      );
      const stored = await messageByWamid(owner.tenantId, id);
      const label = `${testCase.type} ${index}`;
      expect(stored, label).toMatchObject({
        direction: "inbound",
        sender: "customer",
        status: "delivered",
        contentType: testCase.type,
        text: testCase.text,
        channelId: number.channelId,
        payload: testCase.payload,
      });
      expect(stored?.timestamp.getTime(), label).toBe(timestamp * 1000);
    }
    const stored = await messagesOf(owner.tenantId);
    expect(stored).toHaveLength(cases.length);
    expect(new Set(stored.map((m) => m.conversationId)).size).toBe(1);
    const news = await feedOf(owner.tenantId, "message:new");
    expect(news.map((event) => event.resourceId).sort()).toEqual(stored.map((m) => m.id).sort());
    const [conversation] = await (await getDb())
      .select()
      .from(conversations)
      .where(eq(conversations.id, stored[0]!.conversationId));
    expect(conversation).toMatchObject({
      channelType: "whatsapp",
      channelId: number.channelId,
      messageCount: cases.length,
      unreadCount: cases.length,
    });
    expect(conversation?.lastMessageAt?.getTime()).toBe((base + cases.length - 1) * 1000);
  });

  it("stores a type Meta adds later as unsupported, keeping Meta's object", async () => {
    const { owner, number } = await whatsappTenant("wa-new-type");
    const id = wamid();
    const body = envelope(number.businessAccountId, [
      messagesChange(number, {
        contacts: [{ name: "Bo", waId: from }],
        messages: [{ from, id, timestamp: "1700000000", type: "order", order: { catalog_id: "7", product_items: [] } }],
      }),
    ]);
    await deliverOk(body, number.appSecret);
    expect(await messageByWamid(owner.tenantId, id)).toMatchObject({
      contentType: "unsupported",
      payload: { type: "order", order: { catalog_id: "7" } },
    });
  });

  it("links a reply or reaction to the message it answers, and keeps an unknown one's context in the payload", async () => {
    const { owner, number } = await whatsappTenant("wa-context");
    const db = await getDb();
    const first = wamid();
    await deliverOk(inboundMessage(number, { from, id: first, text: "first" }), number.appSecret);
    const original = await messageByWamid(owner.tenantId, first);
    const reply = wamid();
    await deliverOk(
      inboundMessage(number, { from, id: reply, text: "about that", context: { from, id: first } }),
      number.appSecret,
    );
    expect(await messageByWamid(owner.tenantId, reply)).toMatchObject({
      replyToId: original?.id,
      payload: { body: "about that", context: { from, id: first } },
    });
    const reaction = wamid();
    await deliverOk(
      inboundMessage(number, { from, id: reaction, type: "reaction", reaction: { messageId: first, emoji: "👍" } }),
      number.appSecret,
    );
    expect((await messageByWamid(owner.tenantId, reaction))?.replyToId).toBe(original?.id);
    const orphan = wamid();
    const receipt = await deliverOk(
      inboundMessage(number, { from, id: orphan, text: "re: ?", context: { from, id: "wamid.never-seen" } }),
      number.appSecret,
    );
    expect((await eventRow(receipt.eventId))?.status).toBe("processed");
    expect(await messageByWamid(owner.tenantId, orphan)).toMatchObject({
      replyToId: null,
      payload: { context: { id: "wamid.never-seen" } },
    });
    expect((await db.select().from(messages).where(eq(messages.tenantId, owner.tenantId))).length).toBe(4);
  });

  it("stores a redelivered message once, delivered twice in turn or at the same moment", async () => {
    const { owner, number } = await whatsappTenant("wa-dupes");
    const body = inboundMessage(number, { from: customer(), text: "once" });
    const first = await deliverOk(body, number.appSecret);
    const again = await deliverOk(body, number.appSecret);
    expect(again.eventId).not.toBe(first.eventId);
    expect((await eventRow(again.eventId))?.status).toBe("processed");
    const concurrent = inboundMessage(number, { from: customer(), text: "at once" });
    const receipts = await Promise.all([1, 2, 3, 4].map(() => deliverOk(concurrent, number.appSecret)));
    for (const receipt of receipts) expect((await eventRow(receipt.eventId))?.status).toBe("processed");
    const stored = await messagesOf(owner.tenantId);
    expect(stored.map((m) => m.text).sort()).toEqual(["at once", "once"]);
    expect(await feedOf(owner.tenantId, "message:new")).toHaveLength(2);
    const db = await getDb();
    const counts = await db
      .select({ messageCount: conversations.messageCount, unreadCount: conversations.unreadCount })
      .from(conversations)
      .where(eq(conversations.tenantId, owner.tenantId));
    expect(counts).toEqual(expect.arrayContaining([{ messageCount: 1, unreadCount: 1 }]));
    expect(counts.every((c) => c.messageCount === 1)).toBe(true);
  });

  it("opens one conversation for two first messages of a customer at the same moment, and announces it", async () => {
    const { owner, number } = await whatsappTenant("wa-first");
    const db = await getDb();
    // A returning customer (contact and identity stored, last conversation closed): only the
    // contact's row lock keeps two new conversations from opening.
    const known = customer();
    await deliverOk(inboundMessage(number, { from: known, text: "last month" }), number.appSecret);
    await db.update(conversations).set({ status: "closed" }).where(eq(conversations.tenantId, owner.tenantId));
    // Stored first, then processed at the same moment while another transaction holds the tenant's
    // event counter: each gets as far as announcing its new conversation, so without the contact's
    // row lock every one of them would have found none open and opened its own.
    const stored = await db
      .insert(webhookEvents)
      .values(
        ["hi", "there?", "hello?"].map((text) => ({
          provider: "whatsapp",
          rawBody: metaJson(inboundMessage(number, { from: known, text })),
          tenantIds: [owner.tenantId],
        })),
      )
      .returning({ id: webhookEvents.id });
    let release = () => {};
    const holding = db.transaction(async (tx) => {
      await tx
        .update(tenants)
        .set({ lastEventSeq: sql`${tenants.lastEventSeq}` })
        .where(eq(tenants.id, owner.tenantId));
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    const processing = Promise.all(stored.map((event) => processWebhookEvent(db, event.id)));
    await new Promise((resolve) => setTimeout(resolve, 500));
    release();
    await holding;
    const outcomes = await processing;
    expect(outcomes.every((outcome) => outcome?.status === "processed")).toBe(true);
    const reopened = await db
      .select()
      .from(conversations)
      .where(and(eq(conversations.tenantId, owner.tenantId), eq(conversations.status, "open")));
    expect(reopened).toHaveLength(1);
    expect(reopened[0]?.messageCount).toBe(3);
    await db.delete(conversations).where(eq(conversations.tenantId, owner.tenantId));
    await db.delete(contacts).where(eq(contacts.tenantId, owner.tenantId));

    const waId = customer();
    await Promise.all(
      ["hello", "anyone there?"].map((text) =>
        deliverOk(inboundMessage(number, { from: waId, text }), number.appSecret),
      ),
    );
    const opened = await db.select().from(conversations).where(eq(conversations.tenantId, owner.tenantId));
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ channelId: number.channelId, status: "open", messageCount: 2, unreadCount: 2 });
    const [contact] = await db.select().from(contacts).where(eq(contacts.tenantId, owner.tenantId));
    expect(contact).toMatchObject({ phoneNumber: `+${waId}`, name: "Customer" });
    expect(opened[0]?.contactId).toBe(contact?.id);
    const identities = await db.select().from(contactIdentities).where(eq(contactIdentities.tenantId, owner.tenantId));
    expect(identities).toEqual([
      expect.objectContaining({ contactId: contact?.id, channelId: number.channelId, platformCustomerId: waId }),
    ]);
    const updates = (await feedOf(owner.tenantId, "conversation:updated")).filter(
      (event) => event.resourceId === opened[0]?.id,
    );
    expect(updates.length).toBeGreaterThanOrEqual(1);
    expect(updates.at(-1)?.payload).toMatchObject({ messageCount: 2, unreadCount: 2 });
    // A closed conversation is left alone: the next message opens a new one.
    await db.update(conversations).set({ status: "closed" }).where(eq(conversations.tenantId, owner.tenantId));
    await deliverOk(inboundMessage(number, { from: waId, text: "me again" }), number.appSecret);
    expect(await db.select().from(conversations).where(eq(conversations.tenantId, owner.tenantId))).toHaveLength(2);
  });

  it("opens no conversation for a message redelivered after its conversation was closed", async () => {
    const { owner, number } = await whatsappTenant("wa-redelivered-closed");
    const db = await getDb();
    const body = inboundMessage(number, { from: customer(), text: "once" });
    await deliverOk(body, number.appSecret);
    await db.update(conversations).set({ status: "closed" }).where(eq(conversations.tenantId, owner.tenantId));
    const again = await deliverOk(body, number.appSecret);
    expect((await eventRow(again.eventId))?.status).toBe("processed");
    const all = await db.select().from(conversations).where(eq(conversations.tenantId, owner.tenantId));
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ status: "closed", messageCount: 1 });
    expect(await messagesOf(owner.tenantId)).toHaveLength(1);
  });

  it("finds the contact by its identity on the channel, even after someone edited its phone number", async () => {
    const { owner, number } = await whatsappTenant("wa-identity");
    const db = await getDb();
    const waId = customer();
    const timestamp = Math.floor(Date.now() / 1000) - 60;
    await deliverOk(inboundMessage(number, { from: waId, name: "Ana", text: "hi", timestamp }), number.appSecret);
    const [contact] = await db.select().from(contacts).where(eq(contacts.tenantId, owner.tenantId));
    expect(contact?.phoneNumber).toBe(`+${waId}`);
    const edited = await call(contactFn, {
      method: "PUT",
      path: `/api/contacts/${contact!.id}`,
      token: owner.accessToken,
      body: { phoneNumber: "+351912345678" },
    });
    expect(edited.status, edited.text).toBe(200);
    await deliverOk(
      inboundMessage(number, { from: waId, name: "Ana", text: "me again", timestamp: timestamp + 1 }),
      number.appSecret,
    );
    const all = await db.select().from(contacts).where(eq(contacts.tenantId, owner.tenantId));
    expect(all.map((row) => [row.id, row.phoneNumber])).toEqual([[contact!.id, "+351912345678"]]);
    const stored = await messagesOf(owner.tenantId);
    expect(stored.map((message) => message.text)).toEqual(["hi", "me again"]);
    expect(new Set(stored.map((message) => message.conversationId)).size).toBe(1);
  });

  it("fills an empty contact name from the profile, never overwriting a name someone set", async () => {
    const { owner, number } = await whatsappTenant("wa-names");
    const db = await getDb();
    const named = customer();
    const [contact] = await db
      .insert(contacts)
      .values({ tenantId: owner.tenantId, phoneNumber: `+${named}`, name: "Maria (VIP)" })
      .returning();
    await deliverOk(inboundMessage(number, { from: named, name: "maria123" }), number.appSecret);
    const unnamed = customer();
    await db.insert(contacts).values({ tenantId: owner.tenantId, phoneNumber: `+${unnamed}` });
    await deliverOk(inboundMessage(number, { from: unnamed, name: "João" }), number.appSecret);
    const rows = await db.select().from(contacts).where(eq(contacts.tenantId, owner.tenantId));
    const byPhone = new Map(rows.map((row) => [row.phoneNumber, row.name]));
    expect(byPhone.get(`+${named}`)).toBe("Maria (VIP)");
    expect(byPhone.get(`+${unnamed}`)).toBe("João");
    // Renamed through the API, then a new profile name from Meta: the person's name stays.
    const renamed = await call(contactFn, {
      method: "PUT",
      path: `/api/contacts/${contact!.id}`,
      token: owner.accessToken,
      body: { name: "Maria Silva" },
    });
    expect(renamed.status, renamed.text).toBe(200);
    await deliverOk(inboundMessage(number, { from: named, name: "M." }), number.appSecret);
    const [after] = await db.select().from(contacts).where(eq(contacts.id, contact!.id));
    expect(after?.name).toBe("Maria Silva");
  });
});

describe("statuses", () => {
  const STATUSES = ["sent", "delivered", "read", "failed"] as const;
  type Status = (typeof STATUSES)[number];
  /** The documented precedence (services/inbox/messages.ts): queued < sent < failed < delivered < read. */
  const RANK: Record<string, number> = { queued: 0, sent: 1, failed: 2, delivered: 3, read: 4 };
  /** The statuses a message moves through as `order` arrives: each one above the best so far. */
  function movesOf(order: Status[]): Status[] {
    const moves: Status[] = [];
    for (const status of order) if (RANK[status]! > RANK[moves.at(-1) ?? "queued"]!) moves.push(status);
    return moves;
  }

  function orders(): Status[][] {
    const pairs = STATUSES.flatMap((a) => STATUSES.map((b) => [a, b]));
    const permutations = (items: Status[]): Status[][] =>
      items.length <= 1
        ? [items]
        : items.flatMap((x, i) => permutations(items.filter((_, j) => j !== i)).map((p) => [x, ...p]));
    return [...pairs, ...permutations([...STATUSES])];
  }

  it("ends every arrival order of sent, delivered, read and failed in the same status, errors and events", async () => {
    const { owner, number } = await whatsappTenant("wa-orders");
    const db = await getDb();
    const recipient = customer();
    const base = Math.floor(Date.now() / 1000) - 600;
    const moments: Record<Status, number> = { sent: base, failed: base + 5, delivered: base + 10, read: base + 20 };
    for (const order of orders()) {
      const label = order.join(" → ");
      const message = await outboundMessage(db, owner, number);
      const id = message.platformMessageId!;
      for (const status of order) {
        const receipt = await deliverOk(
          statusUpdate(number, {
            id,
            status,
            recipient,
            timestamp: moments[status],
            ...(status === "failed" ? { errors: [{ code: 131047, details: "Message failed: re-engagement" }] } : {}),
          }),
          number.appSecret,
        );
        expect((await eventRow(receipt.eventId))?.status, label).toBe("processed");
      }
      const expectedMoves = movesOf(order);
      const final = expectedMoves.at(-1);
      const row = await messageByWamid(owner.tenantId, id);
      expect(row?.status, label).toBe(final);
      const failed = final === "failed";
      expect(
        { errorCode: row?.errorCode, errorTitle: row?.errorTitle, errorDetails: row?.errorDetails },
        label,
      ).toEqual(
        failed
          ? { errorCode: "131047", errorTitle: expect.any(String), errorDetails: "Message failed: re-engagement" }
          : { errorCode: null, errorTitle: null, errorDetails: null },
      );
      // A step's time is Meta's.
      if (final === "read") expect(row?.readAt?.getTime(), label).toBe(moments.read * 1000);
      // The feed: one message:status per move, each forward, the last one the final state, and each
      // carrying error fields exactly when it says failed.
      const moves = (await feedOf(owner.tenantId, "message:status")).filter((e) => e.resourceId === message.id);
      const announced = moves.map((e) => e.payload as { status: string; errorCode: string | null });
      expect(
        announced.map((m) => m.status),
        label,
      ).toEqual(expectedMoves);
      for (const move of announced)
        expect(move.errorCode !== null, `${label}: ${move.status}`).toBe(move.status === "failed");
      // Conversation and pricing of sent and delivered are kept, whichever came.
      if (order.includes("sent") || order.includes("delivered")) {
        expect(row?.metadata, label).toMatchObject({
          whatsappConversation: { origin: { type: "service" } },
          whatsappPricing: { billable: true, pricing_model: "CBP", category: "service" },
        });
      }
    }
  });

  it("fails a status for a message not stored yet, and the retry job applies it once the message exists", async () => {
    const { owner, number } = await whatsappTenant("wa-early-status");
    const db = await getDb();
    const id = wamid();
    const receipt = await deliverOk(
      statusUpdate(number, { id, status: "delivered", recipient: customer() }),
      number.appSecret,
    );
    const failed = await eventRow(receipt.eventId);
    expect(failed).toMatchObject({ status: "failed", attempts: 1 });
    expect(failed?.lastError).toMatch(/not stored yet/);
    expect(failed?.lastError).not.toContain(id);
    const message = await outboundMessage(db, owner, number, id);
    // The scheduled function, as Netlify invokes it.
    const run = await retryFn.default(
      new Request("http://localhost:8888/.netlify/functions/inbox-webhook-retry", {
        method: "POST",
        body: JSON.stringify({ next_run: new Date().toISOString() }),
      }),
    );
    expect(run.status).toBe(200);
    expect((await run.json()).data.job).toBe("webhook-retry");
    expect(await eventRow(receipt.eventId)).toMatchObject({ status: "processed", attempts: 2, lastError: null });
    expect(await messageByWamid(owner.tenantId, id)).toMatchObject({ id: message.id, status: "delivered" });
  });
});

describe("template updates", () => {
  async function storedTemplate(owner: Account, number: ConfiguredNumber, metaTemplateId = graphId(12)) {
    const db = await getDb();
    const [row] = await db
      .insert(whatsappTemplates)
      .values({
        tenantId: owner.tenantId,
        businessAccountId: number.businessAccountId,
        metaTemplateId,
        name: unique("order_update").replace(/\W/g, "_"),
        language: "en_US",
        category: "utility",
        status: "pending",
        components: [{ type: "BODY", text: "Your order {{1}} has shipped" }],
      })
      .returning();
    return row!;
  }

  async function templateRow(id: string) {
    const db = await getDb();
    const [row] = await db.select().from(whatsappTemplates).where(eq(whatsappTemplates.id, id));
    return row;
  }

  it("applies APPROVED, REJECTED with its reason, PAUSED and DISABLED by the entry's WABA id", async () => {
    const { owner, number } = await whatsappTenant("wa-template-status");
    const template = await storedTemplate(owner, number);
    const event = (name: "APPROVED" | "REJECTED" | "PAUSED" | "DISABLED" | "REINSTATED", reason?: string) =>
      deliverOk(
        templateStatusUpdate(number.businessAccountId, {
          templateId: template.metaTemplateId,
          name: template.name,
          language: template.language,
          event: name,
          ...(reason ? { reason } : {}),
        }),
        number.appSecret,
      );
    await event("REJECTED", "INVALID_FORMAT");
    expect(await templateRow(template.id)).toMatchObject({ status: "rejected", rejectedReason: "INVALID_FORMAT" });
    await event("APPROVED");
    expect(await templateRow(template.id)).toMatchObject({ status: "approved", rejectedReason: null });
    await event("PAUSED");
    expect((await templateRow(template.id))?.status).toBe("paused");
    await event("REINSTATED");
    expect((await templateRow(template.id))?.status).toBe("approved");
    const receipt = await event("DISABLED");
    expect((await templateRow(template.id))?.status).toBe("disabled");
    expect(await eventRow(receipt.eventId)).toMatchObject({ status: "processed", tenantIds: [owner.tenantId] });
  });

  it("keeps every digit of a template id Meta sends as a JSON number above 2^53", async () => {
    const { owner, number } = await whatsappTenant("wa-template-big-id");
    const big = "18446744073709551615";
    expect(Number.isSafeInteger(Number(big))).toBe(false);
    const template = await storedTemplate(owner, number, big);
    // A neighbour that a rounded id (18446744073709552000) would reach instead.
    const rounded = await storedTemplate(owner, number, String(Number(big)));
    const raw = metaJson(
      templateStatusUpdate(number.businessAccountId, {
        templateId: big,
        name: template.name,
        language: template.language,
        event: "APPROVED",
      }),
    ).replace(`"message_template_id":"${big}"`, `"message_template_id" : ${big}`);
    expect(raw).toContain(`: ${big},`);
    const receipt = await deliverOk(raw, number.appSecret);
    expect(await eventRow(receipt.eventId)).toMatchObject({ status: "processed", lastError: null });
    expect((await templateRow(template.id))?.status).toBe("approved");
    expect((await templateRow(rounded.id))?.status).toBe("pending");
  });

  it("applies a quality update, leaves other tenants' templates and unknown templates alone", async () => {
    const { owner, number } = await whatsappTenant("wa-template-quality");
    const other = await whatsappTenant("wa-template-other");
    const template = await storedTemplate(owner, number);
    // Another tenant's template with the same Meta id, in its own account.
    const theirs = await storedTemplate(other.owner, other.number, template.metaTemplateId);
    await deliverOk(
      templateQualityUpdate(number.businessAccountId, {
        templateId: template.metaTemplateId,
        name: template.name,
        language: "en_US",
        previous: "GREEN",
        next: "YELLOW",
      }),
      number.appSecret,
    );
    expect((await templateRow(template.id))?.qualityScore).toBe("yellow");
    expect(await templateRow(theirs.id)).toMatchObject({ qualityScore: null, status: "pending" });
    // A template the refresh job has not stored yet: nothing to update, nothing fails.
    const unknown = await deliverOk(
      templateStatusUpdate(number.businessAccountId, {
        templateId: graphId(12),
        name: "new_one",
        language: "en_US",
        event: "APPROVED",
      }),
      number.appSecret,
    );
    expect((await eventRow(unknown.eventId))?.status).toBe("processed");
  });
});

describe("the webhook-retry job", () => {
  it("retries failed events up to the bound, keeping the last error, and leaves fresh pending ones to their request", async () => {
    const { number } = await whatsappTenant("wa-retry");
    const db = await getDb();
    // A status for a message never stored: fails every time.
    const hopeless = await deliverOk(
      statusUpdate(number, { id: wamid(), status: "read", recipient: customer() }),
      number.appSecret,
    );
    await db
      .update(webhookEvents)
      .set({ attempts: WEBHOOK_MAX_ATTEMPTS - 1 })
      .where(eq(webhookEvents.id, hopeless.eventId));
    const deadline = () => ({ deadline: Date.now() + 20_000 });
    await webhookRetry.run(db, deadline());
    const exhausted = await eventRow(hopeless.eventId);
    expect(exhausted).toMatchObject({ status: "failed", attempts: WEBHOOK_MAX_ATTEMPTS });
    expect(exhausted?.lastError).toMatch(/not stored yet/);
    await webhookRetry.run(db, deadline());
    expect((await eventRow(hopeless.eventId))?.attempts).toBe(WEBHOOK_MAX_ATTEMPTS);

    // A pending event (its request's processing never ran): left alone for a minute, then processed.
    const id = wamid();
    const { rawBody } = signedWebhook(inboundMessage(number, { from: customer(), id }), number.appSecret);
    const [fresh] = await db
      .insert(webhookEvents)
      .values({ provider: "whatsapp", rawBody, tenantIds: [(await tenantOf(number.channelId))!] })
      .returning();
    await webhookRetry.run(db, deadline());
    expect((await eventRow(fresh!.id))?.status).toBe("pending");
    await db
      .update(webhookEvents)
      .set({ receivedAt: sql`now() - interval '2 minutes'` })
      .where(eq(webhookEvents.id, fresh!.id));
    await webhookRetry.run(db, deadline());
    expect(await eventRow(fresh!.id)).toMatchObject({ status: "processed", attempts: 1 });
  });

  it("counts an attempt as processing starts, so an event whose processing never ends is not retried forever", async () => {
    const { owner, number } = await whatsappTenant("wa-crash");
    const db = await getDb();
    const id = wamid();
    const [event] = await db
      .insert(webhookEvents)
      .values({
        provider: "whatsapp",
        rawBody: metaJson(inboundMessage(number, { from: customer(), id })),
        tenantIds: [owner.tenantId],
        receivedAt: sql`now() - interval '2 minutes'`,
      })
      .returning({ id: webhookEvents.id });
    // The function is killed while it applies the event: its tenant's transaction never ends.
    const dying = new Proxy(db, {
      get(target, key) {
        if (key === "transaction") return () => new Promise(() => {});
        const value = Reflect.get(target, key);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    void processWebhookEvent(dying, event!.id);
    await vi.waitFor(async () => expect((await eventRow(event!.id))?.attempts).toBe(1), { timeout: 5_000 });
    expect((await eventRow(event!.id))?.status).toBe("pending");
    // Out of attempts (each crashed): the job leaves it, and deletes it after the retention.
    await db.update(webhookEvents).set({ attempts: WEBHOOK_MAX_ATTEMPTS }).where(eq(webhookEvents.id, event!.id));
    await webhookRetry.run(db, { deadline: Date.now() + 20_000 });
    expect(await eventRow(event!.id)).toMatchObject({ status: "pending", attempts: WEBHOOK_MAX_ATTEMPTS });
    expect(await messageByWamid(owner.tenantId, id)).toBeUndefined();
    await db
      .update(webhookEvents)
      .set({ receivedAt: sql`now() - interval '31 days'` })
      .where(eq(webhookEvents.id, event!.id));
    await webhookRetry.run(db, { deadline: Date.now() + 20_000 });
    expect(await eventRow(event!.id)).toBeUndefined();
  });

  it("ignores, after a while, statuses of messages Frontdesk never stored, with a note", async () => {
    const { number } = await whatsappTenant("wa-foreign-status");
    const db = await getDb();
    // A message another tool sent on the number: Frontdesk never has its wamid.
    const receipt = await deliverOk(
      statusUpdate(number, { id: wamid(), status: "delivered", recipient: customer() }),
      number.appSecret,
    );
    expect((await eventRow(receipt.eventId))?.status).toBe("failed");
    await db
      .update(webhookEvents)
      .set({ receivedAt: sql`now() - interval '11 minutes'` })
      .where(eq(webhookEvents.id, receipt.eventId));
    await webhookRetry.run(db, { deadline: Date.now() + 20_000 });
    const row = await eventRow(receipt.eventId);
    expect(row).toMatchObject({ status: "processed", attempts: 2 });
    expect(row?.lastError).toMatch(/1 status\(es\) for messages Frontdesk does not have; ignored/);
  });

  it("deletes processed, unroutable and exhausted events after 30 days, and keeps the rest", async () => {
    const db = await getDb();
    const old = sql`now() - interval '31 days'`;
    const rows = await db
      .insert(webhookEvents)
      .values(
        [
          { status: "processed" as const, attempts: 1 },
          { status: "unroutable" as const, attempts: 0 },
          { status: "failed" as const, attempts: WEBHOOK_MAX_ATTEMPTS },
          { status: "processed" as const, attempts: 1, recent: true },
        ].map(({ recent, ...row }) => ({
          ...row,
          provider: "whatsapp",
          rawBody: "{}",
          ...(recent ? {} : { receivedAt: old }),
        })),
      )
      .returning({ id: webhookEvents.id });
    await webhookRetry.run(db, { deadline: Date.now() + 20_000 });
    const left = await Promise.all(rows.map((row) => eventRow(row.id)));
    expect(left.map((row) => row !== undefined)).toEqual([false, false, false, true]);
  });
});

async function tenantOf(channelId: string) {
  const db = await getDb();
  const [row] = await db.select({ tenantId: channels.tenantId }).from(channels).where(eq(channels.id, channelId));
  return row?.tenantId;
}
