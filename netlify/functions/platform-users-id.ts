import { deleteUser, getUser, updateUser } from "../../services/platform/users";
import { updateUserBody, user } from "../../services/platform/users.schemas";
import { ADMINS } from "../../shared/auth/roles";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { idParams } from "../../shared/schemas";

export const config: RouteConfig = { path: "/api/users/:id" };

export default route(config, {
  GET: operation({
    summary: "One user",
    access: { scopes: ["read"] },
    params: idParams,
    response: user,
    handler: ({ ctx, params }) => getUser(ctx, params.id),
  }),
  PUT: operation({
    summary: "Change a user's email, name, role or password",
    description:
      "Admins cannot change owners or grant the owner role; a tenant always keeps one owner (422). A new password ends the user's sessions (their refresh tokens are revoked).",
    access: { roles: ADMINS },
    params: idParams,
    body: updateUserBody,
    response: user,
    handler: ({ ctx, params, body }) => updateUser(ctx, params.id, body),
  }),
  DELETE: operation({
    summary: "Remove a user",
    description:
      "Nobody can remove themselves; admins cannot remove owners; the last owner stays (422). The user's sessions end with them.",
    access: { roles: ADMINS },
    params: idParams,
    status: 204,
    handler: ({ ctx, params }) => deleteUser(ctx, params.id),
  }),
});
