import { and, arrayContains, desc, eq, gt, gte, ilike, inArray, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { z } from "zod";
import type { Database } from "../../db/client";
import {
  type ChannelType,
  type ConversationStatus,
  channels,
  contacts,
  conversations,
  messages,
  users,
} from "../../db/schema";
import { shownColumns } from "../../shared/columns";
import type { ServiceContext } from "../../shared/context";
import { isForeignKeyViolation, notFound, unprocessable } from "../../shared/errors";
import { fromJsonRows, type JsonRow, jsonObjectOf } from "../../shared/json-rows";
import { correlated, likePattern, listPage } from "../../shared/pagination";
import { appendEvents } from "../platform/events";
import type {
  contactSummary,
  createConversationBody,
  listConversationsQuery,
  updateConversationBody,
} from "./conversations.schemas";
import { markReadAtMeta } from "./whatsapp/send";

/**
 * Conversations of every channel (spec 002's chats, spec 003's conversations, spec 001's records,
 * spec 000's chat sessions). Creating or changing one is announced as `conversation:updated`
 * (services/platform/events.ts) inside the change's own transaction, so the event is committed with
 * the change or not at all; creating one too, so a live inbox shows it at once. A delete and the
 * unread count a user's read clears announce nothing: the feed has no event types for them.
 */

const conversationColumns = shownColumns(conversations);
const messageColumns = shownColumns(messages);

/** Statuses in which a conversation takes new messages; resolved and closed ones must be reopened first. */
export const ACTIVE_STATUSES: readonly ConversationStatus[] = ["open", "pending"];

type ContactSummary = z.infer<typeof contactSummary>;
/** The conversation's contact (id, name, phone, email, avatar) or null, read by its primary key per row. */
const contactOfRow = correlated(sql<ContactSummary | null>`(
  select ${jsonObjectOf({
    id: contacts.id,
    name: contacts.name,
    phoneNumber: contacts.phoneNumber,
    email: contacts.email,
    avatarUrl: contacts.avatarUrl,
  })}
  from ${contacts} where ${contacts.tenantId} = ${conversations.tenantId} and ${contacts.id} = ${conversations.contactId}
)`);

export type ConversationRow = JsonRow<typeof conversationColumns>;
export type MessageRow = JsonRow<typeof messageColumns>;

/** The most recent messages of a conversation, a derived table read through this alias. */
const recentMessage = alias(messages, "recent_message");
const recentMessageColumns = shownColumns(recentMessage);
/** The platform id of the conversation's latest inbound message (a WhatsApp wamid), or null. */
const latestInbound = alias(messages, "latest_inbound");
const latestInboundWamid = correlated(sql<string | null>`(
  select ${latestInbound.platformMessageId} from ${messages} as ${latestInbound}
  where ${latestInbound.tenantId} = ${conversations.tenantId} and ${latestInbound.conversationId} = ${conversations.id}
    and ${latestInbound.direction} = 'inbound'
  order by ${latestInbound.timestamp} desc, ${latestInbound.id} desc limit 1
)`);
/** The conversation as the statement's snapshot shows it (what a reader saw), beside the row an UPDATE acts on. */
const seen = alias(conversations, "seen");

export async function listConversations(ctx: ServiceContext, query: z.infer<typeof listConversationsQuery>) {
  const pattern = query.search === undefined ? undefined : likePattern(query.search);
  const where = and(
    eq(conversations.tenantId, ctx.caller.tenantId),
    query.status ? inArray(conversations.status, query.status) : undefined,
    query.channelType ? inArray(conversations.channelType, query.channelType) : undefined,
    query.channelId ? eq(conversations.channelId, query.channelId) : undefined,
    query.assigneeId ? eq(conversations.assigneeId, query.assigneeId) : undefined,
    query.unassigned === undefined
      ? undefined
      : query.unassigned
        ? isNull(conversations.assigneeId)
        : sql`${conversations.assigneeId} is not null`,
    query.contactId ? eq(conversations.contactId, query.contactId) : undefined,
    query.tag ? arrayContains(conversations.tags, [query.tag]) : undefined,
    query.isTest === undefined ? undefined : eq(conversations.isTest, query.isTest),
    pattern
      ? or(
          ilike(conversations.subject, pattern),
          sql`exists (select 1 from ${contacts}
            where ${contacts.tenantId} = ${conversations.tenantId} and ${contacts.id} = ${conversations.contactId}
            and (${contacts.name} ilike ${pattern} or ${contacts.phoneNumber} ilike ${pattern} or ${contacts.email} ilike ${pattern}))`,
        )
      : undefined,
    query.from ? gte(conversations.updatedAt, query.from) : undefined,
    query.to ? lt(conversations.updatedAt, query.to) : undefined,
  );
  return listPage(ctx.db, {
    table: conversations,
    columns: { ...conversationColumns, contact: contactOfRow.as("contact") },
    where,
    sort: { by: [conversations.updatedAt, conversations.id], direction: "desc" },
    page: query,
  });
}

/**
 * One conversation with its contact and its most recent messages (oldest first), in one statement.
 * A user reading it has read it: the same statement clears its unread count (a data-modifying CTE,
 * which leaves `updatedAt` alone: reading is not activity). It clears only what the reader saw: the
 * count of the statement's snapshot is subtracted (floored at 0), so messages committed after that
 * snapshot (which READ COMMITTED's UPDATE would otherwise act on, reading the latest row) stay
 * unread. An API key's read leaves the count as it is: integrations and AI agents reading a
 * conversation are not the staff the count is for. A user's read that cleared unread messages of a
 * WhatsApp conversation marks the latest (and with it those before) read at Meta too, once answered
 * (`options.after`); the same statement reads its WhatsApp id.
 */
export async function getConversation(ctx: ServiceContext, id: string, options: ReadOptions) {
  const { tenantId } = ctx.caller;
  const ofConversation = and(eq(conversations.tenantId, tenantId), eq(conversations.id, id));
  const readByUser = ctx.caller.kind === "user";
  const recent = correlated(sql<unknown[]>`(
    select coalesce(json_agg(${jsonObjectOf(recentMessageColumns)}
      order by ${recentMessage.timestamp}, ${recentMessage.id}), '[]'::json)
    from (
      select * from ${messages}
      where ${messages.tenantId} = ${conversations.tenantId} and ${messages.conversationId} = ${conversations.id}
      order by ${messages.timestamp} desc, ${messages.id} desc limit ${options.messages}
    ) as ${recentMessage}
  )`);
  const selection = {
    ...conversationColumns,
    unreadCount: readByUser ? sql<number>`0`.mapWith(Number) : conversations.unreadCount,
    contact: contactOfRow,
    messages: recent,
    // What a user's read clears (the count the statement's snapshot shows), and the message it marks read at Meta.
    unreadSeen: conversations.unreadCount,
    latestInboundWamid: readByUser ? latestInboundWamid : sql<null>`null`,
  };
  const cleared = ctx.db.$with("cleared").as(
    ctx.db
      .update(conversations)
      .set({
        unreadCount: sql`greatest(${conversations.unreadCount} - (
          select ${seen.unreadCount} from ${conversations} as ${seen} where ${seen.tenantId} = ${tenantId} and ${seen.id} = ${id}
        ), 0)`,
        updatedAt: sql`${conversations.updatedAt}`,
      })
      .where(and(ofConversation, gt(conversations.unreadCount, 0)))
      .returning({ id: conversations.id }),
  );
  const read = readByUser ? ctx.db.with(cleared).select(selection) : ctx.db.select(selection);
  const [row] = await read.from(conversations).where(ofConversation);
  if (!row) throw notFound("Conversation");
  const { unreadSeen, latestInboundWamid: wamid, ...conversation } = row;
  const { channelId } = conversation;
  if (unreadSeen > 0 && wamid && channelId && conversation.channelType === "whatsapp") {
    options.after?.(() => markReadAtMeta(ctx.db, tenantId, channelId, wamid));
  }
  return { ...conversation, messages: fromJsonRows(messageColumns, conversation.messages) };
}

interface ReadOptions {
  /** How many of the most recent messages to include. */
  messages: number;
  /** Runs work once the answer is on its way (the route's `after`): marking WhatsApp messages read at Meta. */
  after?: (task: () => Promise<unknown>) => void;
}

type NewConversation = Omit<z.infer<typeof createConversationBody>, "channelType" | "channelId"> & {
  channelType?: ChannelType;
  channelId?: string;
};

/**
 * Inserts a conversation and announces it, inside the caller's transaction. A channel given is read
 * first (its type is the conversation's: another type given is a 422); the assignee is resolved in
 * the insert by a tenant-filtered subquery (none: 404, rolled back with the transaction); the contact
 * and channel by the (tenant_id, id) foreign keys, which refuse another tenant's (404).
 */
export async function insertConversation(tx: Database, tenantId: string, input: NewConversation) {
  const channelType = input.channelId ? await channelTypeOf(tx, tenantId, input.channelId) : input.channelType;
  if (!channelType) throw notFound("Channel");
  if (input.channelType && input.channelType !== channelType) {
    throw unprocessable(`The channel is a ${channelType} channel, not ${input.channelType}`);
  }
  const [conversation] = await tx
    .insert(conversations)
    .values({
      ...input,
      tenantId,
      channelType,
      assigneeId: input.assigneeId ? userOfTenant(tenantId, input.assigneeId) : null,
    })
    .returning(conversationColumns)
    .catch((error) => {
      throw isForeignKeyViolation(error) ? notFound("Contact") : error;
    });
  if (!conversation) throw new Error("conversation insert returned no row");
  if (input.assigneeId && conversation.assigneeId === null) throw notFound("User");
  await announce(tx, tenantId, conversation);
  return conversation;
}

export function createConversation(ctx: ServiceContext, input: z.infer<typeof createConversationBody>) {
  return ctx.db.transaction((tx) => insertConversation(tx, ctx.caller.tenantId, input));
}

/**
 * The contact's most recent open or pending conversation on the channel (or, when none is named, on
 * any channel of the type), or undefined. A caller about to open one holds the contact's row locked,
 * so two first messages of one person at the same moment find or open one conversation, not two.
 */
export async function activeConversationOf(
  tx: Database,
  tenantId: string,
  contactId: string,
  on: { channelId: string } | { channelType: ChannelType },
): Promise<string | undefined> {
  const [open] = await tx
    .select({ id: conversations.id })
    .from(conversations)
    .where(
      and(
        eq(conversations.tenantId, tenantId),
        eq(conversations.contactId, contactId),
        "channelId" in on ? eq(conversations.channelId, on.channelId) : eq(conversations.channelType, on.channelType),
        inArray(conversations.status, ACTIVE_STATUSES),
      ),
    )
    .orderBy(desc(conversations.updatedAt), desc(conversations.id))
    .limit(1);
  return open?.id;
}

async function channelTypeOf(db: Database, tenantId: string, channelId: string): Promise<ChannelType | undefined> {
  const [channel] = await db
    .select({ type: channels.type })
    .from(channels)
    .where(and(eq(channels.tenantId, tenantId), eq(channels.id, channelId)));
  return channel?.type;
}

/** A user id resolved in the tenant, inside the statement that stores it: null for anyone else's (or no one's). */
const userOfTenant = (tenantId: string, userId: string): SQL =>
  sql`(select ${users.id} from ${users} where ${users.id} = ${userId} and ${users.tenantId} = ${tenantId})`;

const announce = (db: Database, tenantId: string, conversation: { id: string } & Record<string, unknown>) =>
  appendEvents(db, tenantId, [
    { type: "conversation:updated", resourceType: "conversation", resourceId: conversation.id, payload: conversation },
  ]);

/**
 * Assigns, sets status, tags, subject and the AI fields, and announces the change, in one
 * transaction. The assignee is resolved in the UPDATE (another tenant's user: 404, rolled back).
 */
export async function updateConversation(
  ctx: ServiceContext,
  id: string,
  input: z.infer<typeof updateConversationBody>,
) {
  const { tenantId } = ctx.caller;
  return ctx.db.transaction(async (tx) => {
    const { assigneeId, ...fields } = input;
    const [conversation] = await tx
      .update(conversations)
      .set({
        ...fields,
        ...(assigneeId === undefined ? {} : { assigneeId: assigneeId && userOfTenant(tenantId, assigneeId) }),
        updatedAt: sql`now()`,
      })
      .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, id)))
      .returning(conversationColumns);
    if (!conversation) throw notFound("Conversation");
    if (assigneeId && conversation.assigneeId === null) throw notFound("User");
    await announce(tx, tenantId, conversation);
    return conversation;
  });
}

