import { and, eq, gte, inArray, lt, type SQL, sql } from "drizzle-orm";
import { type AnyPgColumn, alias } from "drizzle-orm/pg-core";
import type { z } from "zod";
import type { Database } from "../../db/client";
import {
  type CONTENT_TYPES,
  channels,
  contacts,
  conversations,
  type DeliveryStatus,
  type MESSAGE_DIRECTIONS,
  type MESSAGE_SENDERS,
  messages,
} from "../../db/schema";
import { shownColumns } from "../../shared/columns";
import type { AuthenticatedCaller, Page, ServiceContext } from "../../shared/context";
import { AppError, conflictOn, notFound, unprocessable } from "../../shared/errors";
import { childPage, correlated, listPage, type Sort } from "../../shared/pagination";
import { stateMachine } from "../../shared/state-machine";
import { appendEvents, type EventType, type NewEvent } from "../platform/events";
import { ACTIVE_STATUSES, activeConversationOf, insertConversation, type MessageRow } from "./conversations";
import type {
  createMessageBody,
  listChatMessagesQuery,
  listMessagesQuery,
  NewMessage,
  updateMessageBody,
} from "./messages.schemas";
import { upstreamFailed } from "./whatsapp/graph";
import { errorFieldsOf, outgoingOf, sendToMeta } from "./whatsapp/send";

/**
 * Messages of every channel. Messages are added with `appendMessages` (one, `appendMessage`), the
 * one place a conversation's counters move and `message:new` is announced; every route that adds
 * one (POST /api/messages, /api/chats/:id/messages, returns' /api/chat-messages, sales' transcripts)
 * goes through it.
 */

const messageColumns = shownColumns(messages);

/** The 409 of a platformMessageId the channel already has a message with. */
const DUPLICATE = {
  messages_channelId_platformMessageId_unique: "The channel already has a message with this platformMessageId",
};

type Sender = (typeof MESSAGE_SENDERS)[number];
type Direction = (typeof MESSAGE_DIRECTIONS)[number];

/**
 * Delivery moves forward only, whatever order a platform reports it in, up one precedence:
 *
 * | status    | may move to                    | error fields |
 * | --------- | ------------------------------ | ------------ |
 * | queued    | sent, failed, delivered, read  | none         |
 * | sent      | failed, delivered, read        | none         |
 * | failed    | delivered, read                | Meta's code, title and details |
 * | delivered | read                           | none         |
 * | read      | (final)                        | none         |
 *
 * Steps may be skipped (a read receipt can arrive before the delivery one). `failed` ranks above
 * `sent` and below `delivered`: a failure after a delivery is a stale report (the phone has the
 * message) and changes nothing, while a delivery or read after a failure proves the message arrived
 * and clears the error. So a message's status is the highest it has been reported in, and it carries
 * error fields exactly when it is `failed`: the stored status, its errors and the events feed never
 * contradict each other, whatever the arrival order.
 */
const deliveryStatuses = stateMachine<DeliveryStatus>("message", {
  queued: ["sent", "failed", "delivered", "read"],
  sent: ["failed", "delivered", "read"],
  failed: ["delivered", "read"],
  delivered: ["read"],
  read: [],
});

const DELIVERY_ORDER: DeliveryStatus[] = ["queued", "sent", "delivered", "read"];
/**
 * The time of each step a status implies (a read message was sent and delivered too), each given by
 * `stamp`: the message's own time for a new one, `coalesce(step, now())` for a move, which keeps a
 * step's first time.
 */
function stepTimes(status: DeliveryStatus, stamp: (column: AnyPgColumn) => SQL | Date) {
  if (status === "failed") return { failedAt: stamp(messages.failedAt) };
  const reached = DELIVERY_ORDER.indexOf(status);
  return {
    ...(reached >= 1 ? { sentAt: stamp(messages.sentAt) } : {}),
    ...(reached >= 2 ? { deliveredAt: stamp(messages.deliveredAt) } : {}),
    ...(reached >= 3 ? { readAt: stamp(messages.readAt) } : {}),
  };
}

const NO_ERROR = { errorCode: null, errorTitle: null, errorDetails: null };

