import { deleteProviderConfig, getProviderConfig, updateProviderConfig } from "../../services/returns/provider-configs";
import { providerConfig, updateProviderConfigBody } from "../../services/returns/provider-configs.schemas";
import { ADMINS } from "../../shared/auth/roles";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { idParams } from "../../shared/schemas";

export const config: RouteConfig = { path: "/api/provider-configs/:id" };

export default route(config, {
  GET: operation({
    summary: "One provider configuration",
    description: "Secrets are shown masked.",
    access: { scopes: ["read"] },
    params: idParams,
    response: providerConfig,
    handler: ({ ctx, params }) => getProviderConfig(ctx, params.id),
  }),
  PATCH: operation({
    summary: "Change a provider configuration",
    description: "configData merges key by key (null removes a key; secrets left out are kept). Duplicate name: 409.",
    access: { roles: ADMINS },
    params: idParams,
    body: updateProviderConfigBody,
    response: providerConfig,
    handler: ({ ctx, params, body }) => updateProviderConfig(ctx, params.id, body),
  }),
  DELETE: operation({
    summary: "Remove a provider configuration",
    access: { roles: ADMINS },
    params: idParams,
    status: 204,
    handler: ({ ctx, params }) => deleteProviderConfig(ctx, params.id),
  }),
});
