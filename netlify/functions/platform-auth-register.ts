import { register } from "../../services/platform/auth";
import { registerBody, session } from "../../services/platform/auth.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = {
  path: "/api/auth/register",
  rateLimit: { windowLimit: 20, windowSize: 60, aggregateBy: ["ip", "domain"] },
};

export default route(config, {
  POST: operation({
    summary: "Register a business and its owner",
    description: "Creates a tenant and its first user (role owner) and signs that user in.",
    access: "public",
    body: registerBody,
    response: session,
    status: 201,
    rateLimited: true,
    handler: ({ ctx, body }) => register(ctx, body),
  }),
});
