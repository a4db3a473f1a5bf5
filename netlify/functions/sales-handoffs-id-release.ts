import { SALES_TEAM } from "../../services/sales/access";
import { releaseHandoff } from "../../services/sales/handoffs";
import { handoff } from "../../services/sales/handoffs.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { idParams } from "../../shared/schemas";

export const config: RouteConfig = { path: "/api/handoffs/:id/release" };

export default route(config, {
  POST: operation({
    summary: "Release a claimed hand-off package back to pending",
    description:
      "claimed → pending, claimedBy and claimedAt cleared, by the rep who claimed it or a manager (owner, admin, " +
      "sales_manager); another rep's package is a 404 to a sales_rep. A package not claimed is a 409 naming its " +
      "status. It keeps its expiresAt: past it, the next handoff-expiry run expires it. Announced as " +
      "handoff:released in the events feed. Roles: owner, admin, sales_manager, sales_rep.",
    access: { roles: SALES_TEAM },
    params: idParams,
    response: handoff,
    handler: ({ ctx, params }) => releaseHandoff(ctx, params.id),
  }),
});
