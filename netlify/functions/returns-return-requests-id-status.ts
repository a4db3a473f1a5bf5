import { RETURNS_STAFF, updateReturnStatus } from "../../services/returns/return-requests";
import {
  returnRequest,
  returnRequestIdParams,
  updateReturnStatusBody,
} from "../../services/returns/return-requests.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/return-requests/:id/status" };

export default route(config, {
  PUT: operation({
    summary: "Move a return request to another status",
    description:
      "pending_triage → pending_review | approved | denied; pending_review → approved | denied; approved → completed; " +
      "denied and completed are final. Any other move is 422 naming the allowed ones. `adminNotes` replaces the notes " +
      "(null clears them). Roles: owner, admin, operations, agent, qa_supervisor; API keys with `write`.",
    access: { roles: RETURNS_STAFF, scopes: ["write"] },
    params: returnRequestIdParams,
    body: updateReturnStatusBody,
    response: returnRequest,
    handler: ({ ctx, params, body }) => updateReturnStatus(ctx, params.id, body),
  }),
});
