import { SALES_MANAGERS, SALES_READERS } from "../../services/sales/access";
import { getRun, updateRun } from "../../services/sales/campaigns";
import { campaignRun, updateRunBody } from "../../services/sales/campaigns.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { idParams } from "../../shared/schemas";

export const config: RouteConfig = { path: "/api/campaign-runs/:id" };

export default route(config, {
  GET: operation({
    summary: "One campaign run, with its derived counts",
    description: "Roles: owner, admin, sales_manager, sales_rep, qa_supervisor, compliance_officer.",
    access: { roles: SALES_READERS, scopes: ["read", "ai-agent"] },
    params: idParams,
    response: campaignRun,
    handler: ({ ctx, params }) => getRun(ctx, params.id),
  }),
  PATCH: operation({
    summary: "End a campaign run",
    description:
      "status running → completed sets endedAt; a completed run is final (422). Leads it still holds are handed " +
      "out again once their claim expires. Roles: owner, admin, sales_manager.",
    access: { roles: SALES_MANAGERS, scopes: ["write"] },
    params: idParams,
    body: updateRunBody,
    response: campaignRun,
    handler: ({ ctx, params, body }) => updateRun(ctx, params.id, body),
  }),
});
