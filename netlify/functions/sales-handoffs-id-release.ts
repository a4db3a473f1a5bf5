import { SALES_TEAM } from "../../services/sales/access";
import { announcedAs, releaseHandoff } from "../../services/sales/handoffs";
import { DEFAULT_TTL_HOURS, handoff } from "../../services/sales/handoffs.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { idParams } from "../../shared/schemas";

export const config: RouteConfig = { path: "/api/handoffs/:id/release" };

export default route(config, {
  POST: operation({
    summary: "Release a claimed hand-off package back to pending",
    description:
      "claimed → pending, claimedBy and claimedAt cleared, by the rep who claimed it or a manager (owner, admin, " +
      "sales_manager); another rep's package is a 404 to a sales_rep. A package not claimed is a 409 naming its " +
      `status. Its expiresAt becomes the later of its own and now + ${DEFAULT_TTL_HOURS} hours (the default time ` +
      "to live), so it can be claimed again before the handoff-expiry job expires it. The prospect stays assigned " +
      `to the rep who claimed it. ${announcedAs("handoff:released")} Roles: owner, admin, sales_manager, sales_rep.`,
    access: { roles: SALES_TEAM },
    params: idParams,
    response: handoff,
    handler: ({ ctx, params }) => releaseHandoff(ctx, params.id),
  }),
});
