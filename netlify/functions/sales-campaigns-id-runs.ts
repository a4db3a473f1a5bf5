import { SALES_MANAGERS, SALES_READERS } from "../../services/sales/access";
import { listRuns, startRun } from "../../services/sales/campaigns";
import { campaignRun, listRunsQuery } from "../../services/sales/campaigns.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { idParams } from "../../shared/schemas";

export const config: RouteConfig = { path: "/api/campaigns/:id/runs" };

export default route(config, {
  GET: operation({
    summary: "A campaign's runs",
    description:
      "Latest first; filter by status. attempts, connected, connectRate and bookedAppointments are derived from the " +
      "run's conversations and the appointments they booked. " +
      "Roles: owner, admin, sales_manager, sales_rep, qa_supervisor, compliance_officer.",
    access: { roles: SALES_READERS, scopes: ["read", "ai-agent"] },
    params: idParams,
    query: listRunsQuery,
    response: campaignRun,
    paginated: true,
    handler: ({ ctx, params, query }) => listRuns(ctx, params.id, query),
  }),
  POST: operation({
    summary: "Start a run of a campaign",
    description:
      "The campaign must be active (409 otherwise), and at most one of its runs is running: a second start, " +
      "however concurrent, is 409 (complete the running one first). Roles: owner, admin, sales_manager.",
    access: { roles: SALES_MANAGERS, scopes: ["write"] },
    params: idParams,
    response: campaignRun,
    status: 201,
    handler: ({ ctx, params }) => startRun(ctx, params.id),
  }),
});
