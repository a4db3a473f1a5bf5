import { INBOX_READERS, INBOX_WRITERS } from "../../services/inbox/access";
import { deleteConversation, getConversation, updateConversation } from "../../services/inbox/conversations";
import {
  conversation,
  conversationDetail,
  conversationIdParams,
  getConversationQuery,
  updateConversationBody,
} from "../../services/inbox/conversations.schemas";
import { ADMINS } from "../../shared/auth/roles";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/conversations/:id" };

export default route(config, {
  GET: operation({
    summary: "One conversation with its contact and recent messages",
    description:
      "The most recent messages (?messages=, default 20, at most 100), oldest first. A user reading it clears its " +
      "unread count (an API key's read does not) and, on a WhatsApp number, marks the latest inbound message read " +
      "at Meta once answered (the customer sees blue ticks; a failure there is logged, not answered). " +
      "A sales_rep reads their own prospects' conversations through GET /api/prospects/:id/conversations instead.",
    access: { roles: INBOX_READERS, scopes: ["read"] },
    params: conversationIdParams,
    query: getConversationQuery,
    response: conversationDetail,
    handler: ({ ctx, params, query, after }) => getConversation(ctx, params.id, { ...query, after }),
  }),
  PATCH: operation({
    summary: "Assign, set status, tags, subject or AI fields",
    description:
      "assigneeId (or assignedTo) is a user of the tenant, or null; status moves freely between open, pending, " +
      "resolved and closed. Announced as conversation:updated. " +
      "QA supervisors and compliance officers only read.",
    access: { roles: INBOX_WRITERS, scopes: ["write", "ai-agent"] },
    params: conversationIdParams,
    body: updateConversationBody,
    response: conversation,
    handler: ({ ctx, params, body }) => updateConversation(ctx, params.id, body),
  }),
  DELETE: operation({
    summary: "Delete a conversation and its messages",
    access: { roles: ADMINS, scopes: ["write"] },
    params: conversationIdParams,
    status: 204,
    handler: ({ ctx, params }) => deleteConversation(ctx, params.id),
  }),
});
