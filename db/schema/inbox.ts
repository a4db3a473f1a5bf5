import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  doublePrecision,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { createdAt, oneOf, updatedAt } from "./columns";
import { tenantColumn, users } from "./platform";

/**
 * The inbox (DESIGN §1): every customer, on every channel, in one place. Spec 002's connected
 * channels, customers, chats and messages; spec 003's contacts, conversations and messages; spec
 * 001's conversation records; spec 000's chat sessions and chat messages. Stored enum values are
 * lower case; the routes also take the specs' upper-case spellings.
 */

/** Where a conversation happens (spec 002's platformTypeEnum, and spec 000's chat modes). */
export const CHANNEL_TYPES = [
  "whatsapp",
  "instagram",
  "facebook",
  "shopify",
  "woocommerce",
  "webchat",
  "email",
  "sms",
  "phone",
] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];
export const CONVERSATION_STATUSES = ["open", "pending", "resolved", "closed"] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];
export const MESSAGE_DIRECTIONS = ["inbound", "outbound"] as const;
export const MESSAGE_SENDERS = ["customer", "agent", "ai", "system"] as const;
export const CONTENT_TYPES = [
  "text",
  "image",
  "video",
  "audio",
  "file",
  "document",
  "location",
  "sticker",
  "contacts",
  "template",
  "interactive",
  "button",
  "reaction",
  "unsupported",
] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];
/** A message's delivery, in the order it moves (a status only moves forward; `failed` keeps its error fields). */
export const DELIVERY_STATUSES = ["queued", "sent", "delivered", "read", "failed"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * A connection to an outside platform (spec 002's connectedChannels). Its access and refresh tokens
 * are not here: they are the platform credentials store's (kind `channel`, named by the channel's id),
 * sealed there and masked on read.
 */
export const channels = pgTable(
  "channels",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: tenantColumn(),
    type: text().$type<ChannelType>().notNull(),
    /**
     * The platform's own id for it (a WhatsApp phone number id, a Shopify shop); unique per tenant and
     * type, and a WhatsApp number's across tenants too: Meta's webhooks are routed by it.
     */
    platformSpecificId: text(),
    /** The platform account it belongs to: a WhatsApp number's Business Account (WABA) id, which routes template events. */
    accountId: text(),
    name: text().notNull(),
    tokenExpiresAt: timestamp({ withTimezone: true }),
    scopes: text().array().notNull().default(sql`'{}'::text[]`),
    metadata: jsonb().$type<Record<string, unknown>>(),
    isActive: boolean().notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // Lets conversations, identities and orders reference (tenant_id, id): never another tenant's channel.
    unique().on(t.tenantId, t.id),
    unique().on(t.tenantId, t.type, t.platformSpecificId),
    uniqueIndex("channels_whatsapp_number_key").on(t.platformSpecificId).where(sql`${t.type} = 'whatsapp'`),
    index().on(t.type, t.accountId),
    oneOf("channels_type_check", t.type, CHANNEL_TYPES),
    index().on(t.tenantId, t.createdAt, t.id),
  ],
);

/**
 * One person (spec 003's contact, spec 002's customer), however many channels reach them. The phone
 * number is E.164 and unique per tenant; email is unique per tenant ignoring case.
 */
export const contacts = pgTable(
  "contacts",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: tenantColumn(),
    phoneNumber: text(),
    name: text(),
    email: text(),
    avatarUrl: text(),
    tags: text().array().notNull().default(sql`'{}'::text[]`),
    metadata: jsonb().$type<Record<string, unknown>>(),
    firstSeenAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique().on(t.tenantId, t.id),
    unique().on(t.tenantId, t.phoneNumber),
    uniqueIndex("contacts_tenant_email_key").on(t.tenantId, sql`lower(${t.email})`),
    index().on(t.tenantId, t.createdAt, t.id),
  ],
);

/**
 * How one channel knows a contact (spec 002's customer row: channel and platform customer id). A
 * platform's customer id names one person on that channel, so `(channel, platform customer id)` is unique.
 */
export const contactIdentities = pgTable(
  "contact_identities",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: uuid().notNull(),
    contactId: uuid().notNull(),
    channelId: uuid().notNull(),
    platformCustomerId: text().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    foreignKey({ columns: [t.tenantId, t.contactId], foreignColumns: [contacts.tenantId, contacts.id] }).onDelete(
      "cascade",
    ),
    foreignKey({ columns: [t.tenantId, t.channelId], foreignColumns: [channels.tenantId, channels.id] }).onDelete(
      "cascade",
    ),
    unique().on(t.channelId, t.platformCustomerId),
    index().on(t.tenantId, t.contactId),
  ],
);

/**
 * One conversation, on any channel: spec 002's chat, spec 003's conversation, spec 001's AI
 * conversation record, spec 000's chat session. `channelType` is always set; `channelId` when the
 * conversation runs through a connected channel (a returns desk's web chat on the tenant's own site
 * has none). The AI fields are spec 001's.
 */
