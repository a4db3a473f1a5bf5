import { createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import { CONVERSATION_OUTCOMES, MESSAGE_DIRECTIONS, prospectConversations } from "../../db/schema";
import { anyCaseEnum, booleanQuery, isoDateInput, pageQuery, trimmedText } from "../../shared/schemas";
import { conversation } from "../inbox/conversations.schemas";
import { withAliases } from "../platform/spec-aliases";
import { salesChannel } from "./prospects.schemas";

/**
 * Request and response shapes of a prospect's conversations (spec 001's conversation records): an
 * inbox conversation with its sales link. Inputs are strict and take spec 001's snake_case names of
 * the record's fields; answers use Frontdesk's names.
 */

const conversationOutcome = anyCaseEnum(CONVERSATION_OUTCOMES);

/**
 * What the AI agent says about a conversation, when recording it and as it goes (agent activity):
 * the inbox's limits for the same columns, with spec 001's outcomes.
 */
export const conversationFields = {
  outcome: conversationOutcome.describe(`Spec 001's outcome: ${CONVERSATION_OUTCOMES.join(", ")}`),
  sentiment: trimmedText(50),
  summary: trimmedText(10_000),
  durationSeconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400),
  aiConfidence: z.number().min(0).max(1).describe("0 to 1"),
  handoffSuggested: z.boolean(),
};

export const listProspectConversationsQuery = pageQuery
  .extend({
    channel: salesChannel.optional(),
    outcome: conversationOutcome.optional(),
    campaignId: z.uuid().optional().describe("Conversations of this campaign's calls"),
    isLive: booleanQuery.optional().describe("true: conversations the AI agent is in now"),
  })
  .strict();

const MAX_MESSAGES = 500;

/** One line of a transcript: who said what, when. */
const transcriptMessage = z
  .object({
    direction: anyCaseEnum(MESSAGE_DIRECTIONS)
      .optional()
      .describe("inbound for the customer's, outbound for the AI's or an agent's; follows sender when left out"),
    sender: anyCaseEnum(["customer", "ai", "agent"]),
    text: z.string().min(1).max(10_000),
    timestamp: isoDateInput,
  })
  .strict()
  .refine(
    (message) =>
      message.direction === undefined || (message.direction === "inbound") === (message.sender === "customer"),
    {
      message: "A customer's message is inbound; the AI's and an agent's are outbound",
      path: ["direction"],
    },
  );

export const createProspectConversationBody = withAliases(
  z
    .object({
      channel: salesChannel,
      outcome: conversationFields.outcome.optional(),
      sentiment: conversationFields.sentiment.optional(),
      summary: conversationFields.summary.optional(),
      transcript: z.string().max(1_000_000).optional(),
      durationSeconds: conversationFields.durationSeconds.optional(),
      aiConfidence: conversationFields.aiConfidence.optional(),
      handoffSuggested: conversationFields.handoffSuggested.optional(),
      startedAt: isoDateInput.optional().describe("Defaults to now"),
      isLive: z
        .boolean()
        .default(true)
        .describe("Whether the AI agent is in it now (default true); false records it as ended now"),
      messages: z
        .array(transcriptMessage)
        .max(MAX_MESSAGES)
        // Messages are listed by time: equal or earlier times would lose the order they were said in.
        .refine(
          (list) =>
            list.every((message, i) => i === 0 || message.timestamp > (list[i - 1] as typeof message).timestamp),
          "Each message's timestamp must be later than the one before",
        )
        .optional()
        .describe(
          `The transcript's messages in the order they were said (at most ${MAX_MESSAGES}), each later than the one before`,
        ),
      queuedLeadId: z
        .uuid()
        .optional()
        .describe(
          "The campaign's lead this conversation is an attempt of: a lead of this prospect claimed by next-leads, whose claim has not expired",
        ),
      queuedLeadAttempt: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe("With queuedLeadId: the lead's attempts as next-leads handed it out, naming the claim reported on"),
    })
    .strict(),
  {
    timestamp: "startedAt",
    duration: "durationSeconds",
    duration_seconds: "durationSeconds",
    ai_confidence: "aiConfidence",
    handoff_suggested: "handoffSuggested",
    queued_lead_id: "queuedLeadId",
  },
  "spec 001",
).refine((body) => (body.queuedLeadId === undefined) === (body.queuedLeadAttempt === undefined), {
  message: "queuedLeadId and queuedLeadAttempt come together: the lead and the claim of it the conversation reports on",
  path: ["queuedLeadAttempt"],
});

export const prospectConversation = conversation
  .extend(
    createSelectSchema(prospectConversations).pick({
      prospectId: true,
      campaignId: true,
      campaignRunId: true,
      queuedLeadId: true,
      isLive: true,
      stage: true,
      endedAt: true,
    }).shape,
  )
  .meta({ id: "ProspectConversation" });
