import { me } from "../../services/platform/auth";
import { account } from "../../services/platform/auth.schemas";
import { MEMBERS } from "../../shared/auth/roles";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/auth/me" };

export default route(config, {
  GET: operation({
    summary: "The signed-in user and their tenant",
    access: MEMBERS,
    response: account,
    handler: ({ ctx }) => me(ctx),
  }),
});