/** The status of the message row an UPDATE acts on, as the statement's snapshot shows it (before the change). */
const prior = alias(messages, "prior");
const statusBefore = correlated(
  sql<DeliveryStatus>`(select ${prior.status} from ${messages} as ${prior} where ${prior.id} = ${messages.id})`,
);

/** A delivery report of a platform (a WhatsApp status webhook) for one of its messages. */
export interface DeliveryReport {
  status: Exclude<DeliveryStatus, "queued">;
  /** When the platform says it happened. */
  at: Date;
  error?: { code?: string | null; title?: string | null; details?: string | null };
  /** Merged into the message's metadata whether or not the status moves (WhatsApp's conversation and pricing). */
  metadata?: Record<string, unknown>;
}

/**
 * Applies a platform's delivery report to the message with that platform id on the channel, by the
 * precedence above, in one conditional UPDATE: the status (and the step times it implies, first time
 * kept, and the error fields) changes only when the report moves it forward; the report's metadata is
 * merged either way. A move is announced as `message:status` in the same transaction. Answers
 * `unknown` when the channel has no such message (yet: a report can overtake the send that stores its
 * id), else whether it moved.
 */
export async function recordDeliveryReport(
  tx: Database,
  tenantId: string,
  message: { channelId: string; platformMessageId: string },
  report: DeliveryReport,
): Promise<"unknown" | "moved" | "unchanged"> {
  const moves = inArray(messages.status, deliveryStatuses.predecessorsOf(report.status));
  const ifMoves = (value: SQL | Date | string | null, otherwise: AnyPgColumn) =>
    sql`case when ${moves} then ${value} else ${otherwise} end`;
  const steps = Object.fromEntries(
    Object.entries(stepTimes(report.status, (step) => sql`coalesce(${step}, ${report.at})`)).map(([key, value]) => [
      key,
      ifMoves(value, messages[key as "sentAt"]),
    ]),
  );
  // Only a move to failed sets error fields; any other move clears them.
  const errors = (report.status === "failed" && report.error) || {};
  const [updated] = await tx
    .update(messages)
    .set({
      status: sql`case when ${moves} then ${report.status} else ${messages.status} end`,
      ...steps,
      errorCode: ifMoves(errors.code ?? null, messages.errorCode),
      errorTitle: ifMoves(errors.title ?? null, messages.errorTitle),
      errorDetails: ifMoves(errors.details ?? null, messages.errorDetails),
      ...(report.metadata
        ? { metadata: sql`coalesce(${messages.metadata}, '{}'::jsonb) || ${JSON.stringify(report.metadata)}::jsonb` }
        : {}),
      updatedAt: sql`now()`,
    })
    .where(
      and(
        eq(messages.tenantId, tenantId),
        eq(messages.channelId, message.channelId),
        eq(messages.platformMessageId, message.platformMessageId),
      ),
    )
    .returning({ ...messageColumns, statusBefore });
  if (!updated) return "unknown";
  const { statusBefore: before, ...row } = updated;
  if (row.status === before) return "unchanged";
  await announce(tx, tenantId, "message:status", row);
  return "moved";
}

/** What a new message is, once the route has decided who sent it and how far it has got. */
export interface MessageFields {
  sender: Sender;
  status: DeliveryStatus;
  senderUserId?: string | null;
  senderApiKeyId?: string | null;
  contentType: (typeof CONTENT_TYPES)[number];
  text?: string;
  payload?: Record<string, unknown>;
  metadata?: Record<string, unknown> | null;
  platformMessageId?: string;
  replyToId?: string;
  timestamp?: Date;
}

const eventOf = (type: EventType, message: MessageRow): NewEvent => ({
  type,
  resourceType: "message",
  resourceId: message.id,
  payload: message,
});

const announce = (db: Database, tenantId: string, type: EventType, message: MessageRow) =>
  appendEvents(db, tenantId, [eventOf(type, message)]);

/**
 * Adds messages to a conversation of the tenant, in the order given, inside the caller's
 * transaction and in three statements whatever their number: the conversation is updated first
 * (last message time, message count, unread count for inbound ones; the row stays locked until
 * commit, so counts never race), then the messages inserted, then one `message:new` each appended,
 * in order. Only an open or pending conversation takes messages: another is `inactive()` (a 422 by
 * default), none of the tenant's a 404. A reply is to a message of the same conversation stored
 * before the batch (else 404). An empty batch changes nothing.
 */
