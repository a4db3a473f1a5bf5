import { login } from "../../services/platform/auth";
import { loginBody, session } from "../../services/platform/auth.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = {
  path: "/api/auth/login",
  rateLimit: { windowLimit: 60, windowSize: 60, aggregateBy: ["ip", "domain"] },
};

export default route(config, {
  POST: operation({
    summary: "Sign in with email and password",
    description:
      "After 10 failed attempts for one email from one IP within 15 minutes, answers 429 until the window ends.",
    access: "public",
    body: loginBody,
    response: session,
    rateLimited: true,
    handler: ({ ctx, body }) => login(ctx, body),
  }),
});
