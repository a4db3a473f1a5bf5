import { getAgent } from "../../services/voice/calls";
import { agent, agentParams } from "../../services/voice/calls.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/dashboard/agent-info/:agentId" };

export default route(config, {
  GET: operation({
    summary: "One Retell agent of the tenant",
    description: "By Retell's agent id. Another tenant's agent is answered 404.",
    access: { scopes: ["read"] },
    params: agentParams,
    response: agent,
    handler: ({ ctx, params }) => getAgent(ctx, params.agentId),
  }),
});
