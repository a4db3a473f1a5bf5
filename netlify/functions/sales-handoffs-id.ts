import { SALES_READERS } from "../../services/sales/access";
import { getHandoff } from "../../services/sales/handoffs";
import { handoff } from "../../services/sales/handoffs.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { idParams } from "../../shared/schemas";

export const config: RouteConfig = { path: "/api/handoffs/:id" };

export default route(config, {
  GET: operation({
    summary: "One hand-off package",
    description:
      "A sales_rep sees a pending package and those they claimed; another rep's is a 404. " +
      "Roles: owner, admin, sales_manager, sales_rep, qa_supervisor, compliance_officer.",
    access: { roles: SALES_READERS, scopes: ["read", "ai-agent"] },
    params: idParams,
    response: handoff,
    handler: ({ ctx, params }) => getHandoff(ctx, params.id),
  }),
});
