import { createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import { CONTENT_TYPES, DELIVERY_STATUSES, MESSAGE_DIRECTIONS, MESSAGE_SENDERS, messages } from "../../db/schema";
import { anyCaseEnum, httpUrl, idParams, isoDateInput, jsonObject, pageQuery, trimmedText } from "../../shared/schemas";
import { withAliases } from "../platform/spec-aliases";
import { phoneNumber } from "./contacts.schemas";

/**
 * Request and response shapes of messages: spec 003's /api/messages (`to`, `type`, `content`
 * objects, upper-case enums), spec 002's chat messages (`senderType`, `content` as text) and
 * Frontdesk's own names. Inputs are strict; answers use Frontdesk's names, plus spec 002's on
 * /api/chats/:id/messages.
 */

const MAX_TEXT_LENGTH = 10_000;
const messageSender = anyCaseEnum(MESSAGE_SENDERS);
const contentType = anyCaseEnum(CONTENT_TYPES);
const deliveryStatus = anyCaseEnum(DELIVERY_STATUSES);
const direction = anyCaseEnum(MESSAGE_DIRECTIONS);

/** Spec 003's `content`: `{ text }` or `{ mediaUrl, caption }`; spec 002's `content` is the text itself. */
const content = z.union([
  z.string().min(1).max(MAX_TEXT_LENGTH),
  z
    .object({
      text: z.string().min(1).max(MAX_TEXT_LENGTH).optional(),
      mediaUrl: httpUrl.optional(),
      caption: z.string().max(MAX_TEXT_LENGTH).optional(),
    })
    .strict()
    .refine((value) => value.text !== undefined || value.mediaUrl !== undefined, "Give text or mediaUrl"),
]);

const messageFields = {
  sender: messageSender
    .optional()
    .describe(
      "Defaults to `agent` for users, `ai` for API keys with the ai-agent scope, `system` for other keys. " +
        "`customer` records an inbound message",
    ),
  contentType: contentType.default("text"),
  text: z.string().min(1).max(MAX_TEXT_LENGTH).optional(),
  content: content
    .optional()
    .describe("Spec 003's `{ text }` or `{ mediaUrl, caption }` (stored as payload), or spec 002's text"),
  payload: jsonObject().optional().describe("Structured content: media, location, template parameters"),
  metadata: jsonObject().optional(),
  platformMessageId: trimmedText(500).optional().describe("The platform's id; unique per channel (409)"),
  replyToId: z.uuid().optional().describe("A message of the same conversation"),
  timestamp: isoDateInput.optional().describe("When it was sent or received; defaults to now"),
};
const MESSAGE_ALIASES = { senderType: "sender", type: "contentType" } as const;

/** What a new message carries once spec 003's `content` is unfolded into text and payload. */
function unfoldContent<T extends { text?: string; content?: z.infer<typeof content>; payload?: object }>(
  value: T,
  ctx: z.RefinementCtx,
) {
  const { content: given, ...rest } = value;
  if (given !== undefined && (value.text !== undefined || value.payload !== undefined)) {
    ctx.addIssue({ code: "custom", path: ["content"], message: "Give content, or text and payload, not both" });
    return z.NEVER;
  }
  const unfolded =
    typeof given === "string"
      ? { text: given }
      : given
        ? { text: given.text ?? given.caption, payload: given as Record<string, unknown> }
        : {};
  const message = { ...rest, ...unfolded };
  if (message.text === undefined && message.payload === undefined) {
    ctx.addIssue({ code: "custom", path: ["text"], message: "Give text, content or payload" });
    return z.NEVER;
  }
  return message;
}

/** POST /api/chats/:id/messages: the conversation is the path's. */
export const createChatMessageBody = withAliases(z.object(messageFields).strict(), MESSAGE_ALIASES, "spec 002/003")
  .transform(unfoldContent)
  .describe("A message; the text comes from text or content (or only a payload for media)");

export const createMessageBody = withAliases(
  z
    .object({
      conversationId: z.uuid().optional().describe("A conversation of the tenant; or give `to`"),
      to: phoneNumber
        .optional()
        .describe(
          "Spec 003: the contact's phone number (E.164, normalised as a contact's is). Their open WhatsApp conversation is used, or a new one " +
            "started (and the contact created) if they have none",
        ),
      ...messageFields,
    })
    .strict(),
  { ...MESSAGE_ALIASES, chatId: "conversationId" },
  "spec 002/003",
)
  .refine((value) => (value.conversationId === undefined) !== (value.to === undefined), {
    message: "Give conversationId or to (one of them)",
    path: ["conversationId"],
  })
  .transform(unfoldContent);

export type NewMessage = z.infer<typeof createChatMessageBody>;

const errorFields = {
  errorCode: trimmedText(100).optional(),
  errorTitle: trimmedText(500).optional(),
  errorDetails: trimmedText(5_000).optional(),
};

export const updateMessageBody = z
  .object({
    text: z.string().min(1).max(MAX_TEXT_LENGTH).optional(),
    metadata: jsonObject().nullable().optional(),
    status: deliveryStatus
      .optional()
      .describe(
        "Moves forward only: queued → sent → delivered → read (steps may be skipped); queued or sent → failed. " +
          "Another move is a 422",
      ),
    platformMessageId: trimmedText(500).optional(),
    ...errorFields,
  })
  .strict()
  .refine((value) => value.status === "failed" || Object.keys(errorFields).every((key) => !(key in value)), {
    message: "Error fields go with status failed",
    path: ["errorCode"],
  });

const listFields = pageQuery.extend({
  direction: direction.optional(),
  sender: messageSender.optional(),
  status: deliveryStatus.optional(),
  contentType: contentType.optional(),
  from: isoDateInput.optional().describe("Sent at or after this instant"),
  to: isoDateInput.optional().describe("Sent before this instant"),
  before: z
    .uuid()
    .optional()
    .describe("A message id: the messages before it, newest first (scrolling back through a conversation)"),
  after: z.uuid().optional().describe("A message id: the messages after it, oldest first (catching up)"),
  order: z.enum(["asc", "desc"]).optional().describe("By time; newest first unless given (before/after set it)"),
});
const LIST_ALIASES = { senderType: "sender", type: "contentType" } as const;

type ListFields = z.infer<typeof listFields>;
/** `before` reads back from a message and `after` on from it; each fixes the order it reads in. */
const oneDirection = (value: ListFields, ctx: z.RefinementCtx) => {
  if (value.before !== undefined && value.after !== undefined) {
    ctx.addIssue({ code: "custom", path: ["before"], message: "Give before or after, not both" });
  }
  const implied = value.before ? "desc" : value.after ? "asc" : undefined;
  if (value.order !== undefined && implied !== undefined && value.order !== implied) {
    ctx.addIssue({ code: "custom", path: ["order"], message: "before reads newest first and after oldest first" });
  }
};

export const listMessagesQuery = withAliases(
  listFields.extend({ conversationId: z.uuid().optional() }).strict(),
  { ...LIST_ALIASES, chatId: "conversationId" },
  "spec 002/003",
).superRefine(oneDirection);

/** The history of one conversation (/api/chats/:id/messages): the same list, the conversation the path's. */
export const listChatMessagesQuery = withAliases(listFields.strict(), LIST_ALIASES, "spec 002/003").superRefine(
  oneDirection,
);

export const messageIdParams = idParams.strict();

export const message = createSelectSchema(messages, {
  direction: z.enum(MESSAGE_DIRECTIONS),
  sender: z.enum(MESSAGE_SENDERS),
  contentType: z.enum(CONTENT_TYPES),
  status: z.enum(DELIVERY_STATUSES),
  payload: z.unknown(),
  metadata: z.unknown(),
})
  .omit({ tenantId: true })
  .meta({ id: "Message" });

/** Spec 002's names beside Frontdesk's on /api/chats/:id/messages. */
export const chatMessage = message
  .extend({
    messageId: z.uuid(),
    chatId: z.uuid(),
    senderType: z.enum(MESSAGE_SENDERS),
    content: z.string().nullable().describe("Spec 002's content: the text"),
  })
  .meta({ id: "InboxChatMessage" });
