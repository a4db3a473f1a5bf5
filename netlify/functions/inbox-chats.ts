import { INBOX_READERS, INBOX_WRITERS } from "../../services/inbox/access";
import { createChat, listChats } from "../../services/inbox/conversations";
import {
  chat,
  chatListItem,
  createConversationBody,
  listConversationsQuery,
} from "../../services/inbox/conversations.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/chats" };

export default route(config, {
  GET: operation({
    summary: "List chats (spec 002): the tenant's conversations",
    description:
      "GET /api/conversations under spec 002's names: customerId for contactId and userId for assigneeId, in the " +
      "query and (beside Frontdesk's) in each chat, with chatId for id. " +
      "A sales_rep reads their own prospects' conversations through GET /api/prospects/:id/conversations instead.",
    access: { roles: INBOX_READERS, scopes: ["read"] },
    query: listConversationsQuery,
    response: chatListItem,
    paginated: true,
    handler: ({ ctx, query }) => listChats(ctx, query),
  }),
  POST: operation({
    summary: "Start a chat (spec 002)",
    description:
      "POST /api/conversations under spec 002's names (customerId, userId, platformType). " +
      "QA supervisors and compliance officers only read.",
    access: { roles: INBOX_WRITERS, scopes: ["write", "ai-agent"] },
    body: createConversationBody,
    response: chat,
    status: 201,
    handler: ({ ctx, body }) => createChat(ctx, body),
  }),
});
