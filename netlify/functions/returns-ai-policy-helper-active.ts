import { getPolicyForAgent } from "../../services/returns/policies";
import { aiPolicy, aiPolicyQuery } from "../../services/returns/policies.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/ai-policy-helper/active" };

export default route(config, {
  GET: operation({
    summary: "The policy the AI agent applies",
    description:
      "For API keys with the `ai-agent` scope only (the spec's service role; users are refused). " +
      "The tenant's active policy, or the built-in default with `isDefault: true` when none is active. " +
      "`businessId` (or spec 000's `business_id`) may name the key's own business; another one is 404.",
    access: { roles: [], scopes: ["ai-agent"] },
    query: aiPolicyQuery,
    response: aiPolicy,
    handler: ({ ctx, query }) => getPolicyForAgent(ctx, query),
  }),
});
