import type { Config } from "@netlify/functions";
import { checkHealth, health } from "../../services/platform/health";
import { operation, route } from "../../shared/http/route";

export const config = { path: "/api/health" } satisfies Config;

export default route(config, {
  GET: operation({
    summary: "Is the service and its database up",
    access: "public",
    response: health,
    handler: ({ ctx }) => checkHealth(ctx.db),
  }),
});
