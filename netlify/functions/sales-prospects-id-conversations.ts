import { SALES_READERS, SALES_TEAM } from "../../services/sales/access";
import { createProspectConversation, listProspectConversations } from "../../services/sales/conversations";
import {
  createProspectConversationBody,
  listProspectConversationsQuery,
  prospectConversation,
} from "../../services/sales/conversations.schemas";
import { CLAIM_MINUTES } from "../../services/sales/leads";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { idParams } from "../../shared/schemas";

export const config: RouteConfig = { path: "/api/prospects/:id/conversations" };

const params = idParams.strict();

export default route(config, {
  GET: operation({
    summary: "A prospect's conversations",
    description:
      "Spec 001's conversation records of the prospect, the most recently recorded first: the inbox conversation's " +
      "fields (channel, outcome, sentiment, transcript, duration, AI confidence, hand-off suggestion, message count, " +
      "summary, startedAt) with the prospect, the campaign, run and queued lead of a campaign's call, and the live " +
      "state (isLive, stage, endedAt). Filters: channel, outcome, campaignId, isLive. The transcript's messages are " +
      "GET /api/messages?conversationId=. Roles: owner, admin, sales_manager, qa_supervisor, compliance_officer, and " +
      "sales_rep for the prospects assigned to them (another's is a 404); API keys: read, ai-agent.",
    access: { roles: SALES_READERS, scopes: ["read", "ai-agent"] },
    params,
    query: listProspectConversationsQuery,
    response: prospectConversation,
    paginated: true,
    handler: ({ ctx, params, query }) => listProspectConversations(ctx, params.id, query),
  }),
  POST: operation({
    summary: "Record a conversation with a prospect",
    description:
      'Spec 001\'s "create conversation record", in one transaction:\n\n' +
      "- an inbox conversation on `channel` (phone, whatsapp, sms, email) with the fields given, announced as " +
      "conversation:updated, linked to the prospect; `isLive` false records it as ended now;\n" +
      "- `messages`, the transcript (at most 500, each later than the one before), become the conversation's inbox " +
      "messages in that order, stored as delivered (a customer's inbound, the AI's and an agent's outbound);\n" +
      "- the prospect's status moves from `new` to `contacted` (any other status stays);\n" +
      "- `queuedLeadId` with `queuedLeadAttempt` (together or not at all), a campaign's lead of this prospect and " +
      "its attempts as POST /api/campaign-runs/:id/next-leads handed it out, reports on that claim: it links the " +
      "conversation to the lead's campaign and run and records the attempt (the claim counted it): `result` becomes " +
      `the outcome and the claim is released. Report within the claim (${CLAIM_MINUTES} minutes): another's lead or an unknown ` +
      "one is 404; one in any other status than contacting, or whose claim expired (the lead may have been handed " +
      "out again, to a caller on the line now), is 409 and changes nothing: record the conversation without " +
      "queuedLeadId;\n\n" +
      "| outcome | lead becomes |\n| --- | --- |\n" +
      "| connected, qualified, appointment_booked, callback_requested, not_interested, wrong_number | `done` |\n" +
      "| voicemail, no_answer, busy, failed, or none, with attempts ≥ the campaign's maxAttempts | `exhausted` |\n" +
      "| voicemail, no_answer, busy, failed, or none, with attempts left | `queued`, next attempt in retryDelayMinutes |\n\n" +
      "Takes spec 001's names timestamp, duration, ai_confidence, handoff_suggested. Answers the conversation as the " +
      "list shows it. Roles: owner, admin, sales_manager, and sales_rep for their own prospects; API keys: write, ai-agent.",
    access: { roles: SALES_TEAM, scopes: ["write", "ai-agent"] },
    params,
    body: createProspectConversationBody,
    response: prospectConversation,
    status: 201,
    handler: ({ ctx, params, body }) => createProspectConversation(ctx, params.id, body),
  }),
});
