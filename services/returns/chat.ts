import type { z } from "zod";
import {
  CHAT_MESSAGE_TYPES,
  type CHAT_MODES,
  type CHAT_SENDERS,
  type ChannelType,
  type ConversationStatus,
} from "../../db/schema";
import type { ServiceContext } from "../../shared/context";
import { notFound, unprocessable } from "../../shared/errors";
import {
  ACTIVE_STATUSES,
  type ConversationRow,
  insertConversation,
  listConversations,
  type MessageRow,
} from "../inbox/conversations";
import { appendMessage, listMessages, type MessageFields } from "../inbox/messages";
import { assertOwnBusiness } from "../platform/business";
import type {
  chatMessage,
  chatSession,
  createChatMessageBody,
  createChatSessionBody,
  listChatSessionsQuery,
  listChildrenQuery,
} from "./chat.schemas";
import { sanitizeText } from "./sanitize";

/**
 * The returns desk's chat (spec 000) on the inbox: a session is a conversation with the same id and
 * a chat message an inbox message, so staff see returns chats in the one inbox. A session's chat
 * mode is its channel (normal is the desk's own web chat), its user the assignee, its name the
 * subject, `test_mode` a test conversation, and it is active while open or pending. The session list
 * is every conversation the chat can express: those on a chat mode's channel.
 */

type ChatMode = (typeof CHAT_MODES)[number];
type ChatSender = (typeof CHAT_SENDERS)[number];

const CHANNEL_OF_MODE = {
  normal: "webchat",
  messenger: "facebook",
  whatsapp: "whatsapp",
  shopify: "shopify",
  woocommerce: "woocommerce",
} as const satisfies Record<ChatMode, ChannelType>;
const MODE_OF_CHANNEL = Object.fromEntries(
  Object.entries(CHANNEL_OF_MODE).map(([mode, channel]) => [channel, mode]),
) as Record<ChannelType, ChatMode>;
const CHAT_CHANNELS = Object.values(CHANNEL_OF_MODE);
const INACTIVE_STATUSES: ConversationStatus[] = ["resolved", "closed"];

/** The spec's default name of a session (a conversation without a subject). */
const DEFAULT_SESSION_NAME = "Test Session";

const SENDER_OF: Record<ChatSender, MessageFields["sender"]> = { user: "customer", agent: "agent", system: "system" };

function toSession(conversation: ConversationRow): z.infer<typeof chatSession> {
  const { id, assigneeId, subject, channelType, isTest, status, metadata, createdAt, updatedAt } = conversation;
  return {
    id,
    userId: assigneeId,
    sessionName: subject ?? DEFAULT_SESSION_NAME,
    chatMode: MODE_OF_CHANNEL[channelType],
    sessionType: isTest ? "test_mode" : "live_support",
    isActive: ACTIVE_STATUSES.includes(status),
    metadata,
    createdAt,
    updatedAt,
  };
}

/**
 * An inbox message as a chat message: the customer is the spec's `user`, the AI an `agent`; content
 * the chat has no type for (a location, a sticker, a template) is a `file`, and media without text
 * an empty message.
 */
function toChatMessage(message: MessageRow): z.infer<typeof chatMessage> {
  const { contentType } = message;
  return {
    id: message.id,
    sessionId: message.conversationId,
    sender: message.sender === "customer" ? "user" : message.sender === "ai" ? "agent" : message.sender,
    message: message.text ?? "",
    messageType: (CHAT_MESSAGE_TYPES as readonly string[]).includes(contentType)
      ? (contentType as (typeof CHAT_MESSAGE_TYPES)[number])
      : "file",
    metadata: message.metadata,
    createdAt: message.timestamp,
  };
}

/** Most recently active first; one page and its total in one statement (the inbox's conversation list). */
export async function listChatSessions(ctx: ServiceContext, query: z.infer<typeof listChatSessionsQuery>) {
  assertOwnBusiness(ctx.caller, query.businessId);
  const { userId, isActive, chatMode, sessionType, businessId: _, ...page } = query;
  const found = await listConversations(ctx, {
    ...page,
    channelType: chatMode ? [CHANNEL_OF_MODE[chatMode]] : CHAT_CHANNELS,
    assigneeId: userId,
    status: isActive === undefined ? undefined : isActive ? [...ACTIVE_STATUSES] : INACTIVE_STATUSES,
    isTest: sessionType === undefined ? undefined : sessionType === "test_mode",
  });
  return { ...found, items: found.items.map(toSession) };
}

/**
 * A conversation on the mode's channel, assigned to the calling user unless another `userId` (of
 * the tenant: resolved in the insert, else a 404 and nothing stored) is given, and announced; one
 * transaction (services/inbox/conversations.ts insertConversation).
 */
export async function createChatSession(ctx: ServiceContext, input: z.infer<typeof createChatSessionBody>) {
  assertOwnBusiness(ctx.caller, input.businessId);
  const { tenantId } = ctx.caller;
  const own = ctx.caller.kind === "user" ? ctx.caller.userId : undefined;
  const conversation = await ctx.db.transaction((tx) =>
    insertConversation(tx, tenantId, {
      channelType: CHANNEL_OF_MODE[input.chatMode],
      assigneeId: input.userId ?? own,
      subject: input.sessionName ?? DEFAULT_SESSION_NAME,
      isTest: input.sessionType === "test_mode",
      metadata: input.metadata ?? null,
    }),
  );
  return toSession(conversation);
}

/** One page of a session's messages, oldest first, and their total, in one statement (the inbox's history). */
export async function listChatMessages(
  ctx: ServiceContext,
  sessionId: string,
  query: z.infer<typeof listChildrenQuery>,
) {
  const page = await listMessages(ctx, { ...query, conversationId: sessionId, order: "asc" });
  if (!page) throw notFound("Chat session");
  return { ...page, items: page.items.map(toChatMessage) };
}

/**
 * Stores a message, redacted, through the inbox's appendMessage (one transaction: the session's
 * last activity and counts, the message, `message:new`). The web chat shows a message at once, so
 * it is stored delivered. None of the tenant's is a 404, an inactive session a 422.
 */
export async function createChatMessage(ctx: ServiceContext, input: z.infer<typeof createChatMessageBody>) {
  const { caller } = ctx;
  const sender = SENDER_OF[input.sender];
  const message = await ctx.db.transaction((tx) =>
    appendMessage(
      tx,
      caller.tenantId,
      input.sessionId,
      {
        sender,
        status: "delivered",
        senderUserId: caller.kind === "user" && sender === "agent" ? caller.userId : null,
        senderApiKeyId: caller.kind === "apiKey" ? caller.apiKeyId : null,
        contentType: input.messageType,
        text: sanitizeText(input.message),
        metadata: input.metadata ?? null,
      },
      { inactive: () => unprocessable("The chat session is no longer active") },
    ),
  );
  return toChatMessage(message);
}
