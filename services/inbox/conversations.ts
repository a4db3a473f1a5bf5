import {
  and,
  arrayContains,
  eq,
  type GetColumnData,
  gt,
  gte,
  ilike,
  inArray,
  isNull,
  lt,
  or,
  type SQL,
  sql,
} from "drizzle-orm";
import { toSnakeCase } from "drizzle-orm/casing";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
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
import { likePattern, listPage } from "../../shared/pagination";
import { appendEvents } from "../platform/events";
import type {
  contactSummary,
  createConversationBody,
  listConversationsQuery,
  updateConversationBody,
} from "./conversations.schemas";

/**
 * Conversations of every channel (spec 002's chats, spec 003's conversations, spec 001's records,
 * spec 000's chat sessions). Every change is announced as `conversation:updated` in its own
 * transaction (services/platform/events.ts): creating one too, so a live inbox shows it at once.
 */

const conversationColumns = shownColumns(conversations);
const messageColumns = shownColumns(messages);

/** Statuses in which a conversation takes new messages; resolved and closed ones must be reopened first. */
export const ACTIVE_STATUSES: readonly ConversationStatus[] = ["open", "pending"];

/** A column of the conversations row a query reads from, named in full: inside a subquery a bare name binds to the inner table. */
const outer = (column: string) => sql`${sql.identifier("conversations")}.${sql.identifier(column)}`;
const col = (alias: string, column: string) => sql`${sql.identifier(alias)}.${sql.identifier(column)}`;

type ContactSummary = z.infer<typeof contactSummary>;
/** The conversation's contact (id, name, phone, email, avatar) or null, read by its primary key per row. */
const contactOfRow = sql<ContactSummary | null>`(
  select json_build_object('id', c.id, 'name', c.name, 'phoneNumber', c.phone_number, 'email', c.email, 'avatarUrl', c.avatar_url)
  from ${contacts} as c where c.tenant_id = ${outer("tenant_id")} and c.id = ${outer("contact_id")}
)`;

/** A row of a column map as JSON, its columns read through `alias`, under the keys the map selects elsewhere. */
function jsonRow(alias: string, columns: Record<string, unknown>) {
  const fields = Object.keys(columns).map((key) => sql`${sql.raw(`'${key}'`)}, ${col(alias, toSnakeCase(key))}`);
  return sql`json_build_object(${sql.join(fields, sql`, `)})`;
}

/** The timestamp columns of a column map: JSON carries them as text, the response schemas want the Date a column gives. */
const timestampKeys = (columns: Record<string, AnyPgColumn>) =>
  Object.keys(columns).filter((key) => columns[key]?.columnType === "PgTimestamp");
const messageTimestamps = timestampKeys(messageColumns);

export type ConversationRow = {
  [K in keyof typeof conversationColumns]: GetColumnData<(typeof conversationColumns)[K]>;
};
export type MessageRow = { [K in keyof typeof messageColumns]: GetColumnData<(typeof messageColumns)[K]> };
/** A message read as JSON (json_agg) back into the row a query would give. */
function messageFromJson(row: Record<string, unknown>): MessageRow {
  const out: Record<string, unknown> = { ...row };
  for (const key of messageTimestamps) if (typeof out[key] === "string") out[key] = new Date(out[key] as string);
  return out as MessageRow;
}

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
          sql`exists (select 1 from ${contacts} as c where c.tenant_id = ${outer("tenant_id")} and c.id = ${outer("contact_id")}
            and (c.name ilike ${pattern} or c.phone_number ilike ${pattern} or c.email ilike ${pattern}))`,
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
 * which leaves `updatedAt` alone: reading is not activity). An API key's read leaves the count as
 * it is: integrations and AI agents reading a conversation are not the staff the count is for.
 */
export async function getConversation(ctx: ServiceContext, id: string, options: { messages: number }) {
  const { tenantId } = ctx.caller;
  const ofConversation = and(eq(conversations.tenantId, tenantId), eq(conversations.id, id));
  const readByUser = ctx.caller.kind === "user";
  const recent = sql<Record<string, unknown>[]>`(
    select coalesce(json_agg(${jsonRow("m", messageColumns)} order by m.timestamp, m.id), '[]'::json)
    from (
      select * from ${messages} as r
      where r.tenant_id = ${outer("tenant_id")} and r.conversation_id = ${outer("id")}
      order by r.timestamp desc, r.id desc limit ${options.messages}
    ) as m
  )`;
  const selection = {
    ...conversationColumns,
    unreadCount: readByUser ? sql<number>`0`.mapWith(Number) : conversations.unreadCount,
    contact: contactOfRow,
    messages: recent,
  };
  const cleared = ctx.db.$with("cleared").as(
    ctx.db
      .update(conversations)
      .set({ unreadCount: 0, updatedAt: sql`${conversations.updatedAt}` })
      .where(and(ofConversation, gt(conversations.unreadCount, 0)))
      .returning({ id: conversations.id }),
  );
  const read = readByUser ? ctx.db.with(cleared).select(selection) : ctx.db.select(selection);
  const [row] = await read.from(conversations).where(ofConversation);
  if (!row) throw notFound("Conversation");
  return { ...row, messages: row.messages.map(messageFromJson) };
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

export const getChat = async (ctx: ServiceContext, id: string, options: { messages: number }) =>
  withChatNames(await getConversation(ctx, id, options));

export const updateChat = async (ctx: ServiceContext, id: string, input: z.infer<typeof updateConversationBody>) =>
  withChatNames(await updateConversation(ctx, id, input));