export async function appendMessages(
  tx: Database,
  tenantId: string,
  conversationId: string,
  batch: readonly MessageFields[],
  options: { inactive?: () => AppError } = {},
): Promise<MessageRow[]> {
  if (batch.length === 0) return [];
  const directionOf = (fields: MessageFields): Direction => (fields.sender === "customer" ? "inbound" : "outbound");
  const atOf = (fields: MessageFields) => fields.timestamp ?? sql`now()`;
  const inbound = batch.filter((fields) => directionOf(fields) === "inbound").length;
  const ofConversation = and(eq(conversations.tenantId, tenantId), eq(conversations.id, conversationId));
  const [conversation] = await tx
    .update(conversations)
    .set({
      lastMessageAt: sql`greatest(${conversations.lastMessageAt}, ${sql.join(batch.map(atOf), sql`, `)})`,
      messageCount: sql`${conversations.messageCount} + ${batch.length}`,
      ...(inbound > 0 ? { unreadCount: sql`${conversations.unreadCount} + ${inbound}` } : {}),
      updatedAt: sql`now()`,
    })
    .where(and(ofConversation, inArray(conversations.status, ACTIVE_STATUSES)))
    .returning({ channelId: conversations.channelId });
  if (!conversation) {
    // The error path only: tell a conversation that is not taking messages from none at all.
    const [exists] = await tx.select({ id: conversations.id }).from(conversations).where(ofConversation);
    throw exists
      ? (options.inactive?.() ??
          unprocessable("The conversation is resolved or closed: reopen it (status open) to add messages"))
      : notFound("Conversation");
  }
  // Postgres inserts a multi-row VALUES in order and answers RETURNING in that order: the batch's.
  const stored = await conflictOn(
    tx
      .insert(messages)
      .values(
        batch.map((fields) => ({
          ...fields,
          tenantId,
          conversationId,
          channelId: conversation.channelId,
          direction: directionOf(fields),
          replyToId: fields.replyToId
            ? sql`(select ${messages.id} from ${messages} where ${messages.tenantId} = ${tenantId}
              and ${messages.conversationId} = ${conversationId} and ${messages.id} = ${fields.replyToId})`
            : null,
          ...stepTimes(fields.status, () => atOf(fields)),
        })),
      )
      .returning(messageColumns),
    DUPLICATE,
  );
  if (batch.some((fields, i) => fields.replyToId && stored[i]?.replyToId === null)) {
    throw notFound("Message replied to");
  }
  await appendEvents(
    tx,
    tenantId,
    stored.map((message) => eventOf("message:new", message)),
  );
  return stored;
}

/** `appendMessages` of one message. */
export async function appendMessage(
  tx: Database,
  tenantId: string,
  conversationId: string,
  fields: MessageFields,
  options: { inactive?: () => AppError } = {},
): Promise<MessageRow> {
  const [message] = await appendMessages(tx, tenantId, conversationId, [fields], options);
  if (!message) throw new Error("message insert returned no row");
  return message;
}

/**
 * `appendMessage` for a message a platform delivers, which it may deliver again: in a savepoint, so
 * a message whose platform id the channel already has (the database's unique key decides, so two
 * deliveries at the same moment make one row: the second waits for the first to commit) leaves
 * nothing behind, its conversation's counters included, and answers undefined.
 */
export async function appendMessageOnce(
  tx: Database,
  tenantId: string,
  conversationId: string,
  fields: MessageFields & { platformMessageId: string },
): Promise<MessageRow | undefined> {
  try {
    return await tx.transaction((savepoint) => appendMessage(savepoint, tenantId, conversationId, fields));
  } catch (error) {
    if (error instanceof AppError && error.code === "CONFLICT") return undefined;
    throw error;
  }
}

/**
 * Who sent a message a caller posts, unless it says: a user is an agent; an API key with the
 * ai-agent scope is the AI; any other key, the system.
 */
function senderOf(
  caller: AuthenticatedCaller,
  given: Sender | undefined,
): Pick<MessageFields, "sender" | "senderUserId" | "senderApiKeyId" | "status"> {
  const sender = given ?? (caller.kind === "user" ? "agent" : caller.scopes.includes("ai-agent") ? "ai" : "system");
  return {
    sender,
    senderUserId: caller.kind === "user" && sender === "agent" ? caller.userId : null,
    senderApiKeyId: caller.kind === "apiKey" ? caller.apiKeyId : null,
    // An outbound message waits, queued, until its channel sends it; an inbound one has arrived.
    status: sender === "customer" ? "delivered" : "queued",
  };
}