/** Deletes a conversation and, by the foreign keys, its messages. */
export async function deleteConversation(ctx: ServiceContext, id: string) {
  const [deleted] = await ctx.db
    .delete(conversations)
    .where(and(eq(conversations.tenantId, ctx.caller.tenantId), eq(conversations.id, id)))
    .returning({ id: conversations.id });
  if (!deleted) throw notFound("Conversation");
}

/** Spec 002's names of a chat's fields, answered beside Frontdesk's on /api/chats. */
function withChatNames<T extends { id: string; contactId: string | null; assigneeId: string | null }>(conversation: T) {
  return {
    ...conversation,
    chatId: conversation.id,
    customerId: conversation.contactId,
    userId: conversation.assigneeId,
  };
}

export async function listChats(ctx: ServiceContext, query: z.infer<typeof listConversationsQuery>) {
  const page = await listConversations(ctx, query);
  return { ...page, items: page.items.map(withChatNames) };
}

export const createChat = async (ctx: ServiceContext, input: z.infer<typeof createConversationBody>) =>
  withChatNames(await createConversation(ctx, input));

export const getChat = async (ctx: ServiceContext, id: string, options: ReadOptions) =>
  withChatNames(await getConversation(ctx, id, options));

export const updateChat = async (ctx: ServiceContext, id: string, input: z.infer<typeof updateConversationBody>) =>
  withChatNames(await updateConversation(ctx, id, input));
