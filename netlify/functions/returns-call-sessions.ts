import { createCallSession, listCallSessions } from "../../services/returns/call-sessions";
import {
  callSession,
  createCallSessionBody,
  listCallSessionsQuery,
} from "../../services/returns/call-sessions.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/call-sessions" };

export default route(config, {
  GET: operation({
    summary: "List the tenant's voice and video calls",
    description: "Newest first; filter by status, provider, callType, chatSessionId.",
    access: { scopes: ["read"] },
    query: listCallSessionsQuery,
    response: callSession,
    paginated: true,
    handler: ({ ctx, query }) => listCallSessions(ctx, query),
  }),
  POST: operation({
    summary: "Record a new call",
    description: "The call starts initiated. A chatSessionId outside the tenant is a 404.",
    access: { scopes: ["write", "ai-agent"] },
    body: createCallSessionBody,
    response: callSession,
    status: 201,
    handler: ({ ctx, body }) => createCallSession(ctx, body),
  }),
});
