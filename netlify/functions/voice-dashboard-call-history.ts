import { listAgentCalls } from "../../services/voice/calls";
import { agentParams, call, callHistoryQuery } from "../../services/voice/calls.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/dashboard/call-history/:agentId" };

export default route(config, {
  GET: operation({
    summary: "An agent's calls, a page at a time",
    description:
      "Sorted by start time, duration or cost (calls without the value last, ties by id, so pages are stable). " +
      "Items leave out the transcript: read one call for it. An agent the tenant does not have is answered 404.",
    access: { scopes: ["read"] },
    params: agentParams,
    query: callHistoryQuery,
    response: call,
    paginated: true,
    handler: ({ ctx, params, query }) => listAgentCalls(ctx, params.agentId, query),
  }),
});
