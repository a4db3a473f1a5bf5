import { SALES_TEAM } from "../../services/sales/access";
import { announcedAs, claimHandoff } from "../../services/sales/handoffs";
import { handoff } from "../../services/sales/handoffs.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { idParams } from "../../shared/schemas";

export const config: RouteConfig = { path: "/api/handoffs/:id/claim" };

export default route(config, {
  POST: operation({
    summary: "Claim a pending hand-off package",
    description:
      "pending → claimed, by the caller, in one conditional UPDATE: of parallel claims exactly one wins; every other " +
      "is a 409 saying why (already claimed, completed or expired, or pending past its expiresAt). A sales_rep or " +
      "sales_manager who claims it takes the prospect over in the same statement: the prospect is assigned to them " +
      "(no longer to the routing rule that routed it, unless it already was theirs), so a sales_rep can work it " +
      "(GET /api/prospects/:id and its conversations); a release does not take it back. An owner's or admin's " +
      `claim leaves the prospect's assignment as it is. ${announcedAs("handoff:claimed")} A person's act: no API ` +
      "key. Roles: owner, admin, sales_manager, sales_rep.",
    access: { roles: SALES_TEAM },
    params: idParams,
    response: handoff,
    handler: ({ ctx, params }) => claimHandoff(ctx, params.id),
  }),
});
