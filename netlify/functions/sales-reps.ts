import { REP_READERS } from "../../services/sales/access";
import { listReps } from "../../services/sales/reps";
import { listRepsQuery, salesRep } from "../../services/sales/reps.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/reps" };

export default route(config, {
  GET: operation({
    summary: "List the sales reps",
    description:
      "The tenant's users with a rep role (sales_rep, sales_manager), oldest first, each with isActive (whether " +
      "routing rules give them new prospects; true unless a manager set it false) and the number of prospects " +
      "assigned to them; filter by isActive. Roles: owner, admin, sales_manager, qa_supervisor, " +
      "compliance_officer; API keys with read.",
    access: { roles: REP_READERS, scopes: ["read"] },
    query: listRepsQuery,
    response: salesRep,
    paginated: true,
    handler: ({ ctx, query }) => listReps(ctx, query),
  }),
});