export const conversations = pgTable(
  "conversations",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: tenantColumn(),
    channelType: text().$type<ChannelType>().notNull(),
    channelId: uuid(),
    contactId: uuid(),
    /** A user of the tenant handling it; resolved in the caller's tenant on every write. */
    assigneeId: uuid().references(() => users.id, { onDelete: "set null" }),
    subject: text(),
    status: text().$type<ConversationStatus>().notNull().default("open"),
    /** A test conversation (spec 000's `test_mode` session) rather than a customer's. */
    isTest: boolean().notNull().default(false),
    tags: text().array().notNull().default(sql`'{}'::text[]`),
    platformChatId: text(),
    metadata: jsonb().$type<Record<string, unknown>>(),
    startedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastMessageAt: timestamp({ withTimezone: true }),
    unreadCount: integer().notNull().default(0),
    messageCount: integer().notNull().default(0),
    outcome: text(),
    sentiment: text(),
    summary: text(),
    transcript: text(),
    durationSeconds: integer(),
    aiConfidence: doublePrecision(),
    handoffSuggested: boolean().notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique().on(t.tenantId, t.id),
    foreignKey({ columns: [t.tenantId, t.channelId], foreignColumns: [channels.tenantId, channels.id] }).onDelete(
      "cascade",
    ),
    foreignKey({ columns: [t.tenantId, t.contactId], foreignColumns: [contacts.tenantId, contacts.id] }).onDelete(
      "cascade",
    ),
    unique().on(t.channelId, t.platformChatId),
    oneOf("conversations_channel_type_check", t.channelType, CHANNEL_TYPES),
    oneOf("conversations_status_check", t.status, CONVERSATION_STATUSES),
    check("conversations_counts_check", sql`${t.unreadCount} >= 0 and ${t.messageCount} >= 0`),
    index().on(t.tenantId, t.updatedAt, t.id),
    index().on(t.tenantId, t.status, t.updatedAt, t.id),
    index().on(t.tenantId, t.assigneeId, t.updatedAt, t.id),
    index().on(t.tenantId, t.contactId, t.updatedAt, t.id),
  ],
);

/** One message of a conversation, either way, on any channel. */
export const messages = pgTable(
  "messages",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: uuid().notNull(),
    conversationId: uuid().notNull(),
    /** The conversation's channel, copied so a platform's message id is unique per channel. */
    channelId: uuid(),
    direction: text().$type<(typeof MESSAGE_DIRECTIONS)[number]>().notNull(),
    sender: text().$type<(typeof MESSAGE_SENDERS)[number]>().notNull(),
    senderUserId: uuid().references(() => users.id, { onDelete: "set null" }),
    senderApiKeyId: uuid(),
    contentType: text().$type<(typeof CONTENT_TYPES)[number]>().notNull().default("text"),
    text: text(),
    /** The structured content: media url and caption, a location, a template and its parameters. */
    payload: jsonb().$type<Record<string, unknown>>(),
    metadata: jsonb().$type<Record<string, unknown>>(),
    platformMessageId: text(),
    status: text().$type<DeliveryStatus>().notNull().default("queued"),
    errorCode: text(),
    errorTitle: text(),
    errorDetails: text(),
    sentAt: timestamp({ withTimezone: true }),
    deliveredAt: timestamp({ withTimezone: true }),
    readAt: timestamp({ withTimezone: true }),
    failedAt: timestamp({ withTimezone: true }),
    replyToId: uuid(),
    timestamp: timestamp({ withTimezone: true }).notNull().defaultNow(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique().on(t.tenantId, t.id),
    foreignKey({
      columns: [t.tenantId, t.conversationId],
      foreignColumns: [conversations.tenantId, conversations.id],
    }).onDelete("cascade"),
    foreignKey({ columns: [t.tenantId, t.channelId], foreignColumns: [channels.tenantId, channels.id] }).onDelete(
      "cascade",
    ),
    // By id alone, so deleting the message replied to clears only reply_to_id; writes resolve it in the tenant.
    foreignKey({ columns: [t.replyToId], foreignColumns: [t.id] }).onDelete("set null"),
    unique().on(t.channelId, t.platformMessageId),
    oneOf("messages_direction_check", t.direction, MESSAGE_DIRECTIONS),
    oneOf("messages_sender_check", t.sender, MESSAGE_SENDERS),
    oneOf("messages_content_type_check", t.contentType, CONTENT_TYPES),
    oneOf("messages_status_check", t.status, DELIVERY_STATUSES),
    // A conversation's history, by time, in either direction and from any cursor.
    index().on(t.tenantId, t.conversationId, t.timestamp, t.id),
    index().on(t.tenantId, t.timestamp, t.id),
  ],
);
