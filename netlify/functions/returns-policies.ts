import { createPolicy, listPolicies } from "../../services/returns/policies";
import { createPolicyBody, listPoliciesQuery, policy } from "../../services/returns/policies.schemas";
import { ADMINS } from "../../shared/auth/roles";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/policies" };

export default route(config, {
  GET: operation({
    summary: "List the tenant's return policy versions",
    description: "Newest first.",
    access: { scopes: ["read"] },
    query: listPoliciesQuery,
    response: policy,
    paginated: true,
    handler: ({ ctx, query }) => listPolicies(ctx, query),
  }),
  POST: operation({
    summary: "Create a return policy version",
    description:
      "The new version is inactive until activated. Category and reason keys are stored in lower snake case. " +
      "A version name the tenant already uses is 409.",
    access: { roles: ADMINS },
    body: createPolicyBody,
    response: policy,
    status: 201,
    handler: ({ ctx, body }) => createPolicy(ctx, body),
  }),
});
