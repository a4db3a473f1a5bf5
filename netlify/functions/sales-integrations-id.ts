import { SALES_MANAGERS } from "../../services/sales/access";
import { deleteIntegration, getIntegration, updateIntegration } from "../../services/sales/integrations";
import { integration, updateIntegrationBody } from "../../services/sales/integrations.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { idParams } from "../../shared/schemas";

export const config: RouteConfig = { path: "/api/integrations/:id" };

const update = operation({
  summary: "Change an integration",
  description:
    "Only the fields given change (PUT is taken as PATCH); `config` replaces the stored settings; `secrets` merges " +
    "key by key (null removes one, `secrets: null` all), in the same transaction as the row. A name another " +
    "integration of the business has is a 409. Roles: owner, admin, sales_manager.",
  access: { roles: SALES_MANAGERS, scopes: ["write"] },
  params: idParams,
  body: updateIntegrationBody,
  response: integration,
  handler: ({ ctx, params, body }) => updateIntegration(ctx, params.id, body),
});

export default route(config, {
  GET: operation({
    summary: "One integration",
    description: "Secrets show as masked hints. Roles: owner, admin, sales_manager.",
    access: { roles: SALES_MANAGERS, scopes: ["read"] },
    params: idParams,
    response: integration,
    handler: ({ ctx, params }) => getIntegration(ctx, params.id),
  }),
  PUT: update,
  PATCH: update,
  DELETE: operation({
    summary: "Delete an integration",
    description: "Deletes it and its sealed secrets in one transaction. Roles: owner, admin, sales_manager.",
    access: { roles: SALES_MANAGERS, scopes: ["write"] },
    params: idParams,
    status: 204,
    handler: ({ ctx, params }) => deleteIntegration(ctx, params.id),
  }),
});
