import { revokeApiKey } from "../../services/platform/api-keys";
import { ADMINS } from "../../shared/auth/roles";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { idParams } from "../../shared/schemas";

export const config: RouteConfig = { path: "/api/api-keys/:id" };

export default route(config, {
  DELETE: operation({
    summary: "Revoke an API key",
    access: { roles: ADMINS },
    params: idParams,
    status: 204,
    handler: ({ ctx, params }) => revokeApiKey(ctx, params.id),
  }),
});
