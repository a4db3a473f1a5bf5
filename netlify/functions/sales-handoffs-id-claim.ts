import { SALES_TEAM } from "../../services/sales/access";
import { claimHandoff } from "../../services/sales/handoffs";
import { handoff } from "../../services/sales/handoffs.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { idParams } from "../../shared/schemas";

export const config: RouteConfig = { path: "/api/handoffs/:id/claim" };

export default route(config, {
  POST: operation({
    summary: "Claim a pending hand-off package",
    description:
      "pending → claimed, by the caller, in one conditional UPDATE: of parallel claims exactly one wins; every other " +
      "is a 409 saying why (already claimed, completed or expired, or pending past its expiresAt). Announced as " +
      "handoff:claimed in the events feed. A person's act: no API key. Roles: owner, admin, sales_manager, sales_rep.",
    access: { roles: SALES_TEAM },
    params: idParams,
    response: handoff,
    handler: ({ ctx, params }) => claimHandoff(ctx, params.id),
  }),
});
