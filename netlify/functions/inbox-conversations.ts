import { INBOX_READERS, INBOX_WRITERS } from "../../services/inbox/access";
import { createConversation, listConversations } from "../../services/inbox/conversations";
import {
  conversation,
  conversationListItem,
  createConversationBody,
  listConversationsQuery,
} from "../../services/inbox/conversations.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/conversations" };

export default route(config, {
  GET: operation({
    summary: "List the tenant's conversations",
    description:
      "Most recently active first, each with its contact's name, phone and email. Filter by status (one or " +
      "several), channelType, channelId, assigneeId or unassigned=true, contactId, tag, isTest, search (contact " +
      "name, phone or email, or subject) and from/to on updatedAt. " +
      "A sales_rep reads their own prospects' conversations through GET /api/prospects/:id/conversations instead.",
    access: { roles: INBOX_READERS, scopes: ["read"] },
    query: listConversationsQuery,
    response: conversationListItem,
    paginated: true,
    handler: ({ ctx, query }) => listConversations(ctx, query),
  }),
  POST: operation({
    summary: "Start a conversation (or record one, spec 001)",
    description:
      "channelType, or a channelId of the tenant (the conversation takes the channel's type; another type given " +
      "is a 422). A contactId, channelId or assigneeId outside the tenant is a 404. Announced as conversation:updated. " +
      "QA supervisors and compliance officers only read.",
    access: { roles: INBOX_WRITERS, scopes: ["write", "ai-agent"] },
    body: createConversationBody,
    response: conversation,
    status: 201,
    handler: ({ ctx, body }) => createConversation(ctx, body),
  }),
});
