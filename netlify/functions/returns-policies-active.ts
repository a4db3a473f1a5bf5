import { getActivePolicy } from "../../services/returns/policies";
import { activePolicy, activePolicyQuery } from "../../services/returns/policies.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/policies/active" };

export default route(config, {
  GET: operation({
    summary: "A business's active return policy",
    description:
      "Public, for customer-facing pages and AI agents: `?businessId=<uuid>` (or `business_id`). " +
      "Answers `{ data: null }` when the business has no active policy or does not exist.",
    access: "public",
    query: activePolicyQuery,
    response: activePolicy,
    handler: ({ ctx, query }) => getActivePolicy(ctx, query.businessId),
  }),
});