function fieldsOf(caller: AuthenticatedCaller, input: NewMessage): MessageFields {
  const { sender, ...rest } = input;
  return { ...rest, ...senderOf(caller, sender) };
}

/**
 * A message a caller posted: stored, and sent if its channel sends. `failure` is the provider's
 * refusal of the send (the message is stored `failed` with its error): the route answers it as an
 * error while the message stays, so it is returned, not thrown (a throw would roll back an
 * Idempotency-Key's transaction, and the failed message with it).
 */
export interface PostedMessage {
  message: MessageRow;
  failure?: AppError;
}

/**
 * Adds a message to the conversation `conversationOf` names (found or opened in the message's
 * transaction) and, when that conversation is on an active WhatsApp number and the message is
 * outbound, sends it through Meta: stored `queued` first and committed, sent with no row locked
 * (unless an Idempotency-Key holds one transaction around the whole call, the conversation's row
 * lock and the Graph call included: see sendToMeta for that trade-off), then moved to `sent` with
 * Meta's id, or to `failed` with Meta's error, by updateMessage's one conditional UPDATE (forward
 * only). Status webhooks find a message by Meta's id, which only that UPDATE stores, so none can
 * overtake it. A refusal before the send (outside the 24-hour window, content WhatsApp cannot send)
 * rolls the transaction back: nothing is stored.
 */
async function postMessage(
  ctx: ServiceContext,
  conversationOf: (tx: Database) => Promise<string>,
  input: NewMessage,
): Promise<PostedMessage> {
  const { tenantId } = ctx.caller;
  const { message, outgoing } = await ctx.db.transaction(async (tx) => {
    const message = await appendMessage(tx, tenantId, await conversationOf(tx), fieldsOf(ctx.caller, input));
    return { message, outgoing: await outgoingOf(tx, tenantId, message) };
  });
  if (!outgoing) return { message };
  const sent = await sendToMeta(outgoing);
  if ("error" in sent) {
    const failed = await updateMessage(ctx, message.id, { status: "failed", ...errorFieldsOf(sent.error) });
    return { message: failed, failure: upstreamFailed(sent.error, "send the message", { messageId: failed.id }) };
  }
  return {
    message: await updateMessage(ctx, message.id, { status: "sent", platformMessageId: sent.platformMessageId }),
  };
}

/**
 * POST /api/messages: a message in the conversation named, or (spec 003's `to`) in the open WhatsApp
 * conversation of the contact with that phone number, the contact and conversation created when
 * missing; sent when the conversation is on a WhatsApp number.
 */
export function createMessage(ctx: ServiceContext, input: z.infer<typeof createMessageBody>) {
  const { conversationId, to, ...message } = input;
  return postMessage(
    ctx,
    async (tx) => conversationId ?? (await openWhatsAppConversation(tx, ctx.caller.tenantId, to as string)),
    message,
  );
}

/**
 * The conversation a message to a phone number goes to: the contact's most recent open or pending
 * WhatsApp conversation, or a new one on the tenant's first active WhatsApp channel (if it has one).
 * Upserting the contact locks its row until commit, so two first messages to one number at the same
 * moment start one conversation, not two.
 */
async function openWhatsAppConversation(tx: Database, tenantId: string, phoneNumber: string): Promise<string> {
  const [contact] = await tx
    .insert(contacts)
    .values({ tenantId, phoneNumber })
    .onConflictDoUpdate({
      target: [contacts.tenantId, contacts.phoneNumber],
      set: { phoneNumber: sql`excluded.phone_number`, updatedAt: sql`${contacts.updatedAt}` },
    })
    .returning({ id: contacts.id });
  if (!contact) throw new Error("contact upsert returned no row");
  const open = await activeConversationOf(tx, tenantId, contact.id, { channelType: "whatsapp" });
  if (open) return open;
  const [channel] = await tx
    .select({ id: channels.id })
    .from(channels)
    .where(and(eq(channels.tenantId, tenantId), eq(channels.type, "whatsapp"), eq(channels.isActive, true)))
    .orderBy(channels.createdAt, channels.id)
    .limit(1);
  const created = await insertConversation(tx, tenantId, {
    channelType: "whatsapp",
    channelId: channel?.id,
    contactId: contact.id,
  });
  return created.id;
}

