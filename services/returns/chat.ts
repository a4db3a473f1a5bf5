import { and, eq, sql } from "drizzle-orm";
import type { z } from "zod";
import { chatMessages, chatSessions, users } from "../../db/schema";
import { shownColumns } from "../../shared/columns";
import type { ServiceContext } from "../../shared/context";
import { isForeignKeyViolation, notFound, unprocessable } from "../../shared/errors";
import { childPage, listPage } from "../../shared/pagination";
import { assertOwnBusiness } from "./business";
import type {
  createChatMessageBody,
  createChatSessionBody,
  listChatSessionsQuery,
  listChildrenQuery,
} from "./chat.schemas";
import { sanitizeText } from "./sanitize";

/** The returns desk's chat (spec 000): sessions of a tenant and their messages. */

/** What a caller sees of a session and of a message: every column but the tenant. */
const chatSessionColumns = shownColumns(chatSessions);
const messageColumns = shownColumns(chatMessages);

/** Most recently active first; one page and its total in one statement (listPage). */
export async function listChatSessions(ctx: ServiceContext, query: z.infer<typeof listChatSessionsQuery>) {
  assertOwnBusiness(ctx.caller, query.businessId);
  const where = and(
    eq(chatSessions.tenantId, ctx.caller.tenantId),
    query.userId ? eq(chatSessions.userId, query.userId) : undefined,
    query.isActive === undefined ? undefined : eq(chatSessions.isActive, query.isActive),
    query.chatMode ? eq(chatSessions.chatMode, query.chatMode) : undefined,
    query.sessionType ? eq(chatSessions.sessionType, query.sessionType) : undefined,
  );
  return listPage(ctx.db, {
    table: chatSessions,
    columns: chatSessionColumns,
    where,
    sort: { by: [chatSessions.updatedAt, chatSessions.id], direction: "desc" },
    page: query,
  });
}

/**
 * One statement when the session is the caller's own (or an API key's, with no user): the user id
 * comes from the verified token, and a user deleted since fails the foreign key (404). Another
 * `userId` is resolved inside the insert through a tenant-filtered subquery, so one of another
 * tenant (or of nobody) stores null; that insert is rolled back and answered 404, as for any row
 * of another tenant.
 */
export async function createChatSession(ctx: ServiceContext, input: z.infer<typeof createChatSessionBody>) {
  assertOwnBusiness(ctx.caller, input.businessId);
  const { tenantId } = ctx.caller;
  const own = ctx.caller.kind === "user" ? ctx.caller.userId : undefined;
  const other = input.userId !== undefined && input.userId !== own ? input.userId : undefined;
  const insert = (db: ServiceContext["db"]) =>
    db
      .insert(chatSessions)
      .values({
        tenantId,
        userId: other
          ? sql`(select ${users.id} from ${users} where ${users.id} = ${other} and ${users.tenantId} = ${tenantId})`
          : (own ?? null),
        sessionName: input.sessionName,
        chatMode: input.chatMode,
        sessionType: input.sessionType,
        metadata: input.metadata ?? null,
      })
      .returning(chatSessionColumns)
      .then(([session]) => {
        if (!session) throw new Error("chat session insert returned no row");
        return session;
      });
  if (!other) {
    try {
      return await insert(ctx.db);
    } catch (error) {
      if (isForeignKeyViolation(error)) throw notFound("User");
      throw error;
    }
  }
  return ctx.db.transaction(async (tx) => {
    const session = await insert(tx);
    if (session.userId === null) throw notFound("User");
    return session;
  });
}

/** One page of a session's messages, oldest first, and their total, in one statement (childPage). */
export async function listChatMessages(
  ctx: ServiceContext,
  sessionId: string,
  query: z.infer<typeof listChildrenQuery>,
) {
  const { tenantId } = ctx.caller;
  const page = await childPage(ctx.db, {
    parent: { table: chatSessions, where: and(eq(chatSessions.tenantId, tenantId), eq(chatSessions.id, sessionId)) },
    children: {
      table: chatMessages,
      where: and(eq(chatMessages.tenantId, tenantId), eq(chatMessages.sessionId, sessionId)),
      columns: messageColumns,
    },
    sort: { by: [chatMessages.createdAt, chatMessages.id], direction: "asc" },
    page: query,
  });
  if (!page) throw notFound("Chat session");
  return page;
}

/**
 * Stores a message, redacted, and bumps its session's last activity, in one transaction: the
 * session's row is updated (and so locked) first, scoped to the caller's tenant — none is a 404,
 * an inactive one a 422 that rolls the bump back — then the message is inserted.
 */
export async function createChatMessage(ctx: ServiceContext, input: z.infer<typeof createChatMessageBody>) {
  const { tenantId } = ctx.caller;
  return ctx.db.transaction(async (tx) => {
    const [session] = await tx
      .update(chatSessions)
      .set({ updatedAt: sql`now()` })
      .where(and(eq(chatSessions.tenantId, tenantId), eq(chatSessions.id, input.sessionId)))
      .returning({ isActive: chatSessions.isActive });
    if (!session) throw notFound("Chat session");
    if (!session.isActive) throw unprocessable("The chat session is no longer active");
    const [message] = await tx
      .insert(chatMessages)
      .values({
        tenantId,
        sessionId: input.sessionId,
        sender: input.sender,
        message: sanitizeText(input.message),
        messageType: input.messageType,
        metadata: input.metadata ?? null,
      })
      .returning(messageColumns);
    if (!message) throw new Error("chat message insert returned no row");
    return message;
  });
}
