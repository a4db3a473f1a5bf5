import { signout } from "../../services/platform/auth";
import { refreshBody } from "../../services/platform/auth.schemas";
import { MEMBERS } from "../../shared/auth/roles";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/auth/signout" };

export default route(config, {
  POST: operation({
    summary: "Sign out",
    description:
      "Revokes the session the refresh token belongs to. The access token expires on its own within 15 minutes.",
    access: MEMBERS,
    body: refreshBody,
    status: 204,
    handler: ({ ctx, body }) => signout(ctx, body),
  }),
});
