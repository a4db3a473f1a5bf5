import { activatePolicy } from "../../services/returns/policies";
import { activatePolicyBody, policy, policyIdParams } from "../../services/returns/policies.schemas";
import { ADMINS } from "../../shared/auth/roles";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/policies/:id/activate" };

export default route(config, {
  PUT: operation({
    summary: "Make a policy version the active one",
    description:
      "Deactivates the tenant's other versions and activates this one in one transaction: exactly one stays " +
      "active, also under concurrent activations. Activating the active version changes nothing. " +
      "A version whose stored rules are not valid is 422. The body may be left out; spec 000's clients send " +
      "`business_id`, which must be the caller's own business (another is 404).",
    access: { roles: ADMINS },
    params: policyIdParams,
    body: activatePolicyBody,
    response: policy,
    handler: ({ ctx, params, body }) => activatePolicy(ctx, params.id, body),
  }),
});
