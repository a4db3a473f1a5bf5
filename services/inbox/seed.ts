import { randomUUID } from "node:crypto";
import { and, eq, inArray, or, sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import {
  type ChannelType,
  type ConversationStatus,
  channels,
  contactIdentities,
  contacts,
  conversations,
  type DeliveryStatus,
  messages,
  users,
  whatsappTemplates,
} from "../../db/schema";
import type { DemoCredentials } from "../platform/seed";

/**
 * The inbox's demo rows: channels, a few hundred contacts, conversations in every status with
 * messages both ways in every delivery status, spread over the last 30 days, and the WhatsApp
 * number's message templates in several of Meta's statuses. Everything is derived
 * from indexes (no randomness), so a second run finds every row by its unique key and adds nothing.
 */

const MINUTE = 60_000;
const DAY = 1440 * MINUTE;
const CONTACT_COUNT = 300;
/** Contacts 0..CUSTOMERS-1 have a conversation (the first SECOND_CONVERSATIONS of them a second one, on another channel). */
const CUSTOMERS = 140;
const SECOND_CONVERSATIONS = 20;

/**
 * The demo WhatsApp number: the one `npm run whatsapp:mock` plays Meta for. No token is seeded, so
 * nothing leaves until one is configured (the mock prints the PATCH /api/settings that does it).
 */
export const DEMO_WHATSAPP = { phoneNumberId: "109876543210", businessAccountId: "102290129340398" } as const;

/** The demo tenant's connected channels, found again by (type, platform-specific id). No tokens: nothing is sent. */
const DEMO_CHANNELS = [
  {
    type: "whatsapp",
    platformSpecificId: DEMO_WHATSAPP.phoneNumberId,
    accountId: DEMO_WHATSAPP.businessAccountId,
    name: "WhatsApp +1 202 555 0100",
    scopes: ["whatsapp_business_messaging", "whatsapp_business_management"],
    metadata: { displayPhoneNumber: "+12025550100", qualityRating: "GREEN" },
  },
  {
    type: "instagram",
    platformSpecificId: "demo-ig-17841400000000001",
    name: "Instagram @demo.returns.co",
    scopes: ["instagram_manage_messages"],
    metadata: { username: "demo.returns.co" },
  },
  {
    type: "facebook",
    platformSpecificId: "demo-page-100000000000001",
    name: "Facebook Demo Returns Co",
    scopes: ["pages_messaging"],
    metadata: { pageName: "Demo Returns Co" },
  },
  { type: "webchat", platformSpecificId: "demo-webchat", name: "Web chat on demo.frontdesk.dev", scopes: [] },
  { type: "email", platformSpecificId: "demo-support-mailbox", name: "support@demo.frontdesk.dev", scopes: [] },
  // Disconnected: the list shows an inactive channel too. It has no conversations.
  { type: "sms", platformSpecificId: "demo-sms-12025550101", name: "SMS +1 202 555 0101", scopes: [], active: false },
] as const satisfies readonly {
  type: ChannelType;
  platformSpecificId: string;
  accountId?: string;
  name: string;
  scopes: readonly string[];
  metadata?: Record<string, unknown>;
  active?: boolean;
}[];
const body = (text: string, example?: string[]) => ({
  type: "BODY",
  text,
  ...(example ? { example: { body_text: [example] } } : {}),
});
/** The demo number's message templates, as Meta would list them (ids found again by the unique key). */
const DEMO_TEMPLATES = [
  {
    metaTemplateId: "1100000000000001",
    name: "order_update",
    category: "utility",
    status: "approved",
    qualityScore: "green",
    components: [body("Hi {{1}}, your order {{2}} is on its way.", ["Maria", "#1042"])],
  },
  {
    metaTemplateId: "1100000000000002",
    name: "return_received",
    category: "utility",
    status: "approved",
    qualityScore: "green",
    components: [
      { type: "HEADER", format: "TEXT", text: "Return received" },
      body("We have your return {{1}}. Your refund follows within 5 days.", ["RMA-2231"]),
      { type: "FOOTER", text: "Reply STOP to opt out" },
    ],
  },
  {
    metaTemplateId: "1100000000000003",
    name: "appointment_reminder",
    category: "utility",
    status: "pending",
    components: [body("Reminder: your appointment is on {{1}} at {{2}}.", ["Friday", "10:00"])],
  },
  {
    metaTemplateId: "1100000000000004",
    name: "spring_sale",
    category: "marketing",
    status: "rejected",
    rejectedReason: "PROMOTIONAL",
    components: [
      body("Spring sale: 30% off everything until Sunday!"),
      { type: "BUTTONS", buttons: [{ type: "QUICK_REPLY", text: "Stop promotions" }] },
    ],
  },
  {
    metaTemplateId: "1100000000000005",
    name: "feedback_request",
    category: "marketing",
    status: "paused",
    qualityScore: "red",
    components: [body("How did we do, {{1}}? Reply with a number from 1 to 5.", ["Maria"])],
  },
] as const;

/** The channels conversations run on, in the order conversations take them. */
const CONVERSATION_CHANNELS: ChannelType[] = ["whatsapp", "whatsapp", "instagram", "webchat", "email", "facebook"];

const FIRST_NAMES = (
  "Alex Maria James Aisha Chen Sofia Liam Fatima Noah Emma Diego Priya Lucas Olivia Kenji Amara Mateo Zoe Ivan " +
  "Leila Omar Grace Hugo Nina Tariq Elena Samuel Yuki Jonas Chloe"
).split(" ");
const LAST_NAMES = (
  "Garcia Smith Okafor Nguyen Müller Rossi Kowalski Haddad Silva Johnson Tanaka Dubois Patel Andersen Moreau Khan " +
  "Fischer Lopez Novak Walsh"
).split(" ");
const CONTACT_TAGS = [
  [5, "vip"],
  [3, "newsletter"],
  [7, "wholesale"],
  [11, "complaint"],
  [4, "returning"],
] as const;

type Speaker = "customer" | "agent" | "ai" | "system";
type ContentType = (typeof messages.$inferInsert)["contentType"];
interface Turn {
  from: Speaker;
  text: string;
  contentType?: ContentType;
  payload?: Record<string, unknown>;
  /** A reaction or reply to the message just before it. */
  replyToPrevious?: boolean;
}
interface Script {
  subject: string;
  tags: string[];
  /** Spec 001's record of how it went, set once the conversation is resolved or closed. */
  outcome: string;
  sentiment: "positive" | "neutral" | "negative";
  summary: string;
  handoffSuggested?: boolean;
  turns: Turn[];
}

const MEDIA = "https://demo.frontdesk.dev/media";
/** What customers ask, with `{first}`, `{order}` and `{agent}` filled in per conversation. */
const SCRIPTS: Script[] = [
  {
    subject: "Where is my order?",
    tags: ["order-status"],
    outcome: "information_provided",
    sentiment: "positive",
    summary: "{first} asked where order {order} was; it is with the courier and arrives tomorrow.",
    turns: [
      { from: "customer", text: "Hi! Where is my order {order}? It said 3-5 days." },
      { from: "ai", text: "Hi {first}! Let me check that for you." },
      { from: "ai", text: "Order {order} left our warehouse yesterday. Expected delivery: tomorrow before 6 pm." },
      { from: "customer", text: "Great, thanks! Can I change the delivery address?" },
      {
        from: "agent",
        text: "Hi {first}, {agent} here. It's with the courier now, but you can redirect it from the tracking page: https://track.example.com/{order}",
      },
      { from: "customer", text: "👍", contentType: "reaction", payload: { emoji: "👍" }, replyToPrevious: true },
      {
        from: "system",
        text: "Your order {order} is out for delivery.",
        contentType: "template",
        payload: { name: "order_out_for_delivery", language: "en_US", parameters: ["{first}", "{order}"] },
      },
    ],
  },
  {
    subject: "Return: shirt too small",
    tags: ["returns"],
    outcome: "return_created",
    sentiment: "neutral",
    summary: "{first} returned the linen shirt from {order} for a size L; return label sent.",
    turns: [
      { from: "customer", text: "Hello, I'd like to return the linen shirt from order {order}, it's too small." },
      {
        from: "ai",
        text: "Sorry it didn't fit, {first}. Apparel can be returned within 30 days. Could you send a photo of the label?",
      },
      {
        from: "customer",
        text: "Here's the label",
        contentType: "image",
        payload: { url: `${MEDIA}/shirt-label.jpg`, mimeType: "image/jpeg", caption: "Here's the label" },
      },
      {
        from: "ai",
        text: "Would you like a refund or an exchange for a larger size?",
        contentType: "interactive",
        payload: {
          type: "button",
          buttons: [
            { id: "refund", title: "Refund" },
            { id: "exchange", title: "Exchange" },
          ],
        },
      },
      { from: "customer", text: "Exchange please, size L" },
      { from: "agent", text: "Done! The size L ships as soon as the courier scans your parcel. Label attached." },
      {
        from: "agent",
        text: "return-label-{order}.pdf",
        contentType: "file",
        payload: {
          url: `${MEDIA}/return-label-{order}.pdf`,
          filename: "return-label-{order}.pdf",
          mimeType: "application/pdf",
        },
      },
      { from: "customer", text: "Perfect, thank you!" },
    ],
  },
  {
    subject: "Earbuds: Android and waterproof?",
    tags: ["pre-sales"],
    outcome: "order_placed",
    sentiment: "positive",
    summary: "{first} asked about the wireless earbuds and ordered two ({order}) through a payment link.",
    turns: [
      { from: "customer", text: "Do the wireless earbuds work with Android?" },
      { from: "ai", text: "Yes, with any Bluetooth phone, Android or iPhone, and 30 hours of battery with the case." },
      { from: "customer", text: "Are they waterproof?" },
      { from: "ai", text: "They're IPX4: fine for rain and the gym, not for swimming." },
      { from: "customer", text: "OK I'll take two" },
      {
        from: "ai",
        text: "2 x Wireless earbuds, $179.98. Shall I send a payment link?",
        contentType: "interactive",
        payload: {
          type: "button",
          buttons: [
            { id: "pay", title: "Yes, send it" },
            { id: "later", title: "Later" },
          ],
        },
      },
      { from: "customer", text: "Yes" },
      { from: "ai", text: "Here it is: https://pay.example.com/{order}. Your order number is {order}." },
    ],
  },
  {
    subject: "Parcel marked delivered but missing",
    tags: ["complaint", "delivery"],
    outcome: "escalated",
    sentiment: "negative",
    summary: "{first}'s parcel {order} was marked delivered but never arrived; a replacement was sent.",
    handoffSuggested: true,
    turns: [
      { from: "customer", text: "My parcel says delivered but nothing is here. This is the second time!!" },
      {
        from: "ai",
        text: "I'm sorry, {first}. The courier marked {order} delivered at 14:02. Could you check with neighbours?",
      },
      { from: "customer", text: "I checked everywhere. I want a refund." },
      { from: "ai", text: "I understand. I'm passing this to a colleague who can arrange a refund or a replacement." },
      {
        from: "agent",
        text: "Hi {first}, {agent} here. I've opened a claim with the courier and we're sending a replacement today.",
      },
      {
        from: "customer",
        text: "Voice message",
        contentType: "audio",
        payload: { url: `${MEDIA}/voice-note.ogg`, mimeType: "audio/ogg", durationSeconds: 14 },
      },
      { from: "agent", text: "Got it, thanks. You'll have the tracking number within the hour." },
    ],
  },
  {
    subject: "Nearest store",
    tags: ["store"],
    outcome: "information_provided",
    sentiment: "neutral",
    summary: "{first} asked for the nearest store; directed to Covent Garden.",
    turns: [
      { from: "customer", text: "Which store is closest to me?" },
      { from: "ai", text: "Could you share your location?" },
      {
        from: "customer",
        text: "Trafalgar Square",
        contentType: "location",
        payload: { latitude: 51.508, longitude: -0.128, name: "Trafalgar Square" },
      },
      { from: "ai", text: "Our Covent Garden store is 800 m away, open 10:00-20:00 today." },
      { from: "customer", text: "Thanks", contentType: "sticker", payload: { url: `${MEDIA}/thanks.webp` } },
    ],
  },
  {
    subject: "Card declined",
    tags: ["billing"],
    outcome: "resolved",
    sentiment: "neutral",
    summary: "{first}'s card was declined; paid {order} through a new payment link.",
    turns: [
      { from: "customer", text: "My card was declined but I was charged?" },
      {
        from: "agent",
        text: "Hi {first}, that's a pending authorisation, not a charge: your bank releases it within 3-5 business days.",
      },
      { from: "customer", text: "Ok. Can I pay another way?" },
      { from: "agent", text: "Yes, here's a new payment link for {order}: https://pay.example.com/{order}" },
      { from: "customer", text: "Paid, thanks" },
      {
        from: "system",
        text: "We received your payment for {order}. Thank you!",
        contentType: "template",
        payload: { name: "payment_received", language: "en_US", parameters: ["{order}"] },
      },
    ],
  },
  {
    subject: "Wholesale prices for mug sets",
    tags: ["wholesale", "lead"],
    outcome: "lead_qualified",
    sentiment: "positive",
    summary: "{first} runs a gift shop and wants about 50 mug sets a month; quote sent.",
    turns: [
      { from: "customer", text: "Hi, I run a small gift shop. Do you offer wholesale prices for the mug sets?" },
      { from: "ai", text: "We do! From 24 sets the price is 30% off. How many would you need per month?" },
      { from: "customer", text: "About 50" },
      { from: "ai", text: "Great, our wholesale team will send you a quote today." },
      {
        from: "agent",
        text: "Hello {first}, I'm {agent}. Quote attached: 50 sets at $23.80 each, delivery in 5 days.",
      },
      {
        from: "agent",
        text: "quote.pdf",
        contentType: "file",
        payload: { url: `${MEDIA}/quote.pdf`, filename: "quote.pdf", mimeType: "application/pdf" },
      },
      {
        from: "customer",
        text: "Our shop, so you can see the display",
        contentType: "video",
        payload: { url: `${MEDIA}/shop.mp4`, mimeType: "video/mp4", caption: "Our shop" },
      },
    ],
  },
  {
    subject: "Sunday opening hours",
    tags: ["faq"],
    outcome: "information_provided",
    sentiment: "positive",
    summary: "{first} asked about Sunday opening hours.",
    turns: [
      { from: "customer", text: "Are you open on Sunday?" },
      { from: "ai", text: "Yes, 11:00-17:00 on Sundays, and this chat answers 24/7." },
      { from: "customer", text: "Perfect, see you Sunday" },
    ],
  },
];

/** Why an outbound message failed, as each platform reports it. */
const FAILURES: Partial<Record<ChannelType, { code: string; title: string; details: string }>> = {
  whatsapp: {
    code: "131047",
    title: "Re-engagement message",
    details: "More than 24 hours have passed since the recipient last replied to the sender number.",
  },
  email: { code: "550", title: "Mailbox unavailable", details: "The recipient's mail server rejected the address." },
};
const DEFAULT_FAILURE = {
  code: "551",
  title: "Recipient unavailable",
  details: "The platform could not deliver the message to this user.",
};

/** The statuses a conversation's last outbound messages end in, in turn (earlier ones were read: the customer replied). */
const LAST_OUTBOUND_STATUSES: DeliveryStatus[] = ["delivered", "sent", "read", "queued", "failed"];

interface DemoContact {
  name: string;
  first: string;
  phoneNumber: string | null;
  email: string | null;
  tags: string[];
}

/** Contact i: a unique name, a fictional phone number (US 202-555-01xx, then UK 07700 900xxx) and email. */
function demoContact(i: number): DemoContact {
  const first = FIRST_NAMES[i % FIRST_NAMES.length]!;
  // Unique for i < 600: the last name's step changes every time the first names wrap.
  const last = LAST_NAMES[(7 * i + Math.floor(i / FIRST_NAMES.length)) % LAST_NAMES.length]!;
  const phone = i < 100 ? `+1202555${String(100 + i).padStart(4, "0")}` : `+447700900${String(i).padStart(3, "0")}`;
  const local = `${first}.${last}`
    .toLowerCase()
    .normalize("NFD")
    .replace(/[^a-z.]/g, "");
  // Every 9th has no email, every 13th no phone unless it has no email: each is found again by a unique key.
  const withoutEmail = i % 9 === 8;
  return {
    name: `${first} ${last}`,
    first,
    phoneNumber: i % 13 === 12 && !withoutEmail ? null : phone,
    email: withoutEmail ? null : `${local}@example.com`,
    tags: CONTACT_TAGS.filter(([every]) => i % every === 0).map(([, tag]) => tag),
  };
}

const fill = (text: string, values: Record<string, string>) =>
  text.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
const fillPayload = (payload: Record<string, unknown> | undefined, values: Record<string, string>) =>
  payload && (JSON.parse(fill(JSON.stringify(payload), values)) as Record<string, unknown>);

/** The status of conversation k: mostly open, then resolved, pending and closed. */
function statusOf(k: number): ConversationStatus {
  const slot = k % 10;
  return slot < 4 ? "open" : slot < 6 ? "pending" : slot < 9 ? "resolved" : "closed";
}

/**
 * How far the conversation got: resolved and closed ones run their whole script; an open one
 * ends on the customer (waiting for an answer), a pending one on us (waiting for the customer).
 */
function turnsShown(script: Script, status: ConversationStatus, k: number): Turn[] {
  if (status === "resolved" || status === "closed") return script.turns;
  const waitingOnUs = status === "open";
  const ends = script.turns
    .map((turn, index) => ({ index, ours: turn.from !== "customer" }))
    .filter((turn) => turn.ours !== waitingOnUs && turn.index > 0);
  const end = ends[k % Math.max(1, ends.length)]?.index ?? script.turns.length - 1;
  return script.turns.slice(0, end + 1);
}

/** Seconds until a speaker answers: the AI at once, people after minutes. */
function replyDelaySeconds(from: Speaker, k: number, t: number): number {
  if (from === "ai") return 4 + ((k + t) % 12);
  if (from === "system") return 60;
  if (from === "agent") return 60 * (2 + ((k * (t + 1)) % 25));
  return 60 * (1 + ((k + 3 * t) % 9));
}

/** Minutes before now the last message was: open and pending ones are recent, the others up to four weeks old. */
function ageMinutes(status: ConversationStatus, k: number): number {
  if (status === "open") return 3 + ((k * 97) % (2 * 1440));
  if (status === "pending") return 30 + ((k * 131) % (4 * 1440));
  return 1440 + ((k * 4349) % (28 * 1440));
}

/** Demo conversation k's chat id on its channel, and the number of the order it talks about (commerce's seed adds it). */
export const demoChatId = (k: number) => `demo-chat-${k}`;
export const demoOrderNumber = (k: number) => `FD-${10_001 + k}`;

type DemoUsers = Record<"owner" | "admin" | "agent", { id: string; name: string } | undefined>;

function assigneeOf(status: ConversationStatus, k: number, people: DemoUsers) {
  if (status === "open") return [people.agent, people.admin, people.owner, undefined][k % 4];
  if (status === "pending") return k % 2 ? people.admin : people.agent;
  return k % 3 ? people.agent : undefined;
}

/** A conversation and its messages as planned, before the tenant's channel and contact ids are known. */
type PlannedConversation = Omit<typeof conversations.$inferInsert, "tenantId" | "channelId" | "contactId"> & {
  id: string;
  channelType: ChannelType;
  startedAt: Date;
};
type PlannedMessage = Omit<typeof messages.$inferInsert, "tenantId" | "channelId"> & { id: string; timestamp: Date };

/** The steps an outbound message passes, in order (failed stands apart). */
const DELIVERY_STEPS: DeliveryStatus[] = ["queued", "sent", "delivered", "read"];
const SPEAKER_NAMES: Record<Speaker, string> = { customer: "Customer", agent: "Agent", ai: "AI", system: "System" };

/** Conversation k with its messages; counts, last-message time and unread count derived from those messages. */
function demoConversation(
  k: number,
  contact: DemoContact,
  channelType: ChannelType,
  people: DemoUsers,
  now: number,
): { conversation: PlannedConversation; messages: PlannedMessage[] } {
  const script = SCRIPTS[k % SCRIPTS.length]!;
  const status = statusOf(k);
  const assignee = assigneeOf(status, k, people);
  const agent = assignee ?? people.agent;
  const values = { first: contact.first, order: demoOrderNumber(k), agent: agent?.name ?? "the team" };
  const turns = turnsShown(script, status, k);
  const delays = turns.map((turn, t) => (t === 0 ? 0 : replyDelaySeconds(turn.from, k, t)));
  const spanMs = delays.reduce((sum, seconds) => sum + seconds * 1000, 0);
  const startedAt = now - ageMinutes(status, k) * MINUTE - spanMs;
  const lastCustomerTurn = turns.findLastIndex((turn) => turn.from === "customer");
  // An open conversation's closing customer messages are unread in two cases out of three.
  const unreadFrom =
    status === "open" && k % 3 ? turns.findLastIndex((turn) => turn.from !== "customer") + 1 : Infinity;
  const failure = FAILURES[channelType] ?? DEFAULT_FAILURE;
  const conversationId = randomUUID();

  let at = startedAt;
  const rows: PlannedMessage[] = [];
  for (const [t, turn] of turns.entries()) {
    at += delays[t]! * 1000;
    const timestamp = new Date(at);
    const inbound = turn.from === "customer";
    // What the customer answered, they had read; our last messages are somewhere on their way.
    const delivery: DeliveryStatus = inbound
      ? t >= unreadFrom
        ? "delivered"
        : "read"
      : t < lastCustomerTurn
        ? "read"
        : LAST_OUTBOUND_STATUSES[(k + t) % LAST_OUTBOUND_STATUSES.length]!;
    const failed = delivery === "failed";
    const reached = DELIVERY_STEPS.indexOf(delivery);
    const step = (index: number, seconds: number) => (reached >= index ? new Date(at + seconds * 1000) : null);
    rows.push({
      id: randomUUID(),
      conversationId,
      direction: inbound ? "inbound" : "outbound",
      sender: turn.from,
      senderUserId: turn.from === "agent" ? agent?.id : undefined,
      contentType: turn.contentType ?? "text",
      text: fill(turn.text, values),
      payload: fillPayload(turn.payload, values),
      platformMessageId: delivery === "queued" || failed ? null : `demo-${channelType}-${k}-${t}`,
      status: delivery,
      errorCode: failed ? failure.code : null,
      errorTitle: failed ? failure.title : null,
      errorDetails: failed ? failure.details : null,
      sentAt: inbound ? timestamp : step(1, 1),
      deliveredAt: inbound ? timestamp : step(2, 3),
      readAt: inbound ? (delivery === "read" ? new Date(at + 30_000) : null) : step(3, 45),
      failedAt: failed ? new Date(at + 2000) : null,
      replyToId: turn.replyToPrevious ? rows.at(-1)?.id : undefined,
      timestamp,
      createdAt: timestamp,
      updatedAt: timestamp,
    });
  }
  const finished = status === "resolved" || status === "closed";
  return {
    conversation: {
      id: conversationId,
      channelType,
      assigneeId: assignee?.id,
      subject: script.subject,
      status,
      tags: script.tags,
      platformChatId: demoChatId(k),
      startedAt: new Date(startedAt),
      lastMessageAt: new Date(at),
      messageCount: rows.length,
      unreadCount: rows.filter((row) => row.direction === "inbound" && row.status !== "read").length,
      handoffSuggested: script.handoffSuggested ?? false,
      ...(finished && {
        outcome: script.outcome,
        sentiment: script.sentiment,
        summary: fill(script.summary, values),
        durationSeconds: Math.round(spanMs / 1000),
        ...(turns.some((turn) => turn.from === "ai") && {
          aiConfidence: (60 + ((k * 37) % 39)) / 100,
          transcript: rows.map((row) => `${SPEAKER_NAMES[row.sender]}: ${row.text}`).join("\n"),
        }),
      }),
      createdAt: new Date(startedAt),
      updatedAt: new Date(at),
    },
    messages: rows,
  };
}

/** The platform's id for a contact on a channel (its phone number on WhatsApp, its address by email). */
function platformCustomerId(type: ChannelType, index: number, contact: DemoContact): string {
  if (type === "whatsapp") return contact.phoneNumber!.slice(1);
  if (type === "email") return contact.email!;
  return `demo-${type}-user-${index}`;
}

/** A channel conversation k can run on for this contact: WhatsApp needs a phone, email an address. */
function channelFor(k: number, contact: DemoContact): ChannelType {
  const type = CONVERSATION_CHANNELS[k % CONVERSATION_CHANNELS.length]!;
  if (type === "whatsapp" && !contact.phoneNumber) return "email";
  if (type === "email" && !contact.email) return "whatsapp";
  return type;
}

/**
 * Every demo contact and conversation, planned before anything is written: a contact with
 * conversations was first seen when the first began and last seen at their latest message.
 */
function plan(people: DemoUsers, now: number) {
  const planned = Array.from({ length: CUSTOMERS + SECOND_CONVERSATIONS }, (_, k) => {
    const contactIndex = k % CUSTOMERS;
    const contact = demoContact(contactIndex);
    // A second conversation takes the next channel in the cycle, so its contact has two identities.
    return {
      contactIndex,
      ...demoConversation(k, contact, channelFor(k + Math.floor(k / CUSTOMERS), contact), people, now),
    };
  });
  const seen = new Map<number, { firstSeenAt: Date; lastSeenAt: Date }>();
  for (const { contactIndex, conversation, messages: rows } of planned) {
    const inbound = rows.filter((row) => row.direction === "inbound").map((row) => row.timestamp.getTime());
    const known = seen.get(contactIndex);
    const first = Math.min(conversation.startedAt.getTime(), known?.firstSeenAt.getTime() ?? Infinity);
    const last = Math.max(...inbound, known?.lastSeenAt.getTime() ?? 0);
    seen.set(contactIndex, { firstSeenAt: new Date(first), lastSeenAt: new Date(last) });
  }
  const demoContacts = Array.from({ length: CONTACT_COUNT }, (_, index) => {
    // One who never wrote signed up some time in the last month.
    const signedUp = new Date(now - ((index * 6389) % (30 * 1440)) * MINUTE);
    return { ...demoContact(index), ...(seen.get(index) ?? { firstSeenAt: signedUp, lastSeenAt: signedUp }) };
  });
  return { demoContacts, planned };
}

/** Adds the inbox's demo rows to the demo tenant, in one transaction. True when it added any. */
export async function seed(db: Database, demo: DemoCredentials): Promise<boolean> {
  const { tenantId } = demo;
  const now = Date.now();
  return db.transaction(async (tx) => {
    const { demoContacts, planned } = plan(await demoUsers(tx, demo), now);
    const addedChannels = await tx
      .insert(channels)
      .values(
        DEMO_CHANNELS.map((channel, index) => ({
          tenantId,
          type: channel.type,
          platformSpecificId: channel.platformSpecificId,
          accountId: "accountId" in channel ? channel.accountId : null,
          name: channel.name,
          scopes: [...channel.scopes],
          metadata: "metadata" in channel ? channel.metadata : null,
          isActive: !("active" in channel) || channel.active,
          tokenExpiresAt: channel.scopes.length > 0 ? new Date(now + 55 * DAY) : null,
          createdAt: new Date(now - 31 * DAY + index * MINUTE),
          updatedAt: new Date(now - 31 * DAY + index * MINUTE),
        })),
      )
      .onConflictDoNothing()
      .returning({ id: channels.id });
    const channelRows = await tx
      .select({ id: channels.id, type: channels.type })
      .from(channels)
      .where(
        and(
          eq(channels.tenantId, tenantId),
          inArray(
            channels.platformSpecificId,
            DEMO_CHANNELS.map((channel) => channel.platformSpecificId),
          ),
        ),
      );
    const channelId = new Map(channelRows.map((row) => [row.type, row.id]));

    const addedContacts = await tx
      .insert(contacts)
      .values(
        demoContacts.map((contact) => ({
          tenantId,
          name: contact.name,
          phoneNumber: contact.phoneNumber,
          email: contact.email,
          tags: contact.tags,
          firstSeenAt: contact.firstSeenAt,
          lastSeenAt: contact.lastSeenAt,
          createdAt: contact.firstSeenAt,
          updatedAt: contact.lastSeenAt,
        })),
      )
      .onConflictDoNothing()
      .returning({ id: contacts.id });
    // Each demo contact's id, added now or before, found by the unique key it has.
    const found = await tx
      .select({
        id: contacts.id,
        phoneNumber: contacts.phoneNumber,
        email: sql<string | null>`lower(${contacts.email})`,
      })
      .from(contacts)
      .where(
        and(
          eq(contacts.tenantId, tenantId),
          or(
            inArray(
              contacts.phoneNumber,
              demoContacts.flatMap((contact) => contact.phoneNumber ?? []),
            ),
            inArray(
              sql`lower(${contacts.email})`,
              demoContacts.flatMap((contact) => contact.email ?? []),
            ),
          ),
        ),
      );
    const idByKey = new Map(
      found.flatMap((row) => [row.phoneNumber, row.email].flatMap((key) => (key ? [[key, row.id]] : []))),
    );
    const contactId = (index: number) => {
      const contact = demoContacts[index]!;
      return idByKey.get(contact.phoneNumber ?? "") ?? idByKey.get(contact.email ?? "")!;
    };

    await tx
      .insert(contactIdentities)
      .values(
        planned.map(({ contactIndex, conversation }) => ({
          tenantId,
          contactId: contactId(contactIndex),
          channelId: channelId.get(conversation.channelType)!,
          platformCustomerId: platformCustomerId(conversation.channelType, contactIndex, demoContacts[contactIndex]!),
          createdAt: conversation.startedAt,
        })),
      )
      .onConflictDoNothing();
    const addedConversations = await tx
      .insert(conversations)
      .values(
        planned.map(({ contactIndex, conversation }) => ({
          ...conversation,
          tenantId,
          channelId: channelId.get(conversation.channelType)!,
          contactId: contactId(contactIndex),
        })),
      )
      .onConflictDoNothing()
      .returning({ id: conversations.id });
    // Only a conversation added now gets its messages: one found again has them already.
    const added = new Set(addedConversations.map((row) => row.id));
    const newMessages = planned.flatMap(({ conversation, messages: rows }) =>
      added.has(conversation.id)
        ? rows.map((row) => ({ ...row, tenantId, channelId: channelId.get(conversation.channelType)! }))
        : [],
    );
    if (newMessages.length > 0) await tx.insert(messages).values(newMessages);
    const addedTemplates = await tx
      .insert(whatsappTemplates)
      .values(
        DEMO_TEMPLATES.map((template, index) => ({
          ...template,
          components: template.components.map((component) => ({ ...component })),
          tenantId,
          businessAccountId: DEMO_WHATSAPP.businessAccountId,
          language: "en_US",
          createdAt: new Date(now - (20 - index) * DAY),
          updatedAt: new Date(now - (20 - index) * DAY),
        })),
      )
      .onConflictDoNothing()
      .returning({ id: whatsappTemplates.id });
    return addedTemplates.length + addedChannels.length + addedContacts.length + addedConversations.length > 0;
  });
}

/** The demo owner, admin and agent, by the emails the platform seed gave them. */
async function demoUsers(db: Database, demo: DemoCredentials): Promise<DemoUsers> {
  const rows = await db
    .select({ id: users.id, name: users.name, role: users.role })
    .from(users)
    .where(
      and(
        eq(users.tenantId, demo.tenantId),
        inArray(
          sql`lower(${users.email})`,
          demo.users.map((user) => user.email),
        ),
      ),
    );
  const withRole = (role: string) => rows.find((row) => row.role === role);
  return { owner: withRole("owner"), admin: withRole("admin"), agent: withRole("agent") };
}
