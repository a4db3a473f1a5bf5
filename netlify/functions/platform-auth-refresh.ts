import { refresh } from "../../services/platform/auth";
import { refreshBody, session } from "../../services/platform/auth.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = {
  path: "/api/auth/refresh",
  rateLimit: { windowLimit: 60, windowSize: 60, aggregateBy: ["ip", "domain"] },
};

export default route(config, {
  POST: operation({
    summary: "Exchange a refresh token for a new session",
    description:
      "The refresh token is rotated: the one presented is spent. A spent token still refreshes for 10 s (two tabs refreshing at once both stay signed in); presented after that, it revokes every token of its session.",
    access: "public",
    body: refreshBody,
    response: session,
    handler: ({ ctx, body }) => refresh(ctx, body),
  }),
});
