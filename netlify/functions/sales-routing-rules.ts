import { SALES_MANAGERS } from "../../services/sales/access";
import { createRoutingRule, listRoutingRules } from "../../services/sales/routing";
import { createRoutingRuleBody, listRoutingRulesQuery, routingRule } from "../../services/sales/routing.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/routing-rules" };

export default route(config, {
  GET: operation({
    summary: "List routing rules",
    description:
      "In the order they are tried: priority (lowest first), then id; filter by isActive. Roles: owner, admin, " +
      "sales_manager; API keys with read.",
    access: { roles: SALES_MANAGERS, scopes: ["read"] },
    query: listRoutingRulesQuery,
    response: routingRule,
    paginated: true,
    handler: ({ ctx, query }) => listRoutingRules(ctx, query),
  }),
  POST: operation({
    summary: "Add a routing rule",
    description:
      "A new prospect without an assignee goes to the first active rule (priority, then id) whose conditions all " +
      "hold and that has an active rep: its city among `cities` (stored trimmed, lower case), its budget within " +
      "minBudget–maxBudget, its preferred channel among `channels`; an empty list or a null bound takes anything, " +
      "and a prospect without a budget matches only a rule with neither bound. The rule's active reps (ordered by " +
      "id; users who are no longer reps, and reps set inactive, are passed over) take prospects in turn. repIds: " +
      "1 to 50 users of the tenant with a rep role (else 404). maxBudget below minBudget is 400. Roles: owner, " +
      "admin, sales_manager; API keys with write.",
    access: { roles: SALES_MANAGERS, scopes: ["write"] },
    body: createRoutingRuleBody,
    errors: ["NOT_FOUND"],
    response: routingRule,
    status: 201,
    handler: ({ ctx, body }) => createRoutingRule(ctx, body),
  }),
});
