import { createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import {
  CONTENT_TYPES,
  type ContentType,
  DELIVERY_STATUSES,
  MESSAGE_DIRECTIONS,
  MESSAGE_SENDERS,
  messages,
} from "../../db/schema";
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

const messageText = z.string().min(1).max(MAX_TEXT_LENGTH);

/** Spec 003's `content` of a text message. */
const textContent = z
  .object({
    text: messageText,
    previewUrl: z
      .boolean()
      .optional()
      .describe("WhatsApp shows a preview of the text's first link (Meta's preview_url)"),
  })
  .strict();

/** Of an image, video, audio or document message, by link. */
export const mediaContent = z
  .object({
    mediaUrl: httpUrl,
    caption: z.string().max(MAX_TEXT_LENGTH).optional().describe("Not for audio, which WhatsApp shows without one"),
    filename: trimmedText(240).optional().describe("A document's file name, as the recipient sees it"),
  })
  .strict();

/** A value that may fill a named parameter (`{{first_name}}`) of a template whose parameter format is NAMED. */
const parameterName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,99}$/)
  .optional();
const mediaLink = z.object({ link: httpUrl }).strict();

/** One parameter of a template component, in Meta's shape (type and its object). */
const templateParameter = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), text: messageText, parameter_name: parameterName }).strict(),
  z
    .object({
      type: z.literal("currency"),
      currency: z
        .object({
          fallback_value: trimmedText(100),
          code: z.string().regex(/^[A-Z]{3}$/, "An ISO 4217 code"),
          amount_1000: z.number().int().describe("The amount times 1000"),
        })
        .strict(),
      parameter_name: parameterName,
    })
    .strict(),
  z
    .object({
      type: z.literal("date_time"),
      date_time: z.object({ fallback_value: trimmedText(100) }).strict(),
      parameter_name: parameterName,
    })
    .strict(),
  z.object({ type: z.literal("image"), image: mediaLink }).strict(),
  z.object({ type: z.literal("video"), video: mediaLink }).strict(),
  z
    .object({ type: z.literal("document"), document: mediaLink.extend({ filename: trimmedText(240).optional() }) })
    .strict(),
  z.object({ type: z.literal("payload"), payload: trimmedText(1000) }).strict(),
  z.object({ type: z.literal("coupon_code"), coupon_code: trimmedText(15) }).strict(),
]);

/** A component of a template send (Meta's): the header, body or a button, with its parameters. */
const templateComponent = z
  .object({
    type: anyCaseEnum(["header", "body", "button"]),
    sub_type: anyCaseEnum(["quick_reply", "url", "copy_code"]).optional().describe("A button's kind"),
    index: z
      .union([z.int().min(0).max(9), z.string().regex(/^\d$/)])
      .optional()
      .describe("A button's position in the template, from 0"),
    parameters: z.array(templateParameter).max(100),
  })
  .strict()
  .refine(
    (component) =>
      component.type === "button"
        ? component.sub_type !== undefined && component.index !== undefined
        : component.sub_type === undefined && component.index === undefined,
    { message: "A button component has sub_type and index; a header or body has neither", path: ["sub_type"] },
  );

/** Of a template message: an approved template of the number's account, by name and language. */
export const templateContent = z
  .object({
    name: z.string().regex(/^[a-z0-9_]{1,512}$/, "Lower-case letters, digits and underscores"),
    language: z
      .string()
      .regex(/^[a-z]{2,3}(_[A-Za-z]{2,4})?$/, "A language code of the template, such as en or en_US")
      .describe("Meta's language code of the template (en, en_US, pt_BR)"),
    components: z.array(templateComponent).max(20).optional(),
  })
  .strict();

/** Of a reaction: an emoji on a message of the same conversation (an empty one takes the reaction away). */
export const reactionContent = z
  .object({
    messageId: z.uuid().describe("A message of the conversation"),
    emoji: z.string().max(32),
  })
  .strict();

/** The content types that carry a file: their content is media by link, or (inbound WhatsApp) Meta's media id. */
export const MEDIA_TYPES: ContentType[] = ["image", "video", "audio", "document", "file", "sticker"];

/** The `content` shape each type takes (a text message's, media's, ...) and how it reads; any other type takes text or media. */
const SHAPES = {
  text: { schema: textContent, reads: "{ text, previewUrl? }" },
  media: { schema: mediaContent, reads: "{ mediaUrl, caption?, filename? }" },
  template: { schema: templateContent, reads: "{ name, language, components? }" },
  reaction: { schema: reactionContent, reads: "{ messageId, emoji }" },
};
const shapesOf = (type: ContentType) =>
  type === "text" || type === "template" || type === "reaction"
    ? [SHAPES[type]]
    : MEDIA_TYPES.includes(type)
      ? [SHAPES.media]
      : [SHAPES.text, SHAPES.media];

/**
 * Spec 003's `content`, whose shape fits `type` (text, media by link, template, reaction), or spec
 * 002's `content`, the text itself.
 */
const content = z.union([messageText, textContent, mediaContent, templateContent, reactionContent]);
type Content = z.infer<typeof content>;

const messageFields = {
  sender: messageSender
    .optional()
    .describe(
      "Defaults to `agent` for users, `ai` for API keys with the ai-agent scope, `system` for other keys. " +
        "`customer` records an inbound message",
    ),
  contentType: contentType.default("text"),
  text: messageText.optional(),
  content: content
    .optional()
    .describe(
      "Spec 003's content, stored as the payload, shaped by type: text `{ text, previewUrl? }`; image, video, " +
        "audio, document `{ mediaUrl, caption?, filename? }`; template `{ name, language, components? }` " +
        "(components and their parameters in Meta's shape); reaction `{ messageId, emoji }`. Or spec 002's text",
    ),
  payload: jsonObject()
    .optional()
    .describe("Structured content, as content's shapes (a WhatsApp send reads them from here)"),
  metadata: jsonObject().optional(),
  platformMessageId: trimmedText(500).optional().describe("The platform's id; unique per channel (409)"),
  replyToId: z.uuid().optional().describe("A message of the same conversation"),
  timestamp: isoDateInput.optional().describe("When it was sent or received; defaults to now"),
};
const MESSAGE_ALIASES = { senderType: "sender", type: "contentType" } as const;

/** What a list shows of spec 003's content (as of an inbound WhatsApp message): its text, caption or emoji. */
const textOf = (given: Exclude<Content, string>) =>
  "text" in given
    ? given.text
    : "caption" in given
      ? given.caption
      : "emoji" in given
        ? given.emoji || undefined
        : undefined;

/** What a new message carries once spec 003's `content` is unfolded into text and payload. */
function unfoldContent<
  T extends { contentType: ContentType; text?: string; content?: Content; payload?: Record<string, unknown> },
>(value: T, ctx: z.RefinementCtx) {
  const { content: given, ...rest } = value;
  if (given !== undefined && (value.text !== undefined || value.payload !== undefined)) {
    ctx.addIssue({ code: "custom", path: ["content"], message: "Give content, or text and payload, not both" });
    return z.NEVER;
  }
  if (typeof given === "object") {
    const shapes = shapesOf(value.contentType);
    if (!shapes.some((shape) => shape.schema.safeParse(given).success)) {
      const reads = shapes.map((shape) => shape.reads).join(" or ");
      ctx.addIssue({
        code: "custom",
        path: ["content"],
        message: `A ${value.contentType} message's content is ${reads}`,
      });
      return z.NEVER;
    }
  }
  const unfolded = typeof given === "string" ? { text: given } : given ? { text: textOf(given), payload: given } : {};
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
