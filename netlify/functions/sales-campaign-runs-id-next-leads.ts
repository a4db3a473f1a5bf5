import { z } from "zod";
import { SALES_MANAGERS } from "../../services/sales/access";
import { CLAIM_MINUTES, nextLeads } from "../../services/sales/leads";
import { claimedLead, nextLeadsBody } from "../../services/sales/leads.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { idParams } from "../../shared/schemas";

export const config: RouteConfig = { path: "/api/campaign-runs/:id/next-leads" };

export default route(config, {
  POST: operation({
    summary: "Claim the next leads to contact",
    description:
      "Hands out up to limit leads of the run's campaign that are due — queued with nextAttemptAt passed, or " +
      `contacting with a claim that expired unreported — each to this caller alone for ${CLAIM_MINUTES} minutes: ` +
      "status contacting, attempts + 1, lastAttemptAt, claimedUntil and runId set, with the prospect's contact " +
      "details. Concurrent calls get disjoint leads. A lead whose expired claim was its last attempt becomes " +
      "exhausted instead. Report each attempt within its claim with POST /api/prospects/:id/conversations, " +
      "its queuedLeadId and queuedLeadAttempt (the lead's attempts as handed out here); a report after the claim " +
      "expired is refused (409), as the lead may have been handed out again. " +
      "A run not running is 409; a campaign not active hands out nothing (an empty list). " +
      "Roles: owner, admin, sales_manager; API keys with the ai-agent scope.",
    access: { roles: SALES_MANAGERS, scopes: ["ai-agent"] },
    params: idParams,
    body: nextLeadsBody,
    response: z.array(claimedLead),
    handler: ({ ctx, params, body }) => nextLeads(ctx, params.id, body),
  }),
});