type ListQuery = z.infer<typeof listChatMessagesQuery> & { conversationId?: string };

/**
 * A page of messages by time: newest first unless `order` says otherwise; `before` a message, the
 * ones before it newest first (scrolling back); `after` it, the ones after it oldest first (catching
 * up). The message is turned into its (timestamp, id) position by a subquery in the same statement,
 * so a page deep in a long history costs what the first does. With a conversation, its history is
 * read off (tenant, conversation, timestamp, id) and an unfiltered total off its message count; an
 * unknown conversation is undefined (the caller's 404). Without one, the tenant's messages, off
 * (tenant, timestamp, id).
 */
export async function listMessages(ctx: ServiceContext, query: ListQuery): Promise<Page<MessageRow> | undefined> {
  const { tenantId } = ctx.caller;
  const anchorId = query.before ?? query.after;
  const direction = query.before ? "desc" : query.after ? "asc" : (query.order ?? "desc");
  const sort: Sort = { by: [messages.timestamp, messages.id], direction };
  const { conversationId } = query;
  const ofAnchor = (name: string) =>
    and(
      sql`${sql.identifier(name)}.tenant_id = ${tenantId}`,
      sql`${sql.identifier(name)}.id = ${anchorId}`,
      conversationId ? sql`${sql.identifier(name)}.conversation_id = ${conversationId}` : undefined,
    );
  const filters = [
    query.direction ? eq(messages.direction, query.direction) : undefined,
    query.sender ? eq(messages.sender, query.sender) : undefined,
    query.status ? eq(messages.status, query.status) : undefined,
    query.contentType ? eq(messages.contentType, query.contentType) : undefined,
    query.from ? gte(messages.timestamp, query.from) : undefined,
    query.to ? lt(messages.timestamp, query.to) : undefined,
    anchorId
      ? sql`(${messages.timestamp}, ${messages.id}) ${sql.raw(direction === "desc" ? "<" : ">")}
          (select a.timestamp, a.id from ${messages} as a where ${ofAnchor("a")})`
      : undefined,
  ];
  const filtered = filters.some((filter) => filter !== undefined);
  const where = and(eq(messages.tenantId, tenantId), ...filters);
  const page = conversationId
    ? await childPage(ctx.db, {
        parent: {
          table: conversations,
          where: and(eq(conversations.tenantId, tenantId), eq(conversations.id, conversationId)),
          // The conversation keeps the exact count of its messages: no counting an unfiltered history.
          childCount: filtered ? undefined : conversations.messageCount,
        },
        children: {
          table: messages,
          where: and(where, eq(messages.conversationId, conversationId)),
          columns: messageColumns,
        },
        sort,
        page: query,
      })
    : await listPage(ctx.db, { table: messages, columns: messageColumns, where, sort, page: query });
  if (page && anchorId && page.items.length === 0) {
    // The error path only: an empty page past an unknown message is a 404, not the end of the history.
    const [anchor] = await ctx.db.select({ id: sql`1` }).from(alias(messages, "a")).where(ofAnchor("a"));
    if (!anchor) throw notFound("Message");
  }
  return page;
}

/** GET /api/messages: with a conversationId, that conversation's history (another tenant's: 404). */
export async function listTenantMessages(ctx: ServiceContext, query: z.infer<typeof listMessagesQuery>) {
  const page = await listMessages(ctx, query);
  if (!page) throw notFound("Conversation");
  return page;
}

export async function getMessage(ctx: ServiceContext, id: string) {
  const [message] = await ctx.db
    .select(messageColumns)
    .from(messages)
    .where(and(eq(messages.tenantId, ctx.caller.tenantId), eq(messages.id, id)));
  if (!message) throw notFound("Message");
  return message;
}

