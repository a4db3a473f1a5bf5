import { createChatSession, listChatSessions } from "../../services/returns/chat";
import { chatSession, createChatSessionBody, listChatSessionsQuery } from "../../services/returns/chat.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/chat-sessions" };

export default route(config, {
  GET: operation({
    summary: "List the tenant's chat sessions",
    description: "Most recently active first; filter by userId, isActive, chatMode, sessionType.",
    access: { scopes: ["read"] },
    query: listChatSessionsQuery,
    response: chatSession,
    paginated: true,
    handler: ({ ctx, query }) => listChatSessions(ctx, query),
  }),
  POST: operation({
    summary: "Start a chat session",
    description: "userId defaults to the calling user; a userId outside the tenant is a 404.",
    access: { scopes: ["write", "ai-agent"] },
    body: createChatSessionBody,
    response: chatSession,
    status: 201,
    handler: ({ ctx, body }) => createChatSession(ctx, body),
  }),
});
