import { INBOX_READERS, INBOX_WRITERS } from "../../services/inbox/access";
import { deleteConversation, getChat, updateChat } from "../../services/inbox/conversations";
import {
  chat,
  chatDetail,
  conversationIdParams,
  getConversationQuery,
  updateConversationBody,
} from "../../services/inbox/conversations.schemas";
import { ADMINS } from "../../shared/auth/roles";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/chats/:id" };

export default route(config, {
  GET: operation({
    summary: "One chat (spec 002) with its customer and recent messages",
    description:
      "GET /api/conversations/:id with spec 002's chatId, customerId and userId beside Frontdesk's names; a user's " +
      "read clears the unread count and marks WhatsApp messages read at Meta as that does. " +
      "A sales_rep reads their own prospects' conversations through GET /api/prospects/:id/conversations instead.",
    access: { roles: INBOX_READERS, scopes: ["read"] },
    params: conversationIdParams,
    query: getConversationQuery,
    response: chatDetail,
    handler: ({ ctx, params, query, after }) => getChat(ctx, params.id, { ...query, after }),
  }),
  PUT: operation({
    summary: "Update a chat (spec 002)",
    description:
      "PATCH /api/conversations/:id under spec 002's names (userId for assigneeId). " +
      "QA supervisors and compliance officers only read.",
    access: { roles: INBOX_WRITERS, scopes: ["write", "ai-agent"] },
    params: conversationIdParams,
    body: updateConversationBody,
    response: chat,
    handler: ({ ctx, params, body }) => updateChat(ctx, params.id, body),
  }),
  DELETE: operation({
    summary: "Delete a chat and its messages",
    access: { roles: ADMINS, scopes: ["write"] },
    params: conversationIdParams,
    status: 204,
    handler: ({ ctx, params }) => deleteConversation(ctx, params.id),
  }),
});
