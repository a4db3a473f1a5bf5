import { listChatMessages } from "../../services/returns/chat";
import { chatMessage, listChildrenQuery, sessionIdParams } from "../../services/returns/chat.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/chat-messages/:sessionId" };

export default route(config, {
  GET: operation({
    summary: "A chat session's messages",
    description: "Oldest first. Another tenant's session is a 404.",
    access: { scopes: ["read"] },
    params: sessionIdParams,
    query: listChildrenQuery,
    response: chatMessage,
    paginated: true,
    handler: ({ ctx, params, query }) => listChatMessages(ctx, params.sessionId, query),
  }),
});
