import { createUser, listUsers } from "../../services/platform/users";
import { createUserBody, listUsersQuery, user } from "../../services/platform/users.schemas";
import { ADMINS } from "../../shared/auth/roles";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/users" };

export default route(config, {
  GET: operation({
    summary: "List the tenant's users",
    access: { scopes: ["read"] },
    query: listUsersQuery,
    response: user,
    paginated: true,
    handler: ({ ctx, query }) => listUsers(ctx, query),
  }),
  POST: operation({
    summary: "Add a user to the tenant",
    description: "Only an owner can create another owner.",
    access: { roles: ADMINS },
    body: createUserBody,
    response: user,
    status: 201,
    handler: ({ ctx, body }) => createUser(ctx, body),
  }),
});
