import { SALES_MANAGERS, SALES_READERS } from "../../services/sales/access";
import { listLeads, queueLeads } from "../../services/sales/leads";
import { listLeadsQuery, queuedLead, queuedLeadsResult, queueLeadsBody } from "../../services/sales/leads.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { idParams } from "../../shared/schemas";

export const config: RouteConfig = { path: "/api/campaigns/:id/leads" };

export default route(config, {
  GET: operation({
    summary: "A campaign's queued leads",
    description:
      "Soonest due (nextAttemptAt) first, with the prospect's name; filter by status. A sales rep sees only the " +
      "leads of prospects assigned to them. Roles: owner, admin, sales_manager, sales_rep, qa_supervisor, compliance_officer.",
    access: { roles: SALES_READERS, scopes: ["read", "ai-agent"] },
    params: idParams,
    query: listLeadsQuery,
    response: queuedLead,
    paginated: true,
    handler: ({ ctx, params, query }) => listLeads(ctx, params.id, query),
  }),
  POST: operation({
    summary: "Queue prospects in a campaign",
    description:
      "Every id must be a prospect of the tenant: any other is 404 (details name its place in prospectIds) and " +
      "nothing is queued. Prospects already queued in the campaign are skipped; the answer counts queued and " +
      "skipped. A draft or active campaign queues; a paused or completed one queues nothing (409). " +
      "Roles: owner, admin, sales_manager.",
    access: { roles: SALES_MANAGERS, scopes: ["write"] },
    params: idParams,
    body: queueLeadsBody,
    response: queuedLeadsResult,
    handler: ({ ctx, params, body }) => queueLeads(ctx, params.id, body),
  }),
});
