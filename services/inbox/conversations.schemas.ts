import { createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import { CHANNEL_TYPES, CONVERSATION_STATUSES, contacts, conversations } from "../../db/schema";
import {
  anyCaseEnum,
  booleanQuery,
  idParams,
  isoDateInput,
  jsonObject,
  pageQuery,
  trimmedText,
} from "../../shared/schemas";
import { withAliases } from "../platform/spec-aliases";
import { message } from "./messages.schemas";

/**
 * Request and response shapes of conversations: spec 002's chats, spec 003's conversations, spec
 * 001's conversation records. Inputs are strict and take the specs' spellings of enum values
 * (`OPEN`, `WHATSAPP`) and their field names (spec 002's customerId/userId, spec 003's assignedTo,
 * spec 001's snake_case); answers use Frontdesk's names, plus spec 002's on /api/chats.
 */

const channelType = anyCaseEnum(CHANNEL_TYPES);
const conversationStatus = anyCaseEnum(CONVERSATION_STATUSES);

const tag = trimmedText(50);
const tags = z.array(tag).max(50).describe("At most 50 tags of at most 50 characters; stored as given");

/** One value, several repeated (`?status=open&status=pending`) or comma-separated (`?status=open,pending`). */
const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.preprocess((value) => (typeof value === "string" ? value.split(",") : value), z.array(item).min(1).max(10));

export const listConversationsQuery = withAliases(
  pageQuery
    .extend({
      status: oneOrMany(conversationStatus).optional().describe("One status or several (repeated or comma-separated)"),
      channelType: oneOrMany(channelType).optional().describe("One channel type or several"),
      channelId: z.uuid().optional(),
      assigneeId: z.uuid().optional(),
      unassigned: booleanQuery.optional().describe("true: only conversations nobody is assigned to"),
      contactId: z.uuid().optional(),
      tag: tag.optional().describe("Conversations carrying this tag"),
      isTest: booleanQuery.optional(),
      search: trimmedText(200)
        .optional()
        .describe("Part of the contact's name, phone number or email, or of the subject"),
      from: isoDateInput.optional().describe("Updated at or after this instant"),
      to: isoDateInput.optional().describe("Updated before this instant"),
    })
    .strict(),
  { customerId: "contactId", userId: "assigneeId", assignedTo: "assigneeId" },
  "spec 002/003",
);

/** Spec 001's AI fields: what an AI agent records about a conversation. */
const aiFields = {
  outcome: trimmedText(100).nullable().optional().describe("Spec 001's outcome: connected, voicemail, qualified, ..."),
  sentiment: trimmedText(50).nullable().optional(),
  summary: trimmedText(10_000).nullable().optional(),
  transcript: z.string().max(1_000_000).nullable().optional(),
  durationSeconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .nullable()
    .optional(),
  aiConfidence: z.number().min(0).max(1).nullable().optional().describe("0 to 1"),
  handoffSuggested: z.boolean().optional(),
};
const AI_ALIASES = {
  duration: "durationSeconds",
  duration_seconds: "durationSeconds",
  ai_confidence: "aiConfidence",
  handoff_suggested: "handoffSuggested",
} as const;

const editable = {
  subject: trimmedText(500).nullable().optional(),
  status: conversationStatus.optional(),
  tags: tags.optional(),
  isTest: z.boolean().optional(),
  metadata: jsonObject().nullable().optional(),
  platformChatId: trimmedText(500).nullable().optional(),
  ...aiFields,
};

export const createConversationBody = withAliases(
  z
    .object({
      channelType: channelType.optional().describe("Required unless channelId is given (then it is the channel's)"),
      channelId: z.uuid().optional().describe("A channel of the tenant"),
      contactId: z.uuid().optional().describe("A contact of the tenant"),
      assigneeId: z.uuid().optional().describe("A user of the tenant"),
      startedAt: isoDateInput.optional().describe("Defaults to now"),
      ...editable,
    })
    .strict(),
  {
    customerId: "contactId",
    userId: "assigneeId",
    assignedTo: "assigneeId",
    channel: "channelType",
    platformType: "channelType",
    timestamp: "startedAt",
    ...AI_ALIASES,
  },
  "spec 001/002/003",
).refine((value) => value.channelType !== undefined || value.channelId !== undefined, {
  message: "Give channelType or channelId",
  path: ["channelType"],
});

export const updateConversationBody = withAliases(
  z
    .object({
      assigneeId: z.uuid().nullable().optional().describe("A user of the tenant, or null to unassign"),
      ...editable,
    })
    .strict(),
  { assignedTo: "assigneeId", userId: "assigneeId", ...AI_ALIASES },
  "spec 002/003",
);

/** GET /:id's `?messages=`: how many of the most recent messages come with the conversation. */
export const getConversationQuery = z
  .object({
    messages: z.coerce
      .number()
      .int()
      .min(0)
      .max(100)
      .default(20)
      .describe("How many of the most recent messages to include (0–100, default 20)"),
  })
  .strict();

export const conversationIdParams = idParams.strict();

export const conversation = createSelectSchema(conversations, {
  channelType: z.enum(CHANNEL_TYPES),
  status: z.enum(CONVERSATION_STATUSES),
  metadata: z.unknown(),
  unreadCount: z.number().int(),
  messageCount: z.number().int(),
  durationSeconds: z.number().int().nullable(),
  updatedAt: (column) => column.describe("Last activity: bumped by every message and change"),
})
  .omit({ tenantId: true })
  .meta({ id: "Conversation" });

export const contactSummary = createSelectSchema(contacts)
  .pick({ id: true, name: true, phoneNumber: true, email: true, avatarUrl: true })
  .meta({ id: "ContactSummary" });

export const conversationListItem = conversation
  .extend({ contact: contactSummary.nullable() })
  .meta({ id: "ConversationListItem" });

export const conversationDetail = conversation
  .extend({
    contact: contactSummary.nullable(),
    messages: z
      .array(message)
      .describe(
        "The most recent messages, oldest first; the first one's id is the `before` of GET /api/messages for older ones",
      ),
  })
  .meta({ id: "ConversationDetail" });

/** Spec 002's names beside Frontdesk's on /api/chats: chatId, customerId, userId. */
const chatNames = {
  chatId: z.uuid(),
  customerId: z.uuid().nullable(),
  userId: z.uuid().nullable(),
};
export const chat = conversation.extend(chatNames).meta({ id: "Chat" });
export const chatListItem = conversationListItem.extend(chatNames).meta({ id: "ChatListItem" });
export const chatDetail = conversationDetail.extend(chatNames).meta({ id: "ChatDetail" });
