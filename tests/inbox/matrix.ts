import { randomUUID } from "node:crypto";
import { channels, contacts, conversations, messages, whatsappTemplates } from "../../db/schema";
import { defineMatrix } from "../helpers/security-matrix";

/** Tenant A's inbox rows the fixtures aim at: a channel, a contact, a conversation and one message. */
const CHANNEL_ID = randomUUID();
const CONTACT_ID = randomUUID();
const CONVERSATION_ID = randomUUID();
const MESSAGE_ID = randomUUID();
/**
 * Rows of their own for the DELETE fixtures, so a delete that succeeds (as tenant A's owner in the
 * fuzz test) leaves the rows every other fixture aims at in place.
 */
const DELETABLE = {
  channel: randomUUID(),
  contact: randomUUID(),
  customer: randomUUID(),
  conversation: randomUUID(),
  chat: randomUUID(),
  message: randomUUID(),
  template: randomUUID(),
};
const TEMPLATE_ID = randomUUID();
const TEMPLATE_NAME = "matrix_a_template";
/** Meta's ids of tenant A's templates: unique per tenant, so fixed ones would do, but fresh ones are markers too. */
const META_TEMPLATE_IDS = [randomUUID(), randomUUID()];
const CONTACT_PHONE = "+15550001001";
/** A WhatsApp phone number id is unique across tenants: each seeding of tenant A gets its own. */
const PHONE_NUMBER_ID = `matrix-a-phone-${randomUUID()}`;
const CONTACT_EMAIL = "matrix-a-contact@example.test";
const MESSAGE_TEXT = "matrix-a-message-text";
/** A phone number no seeded row has (the markers' are +1555...), new on every call. */
const freshPhone = () => `+1444${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;

export default defineMatrix({
  seed: async (db, a) => {
    const tenantId = a.tenantId;
    await db.insert(channels).values([
      {
        id: CHANNEL_ID,
        tenantId,
        type: "whatsapp",
        platformSpecificId: PHONE_NUMBER_ID,
        name: "Matrix A WhatsApp",
      },
      { id: DELETABLE.channel, tenantId, type: "email", name: "Matrix A mailbox" },
    ]);
    await db.insert(contacts).values([
      { id: CONTACT_ID, tenantId, phoneNumber: CONTACT_PHONE, email: CONTACT_EMAIL, name: "Matrix A Contact" },
      { id: DELETABLE.contact, tenantId, name: "Matrix A contact to delete" },
      { id: DELETABLE.customer, tenantId, name: "Matrix A customer to delete" },
    ]);
    const conversation = { tenantId, channelType: "whatsapp" as const, channelId: CHANNEL_ID, contactId: CONTACT_ID };
    await db.insert(conversations).values([
      { ...conversation, id: CONVERSATION_ID, subject: "Matrix A conversation" },
      { ...conversation, id: DELETABLE.conversation },
      { ...conversation, id: DELETABLE.chat },
    ]);
    const message = {
      tenantId,
      conversationId: CONVERSATION_ID,
      channelId: CHANNEL_ID,
      direction: "inbound" as const,
      sender: "customer" as const,
    };
    await db.insert(messages).values([
      { ...message, id: MESSAGE_ID, text: MESSAGE_TEXT },
      { ...message, id: DELETABLE.message },
    ]);
    const template = {
      tenantId,
      businessAccountId: "matrix-a-waba",
      language: "en_US",
      category: "utility" as const,
      status: "approved",
      components: [{ type: "BODY", text: "Matrix A template" }],
    };
    await db.insert(whatsappTemplates).values([
      { ...template, id: TEMPLATE_ID, name: TEMPLATE_NAME, metaTemplateId: META_TEMPLATE_IDS[0]! },
      { ...template, id: DELETABLE.template, name: "matrix_a_deletable", metaTemplateId: META_TEMPLATE_IDS[1]! },
    ]);
    return {};
  },
  fixtures: {
    // One valid request per inbox operation, aimed at tenant A's rows above (ids: CHANNEL_ID, CONTACT_ID,
    // CONVERSATION_ID, MESSAGE_ID). Bodies that carry ids (a conversation's contact, a message's
    // conversation) carry A's, so tenant B's call proves a reference is resolved in the caller's tenant.
    // Channels, contacts, customers and the CSV routes (tests/inbox/channels.test.ts, contacts.test.ts,
    // contacts-csv.test.ts). What tenant B may create carries no marker of A: a fresh phone number each call.
    "GET /api/channels": () => ({ query: { limit: 100 } }),
    "POST /api/channels": () => ({
      body: { type: "sms", name: "Matrix channel", platformSpecificId: randomUUID(), accessToken: "matrix-token-0000" },
    }),
    "GET /api/channels/:id": () => ({ path: `/api/channels/${CHANNEL_ID}` }),
    "PUT /api/channels/:id": () => ({ path: `/api/channels/${CHANNEL_ID}`, body: { name: "Hijacked" } }),
    "PATCH /api/channels/:id": () => ({
      path: `/api/channels/${CHANNEL_ID}`,
      body: { accessToken: "attacker-token-000000", isActive: false },
    }),
    "DELETE /api/channels/:id": () => ({ path: `/api/channels/${DELETABLE.channel}` }),
    "GET /api/contacts": () => ({ query: { limit: 100, include: "identities" } }),
    "POST /api/contacts": () => ({
      body: {
        phoneNumber: freshPhone(),
        name: "Matrix",
        identities: [{ channelId: CHANNEL_ID, platformCustomerId: "m" }],
      },
    }),
    "GET /api/contacts/:id": () => ({
      path: `/api/contacts/${CONTACT_ID}`,
      query: { include: "identities,conversations" },
    }),
    "PUT /api/contacts/:id": () => ({ path: `/api/contacts/${CONTACT_ID}`, body: { name: "Hijacked" } }),
    "PATCH /api/contacts/:id": () => ({
      path: `/api/contacts/${CONTACT_ID}`,
      body: { tags: ["hijacked"], identities: [{ channelId: CHANNEL_ID, platformCustomerId: "hijacked" }] },
    }),
    "DELETE /api/contacts/:id": () => ({ path: `/api/contacts/${DELETABLE.contact}` }),
    "GET /api/customers": () => ({ query: { limit: 100 } }),
    "POST /api/customers": () => ({
      body: { channelId: CHANNEL_ID, platformCustomerId: "matrix-customer", fullName: "Matrix", phone: freshPhone() },
    }),
    "GET /api/customers/:id": () => ({ path: `/api/customers/${CONTACT_ID}` }),
    "PUT /api/customers/:id": () => ({ path: `/api/customers/${CONTACT_ID}`, body: { fullName: "Hijacked" } }),
    "PATCH /api/customers/:id": () => ({
      path: `/api/customers/${CONTACT_ID}`,
      body: { channelId: CHANNEL_ID, platformCustomerId: "hijacked" },
    }),
    "DELETE /api/customers/:id": () => ({ path: `/api/customers/${DELETABLE.customer}` }),
    "GET /api/contacts/export": () => ({}),
    "POST /api/contacts/import/csv": () => ({
      rawBody: `phoneNumber,name\n${freshPhone()},Matrix import\n`,
      headers: { "content-type": "text/csv" },
    }),
    // Conversations, chats and messages (tests/inbox/conversations.test.ts, messages.test.ts):
    "GET /api/conversations": () => ({ query: { limit: 100 } }),
    "POST /api/conversations": (w) => ({
      body: { channelId: CHANNEL_ID, contactId: CONTACT_ID, assigneeId: w.a.userId, subject: "Hijacked" },
    }),
    "GET /api/conversations/:id": () => ({ path: `/api/conversations/${CONVERSATION_ID}` }),
    "PATCH /api/conversations/:id": (w) => ({
      path: `/api/conversations/${CONVERSATION_ID}`,
      body: { status: "pending", assigneeId: w.a.userId, tags: ["hijacked"] },
    }),
    "DELETE /api/conversations/:id": () => ({ path: `/api/conversations/${DELETABLE.conversation}` }),
    "GET /api/chats": () => ({ query: { customerId: CONTACT_ID } }),
    "POST /api/chats": () => ({ body: { channelId: CHANNEL_ID, customerId: CONTACT_ID } }),
    "GET /api/chats/:id": () => ({ path: `/api/chats/${CONVERSATION_ID}` }),
    "PUT /api/chats/:id": (w) => ({ path: `/api/chats/${CONVERSATION_ID}`, body: { userId: w.a.userId } }),
    "DELETE /api/chats/:id": () => ({ path: `/api/chats/${DELETABLE.chat}` }),
    "GET /api/chats/:id/messages": () => ({ path: `/api/chats/${CONVERSATION_ID}/messages` }),
    "POST /api/chats/:id/messages": () => ({
      path: `/api/chats/${CONVERSATION_ID}/messages`,
      body: { senderType: "AGENT", content: "Hijacked" },
    }),
    "GET /api/messages": () => ({ query: { conversationId: CONVERSATION_ID, before: MESSAGE_ID } }),
    "POST /api/messages": () => ({
      body: { conversationId: CONVERSATION_ID, text: "Hijacked", replyToId: MESSAGE_ID },
    }),
    "GET /api/messages/:id": () => ({ path: `/api/messages/${MESSAGE_ID}` }),
    "PUT /api/messages/:id": () => ({
      path: `/api/messages/${MESSAGE_ID}`,
      body: { status: "read", text: "Hijacked" },
    }),
    "DELETE /api/messages/:id": () => ({ path: `/api/messages/${DELETABLE.message}` }),
    // WhatsApp (tests/inbox/whatsapp-*.test.ts, analytics.test.ts). Tenant A has no Graph account here:
    // a template's create and delete stop at 422 before Meta, which is past every security check.
    "GET /api/messages/:id/media": () => ({ path: `/api/messages/${MESSAGE_ID}/media` }),
    "GET /api/templates": () => ({ query: { limit: 100, includeDeleted: "true" } }),
    "POST /api/templates": () => ({
      body: {
        name: "matrix_template",
        category: "UTILITY",
        language: "en_US",
        components: [{ type: "BODY", text: "Hello there" }],
      },
    }),
    "GET /api/templates/:id": () => ({ path: `/api/templates/${TEMPLATE_ID}` }),
    "DELETE /api/templates/:id": () => ({ path: `/api/templates/${DELETABLE.template}` }),
    "GET /api/analytics/overview": () => ({ query: { days: 7 } }),
  },
  markers: () => [
    ...Object.values(DELETABLE),
    CHANNEL_ID,
    CONTACT_ID,
    CONVERSATION_ID,
    MESSAGE_ID,
    CONTACT_PHONE,
    CONTACT_EMAIL,
    MESSAGE_TEXT,
    PHONE_NUMBER_ID,
    TEMPLATE_ID,
    TEMPLATE_NAME,
    ...META_TEMPLATE_IDS,
  ],
  public: {
    "GET /api/webhook":
      "Meta's subscription check: echoes hub.challenge only for META_VERIFY_TOKEN or a number's verify token, else 403; reads no tenant data: tests/inbox/whatsapp-webhook.test.ts",
    "POST /api/webhook":
      "Authenticated by Meta's X-Hub-Signature-256 over the raw body (the number's app secret or META_APP_SECRET), not by a caller; answers only the stored event's id and status: tests/inbox/whatsapp-webhook.test.ts",
  },
});
