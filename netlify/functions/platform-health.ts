import { checkHealth } from "../../services/platform/health";
import { health } from "../../services/platform/health.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/health" };

export default route(config, {
  GET: operation({
    summary: "Is the service and its database up",
    access: "public",
    response: health,
    errors: ["SERVICE_UNAVAILABLE"],
    handler: ({ ctx }) => checkHealth(ctx.db),
  }),
});
