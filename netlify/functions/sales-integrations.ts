import { SALES_MANAGERS } from "../../services/sales/access";
import { listIntegrations, saveIntegration } from "../../services/sales/integrations";
import { integration, listIntegrationsQuery, saveIntegrationBody } from "../../services/sales/integrations.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/integrations" };

export default route(config, {
  GET: operation({
    summary: "List the business's integrations",
    description:
      "By name; filter by type and status. Secrets show as masked hints (••••abcd), never their values. " +
      "Roles: owner, admin, sales_manager.",
    access: { roles: SALES_MANAGERS, scopes: ["read"] },
    query: listIntegrationsQuery,
    response: integration,
    paginated: true,
    handler: ({ ctx, query }) => listIntegrations(ctx, query),
  }),
  POST: operation({
    summary: "Create or update an integration, by name",
    description:
      "Spec 001's create/update: a name the business has no integration of creates one (201; `type` required, else " +
      "422; status defaults to disconnected); a name it has updates that one with the fields given (200, the same " +
      "body), as PATCH /api/integrations/{id} does. Concurrent saves of one name make one integration. `secrets` are " +
      "write-only: sealed in the platform's credentials store in the same transaction, answered as masked hints. " +
      "Roles: owner, admin, sales_manager.",
    access: { roles: SALES_MANAGERS, scopes: ["write"] },
    body: saveIntegrationBody,
    response: integration,
    status: 201,
    handler: async ({ ctx, body }) => {
      const saved = await saveIntegration(ctx, body);
      // route() answers the declared 201; an update of an existing name answers the same body as a 200.
      return saved.created ? saved.integration : Response.json({ data: integration.parse(saved.integration) });
    },
  }),
});
