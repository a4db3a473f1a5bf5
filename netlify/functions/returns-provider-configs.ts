import { createProviderConfig, listProviderConfigs } from "../../services/returns/provider-configs";
import {
  createProviderConfigBody,
  listProviderConfigsQuery,
  providerConfig,
} from "../../services/returns/provider-configs.schemas";
import { ADMINS } from "../../shared/auth/roles";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/provider-configs" };

export default route(config, {
  GET: operation({
    summary: "The tenant's call-provider configurations",
    description: "Secrets (apiKey, api_key, secret, token, …Token, …Secret, password) are shown masked.",
    access: { scopes: ["read"] },
    query: listProviderConfigsQuery,
    response: providerConfig,
    paginated: true,
    handler: ({ ctx, query }) => listProviderConfigs(ctx, query),
  }),
  POST: operation({
    summary: "Add a provider configuration",
    description:
      "Top-level configData keys named apiKey, api_key, secret, token, …Token, …Secret or password are encrypted " +
      "at rest and write-only. A second configuration with the same provider and name is a 409.",
    access: { roles: ADMINS },
    body: createProviderConfigBody,
    response: providerConfig,
    status: 201,
    handler: ({ ctx, body }) => createProviderConfig(ctx, body),
  }),
});