/**
 * Edits a message's text, metadata or platform id, and moves its delivery status forward (a move
 * back, or out of read or failed, is a 422 naming the moves allowed; the same status again is no
 * move), with one conditional UPDATE whose WHERE lets only a status that may lead to the new one
 * (or is it) through; a status change is announced as `message:status` in the same transaction.
 * Only when no row is updated does a read tell no message of the tenant (404) from a refused move
 * (422). Whether the status moved is told by the status the statement's snapshot shows: should
 * another request move the message meanwhile, both may announce it (a repeated event, never a
 * missed one: a status moves forward only).
 */
export async function updateMessage(ctx: ServiceContext, id: string, input: z.infer<typeof updateMessageBody>) {
  const { tenantId } = ctx.caller;
  const ofMessage = and(eq(messages.tenantId, tenantId), eq(messages.id, id));
  const { status, ...fields } = input;
  return ctx.db.transaction(async (tx) => {
    const [updated] = await conflictOn(
      tx
        .update(messages)
        .set({
          ...fields,
          ...(status === undefined
            ? {}
            : {
                status,
                ...(status === "delivered" || status === "read" ? NO_ERROR : {}),
                // The same status again keeps its steps' times; a move stamps the steps it reaches first.
                ...stepTimes(
                  status,
                  (step) =>
                    sql`case when ${messages.status} = ${status} then ${step} else coalesce(${step}, now()) end`,
                ),
              }),
          updatedAt: sql`now()`,
        })
        .where(
          and(
            ofMessage,
            status === undefined
              ? undefined
              : inArray(messages.status, [status, ...deliveryStatuses.predecessorsOf(status)]),
          ),
        )
        .returning({ ...messageColumns, statusBefore }),
      DUPLICATE,
    );
    if (!updated) {
      // The error path only: no message of the tenant, or a move its status does not allow.
      const [current] = await tx.select({ status: messages.status }).from(messages).where(ofMessage);
      if (!current || status === undefined) throw notFound("Message");
      throw deliveryStatuses.refuse(current.status, status);
    }
    const { statusBefore: before, ...message } = updated;
    if (status !== undefined && before !== status) await announce(tx, tenantId, "message:status", message);
    return message;
  });
}

/**
 * Deletes a message and takes it off its conversation's message count, in one statement (a
 * data-modifying CTE); the conversation's last activity stays as it was. An inbound message is
 * taken off its unread count too (floored at 0). That is an approximation: which messages the staff
 * have read is not recorded per message, only the count, so deleting an inbound message already
 * read lowers the count of newer unread ones by one.
 */
export async function deleteMessage(ctx: ServiceContext, id: string) {
  const { tenantId } = ctx.caller;
  const deleted = ctx.db.$with("deleted").as(
    ctx.db
      .delete(messages)
      .where(and(eq(messages.tenantId, tenantId), eq(messages.id, id)))
      .returning({ conversationId: messages.conversationId, direction: messages.direction }),
  );
  const [counted] = await ctx.db
    .with(deleted)
    .update(conversations)
    .set({
      messageCount: sql`greatest(${conversations.messageCount} - 1, 0)`,
      unreadCount: sql`greatest(${conversations.unreadCount} - (case when ${deleted.direction} = 'inbound' then 1 else 0 end), 0)`,
      updatedAt: sql`${conversations.updatedAt}`,
    })
    .from(deleted)
    .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, deleted.conversationId)))
    .returning({ id: conversations.id });
  if (!counted) throw notFound("Message");
}

/** Spec 002's names of a message's fields, answered beside Frontdesk's on /api/chats/:id/messages. */
const withChatNames = (message: MessageRow) => ({
  ...message,
  messageId: message.id,
  chatId: message.conversationId,
  senderType: message.sender,
  content: message.text,
});

/** GET /api/chats/:id/messages: the chat's history, as GET /api/messages?conversationId= pages it. */
export async function listMessagesOfChat(
  ctx: ServiceContext,
  chatId: string,
  query: z.infer<typeof listChatMessagesQuery>,
) {
  const page = await listMessages(ctx, { ...query, conversationId: chatId });
  if (!page) throw notFound("Chat");
  return { ...page, items: page.items.map(withChatNames) };
}

/** POST /api/chats/:id/messages: a message in the conversation the path names, sent as POST /api/messages sends it. */
export async function postMessageToChat(ctx: ServiceContext, chatId: string, input: NewMessage) {
  const { message, failure } = await postMessage(ctx, async () => chatId, input);
  return { message: withChatNames(message), failure };
}
