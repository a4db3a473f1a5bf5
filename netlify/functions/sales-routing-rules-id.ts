import { SALES_MANAGERS } from "../../services/sales/access";
import { deleteRoutingRule, getRoutingRule, updateRoutingRule } from "../../services/sales/routing";
import { routingRule, updateRoutingRuleBody } from "../../services/sales/routing.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { idParams } from "../../shared/schemas";

export const config: RouteConfig = { path: "/api/routing-rules/:id" };

const update = operation({
  summary: "Change a routing rule",
  description:
    "Only the fields given change (PUT is taken as PATCH). New repIds must be users of the tenant with a rep role " +
    "(else 404). The rule keeps its assignment count: the turn goes on from where it was. Both bounds given out " +
    "of order is 400; one given past the other stored bound is 422. Prospects already routed keep their rep. " +
    "Roles: owner, admin, sales_manager; API keys with write.",
  access: { roles: SALES_MANAGERS, scopes: ["write"] },
  params: idParams,
  body: updateRoutingRuleBody,
  response: routingRule,
  handler: ({ ctx, params, body }) => updateRoutingRule(ctx, params.id, body),
});

export default route(config, {
  GET: operation({
    summary: "One routing rule",
    description: "Roles: owner, admin, sales_manager; API keys with read.",
    access: { roles: SALES_MANAGERS, scopes: ["read"] },
    params: idParams,
    response: routingRule,
    handler: ({ ctx, params }) => getRoutingRule(ctx, params.id),
  }),
  PUT: update,
  PATCH: update,
  DELETE: operation({
    summary: "Delete a routing rule",
    description: "Prospects it assigned keep their rep. Roles: owner, admin, sales_manager; API keys with write.",
    access: { roles: SALES_MANAGERS, scopes: ["write"] },
    params: idParams,
    status: 204,
    handler: ({ ctx, params }) => deleteRoutingRule(ctx, params.id),
  }),
});
