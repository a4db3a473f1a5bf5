import { createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import {
  CHAT_MESSAGE_TYPES,
  CHAT_MODES,
  CHAT_SENDERS,
  CHAT_SESSION_TYPES,
  conversations,
  messages,
} from "../../db/schema";
import { booleanQuery, jsonObject, pageQuery, trimmedText } from "../../shared/schemas";
import { withAliases } from "../platform/spec-aliases";
import { BUSINESS_ALIAS, ownBusinessFields } from "./business.schemas";

/**
 * Request and response shapes of the returns desk's chat sessions and messages (spec 000). Every
 * input is strict: an unknown field is a 400, not silently dropped. Sessions and messages are inbox
 * conversations and messages (chat.ts maps them); the answers keep spec 000's shapes. The
 * children's page query is used by call-sessions.schemas.ts too.
 */

const chatMode = z.enum(CHAT_MODES);
const chatSessionType = z.enum(CHAT_SESSION_TYPES);
export const sender = z.enum(CHAT_SENDERS);
const messageType = z.enum(CHAT_MESSAGE_TYPES);

export const sessionIdParams = z.object({ sessionId: z.uuid() }).strict();

export const listChatSessionsQuery = withAliases(
  pageQuery
    .extend({
      userId: z.uuid().optional(),
      isActive: booleanQuery.optional(),
      chatMode: chatMode.optional(),
      sessionType: chatSessionType.optional(),
      ...ownBusinessFields,
    })
    .strict(),
  { ...BUSINESS_ALIAS, user_id: "userId" },
  "spec 000",
);

export const createChatSessionBody = withAliases(
  z
    .object({
      sessionName: trimmedText(200).optional().describe("Defaults to 'Test Session'"),
      chatMode: chatMode.default("normal"),
      sessionType: chatSessionType.default("test_mode"),
      metadata: jsonObject().optional(),
      userId: z.uuid().optional().describe("A user of the tenant; defaults to the calling user (none for API keys)"),
      ...ownBusinessFields,
    })
    .strict(),
  {
    ...BUSINESS_ALIAS,
    user_id: "userId",
    session_name: "sessionName",
    chat_mode: "chatMode",
    session_type: "sessionType",
  },
  "spec 000",
);

export const chatSession = createSelectSchema(conversations, { metadata: z.unknown() })
  .pick({ id: true, metadata: true, createdAt: true })
  .extend({
    userId: z.uuid().nullable().describe("The user handling it (the conversation's assignee)"),
    sessionName: z.string().describe("The conversation's subject; 'Test Session' when it has none"),
    chatMode,
    sessionType: chatSessionType,
    isActive: z.boolean().describe("Open or pending: a resolved or closed conversation takes no messages"),
    updatedAt: z.date().describe("Last activity: bumped by every message"),
  })
  .meta({ id: "ChatSession" });

export const MAX_MESSAGE_LENGTH = 10_000;
export const createChatMessageBody = withAliases(
  z
    .object({
      sessionId: z.uuid(),
      sender,
      message: z.string().min(1).max(MAX_MESSAGE_LENGTH),
      messageType: messageType.default("text"),
      metadata: jsonObject().optional(),
    })
    .strict(),
  { session_id: "sessionId", message_type: "messageType" },
  "spec 000",
);

/** A page of a parent's children: chat messages, call transcripts, call analytics. */
export const listChildrenQuery = pageQuery.strict();

export const chatMessage = createSelectSchema(messages, { metadata: z.unknown() })
  .pick({ id: true, metadata: true })
  .extend({
    sessionId: z.uuid(),
    sender,
    message: z.string().describe("As stored: card numbers and secrets are redacted before storage"),
    messageType,
    createdAt: z.date().describe("When it was sent"),
  })
  .meta({ id: "ChatMessage" });
