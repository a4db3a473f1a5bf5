import { SALES_TEAM } from "../../services/sales/access";
import { announcedAs, completeHandoff } from "../../services/sales/handoffs";
import { handoff } from "../../services/sales/handoffs.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { idParams } from "../../shared/schemas";

export const config: RouteConfig = { path: "/api/handoffs/:id/complete" };

export default route(config, {
  POST: operation({
    summary: "Complete a claimed hand-off package",
    description:
      "claimed → completed (final), completedAt set, by the rep who claimed it or a manager (owner, admin, " +
      "sales_manager); another rep's package is a 404 to a sales_rep. A package not claimed is a 409 naming its " +
      `status. ${announcedAs("handoff:completed")} Roles: owner, admin, sales_manager, sales_rep.`,
    access: { roles: SALES_TEAM },
    params: idParams,
    response: handoff,
    handler: ({ ctx, params }) => completeHandoff(ctx, params.id),
  }),
});
