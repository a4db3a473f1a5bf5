import { addAnalytics, listAnalytics } from "../../services/returns/call-sessions";
import { analytics, createAnalyticsBody } from "../../services/returns/call-sessions.schemas";
import { listChildrenQuery } from "../../services/returns/chat.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { idParams } from "../../shared/schemas";

export const config: RouteConfig = { path: "/api/call-sessions/:id/analytics" };

export default route(config, {
  GET: operation({
    summary: "A call's analytics records",
    description: "Oldest first.",
    access: { scopes: ["read"] },
    params: idParams,
    query: listChildrenQuery,
    response: analytics,
    paginated: true,
    handler: ({ ctx, params, query }) => listAnalytics(ctx, params.id, query),
  }),
  POST: operation({
    summary: "Record a call's metrics and events",
    access: { scopes: ["write", "ai-agent"] },
    params: idParams,
    body: createAnalyticsBody,
    response: analytics,
    status: 201,
    handler: ({ ctx, params, body }) => addAnalytics(ctx, params.id, body),
  }),
});
