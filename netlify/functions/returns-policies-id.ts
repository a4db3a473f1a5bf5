import { updatePolicy } from "../../services/returns/policies";
import { policy, policyIdParams, updatePolicyBody } from "../../services/returns/policies.schemas";
import { ADMINS } from "../../shared/auth/roles";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/policies/:id" };

export default route(config, {
  PUT: operation({
    summary: "Change a draft policy version",
    description: "Version, rules and effective date. The active policy cannot be edited (409): create a new version.",
    access: { roles: ADMINS },
    params: policyIdParams,
    body: updatePolicyBody,
    response: policy,
    handler: ({ ctx, params, body }) => updatePolicy(ctx, params.id, body),
  }),
});
