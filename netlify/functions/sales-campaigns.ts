import { SALES_MANAGERS, SALES_READERS } from "../../services/sales/access";
import { createCampaign, listCampaigns } from "../../services/sales/campaigns";
import { campaign, createCampaignBody, listCampaignsQuery } from "../../services/sales/campaigns.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/campaigns" };

const DERIVED =
  "attempts, connected, connectRate and bookedAppointments are derived on every read from the campaign's " +
  "conversations (connected: outcome connected, qualified, appointment_booked, callback_requested or not_interested; " +
  "connectRate = connected / attempts to 4 decimals, 0 with none) and the appointments they booked; leads counts its " +
  "queued leads by status. None can be written.";

export default route(config, {
  GET: operation({
    summary: "List the tenant's campaigns",
    description: `Newest first; filter by status. ${DERIVED} Roles: owner, admin, sales_manager, sales_rep, qa_supervisor, compliance_officer.`,
    access: { roles: SALES_READERS, scopes: ["read", "ai-agent"] },
    query: listCampaignsQuery,
    response: campaign,
    paginated: true,
    handler: ({ ctx, query }) => listCampaigns(ctx, query),
  }),
  POST: operation({
    summary: "Create a campaign",
    description:
      "Starts as a draft (default) or active; an active campaign needs at least one channel (422). " +
      "attempts, connectRate and bookedAppointments are derived, never given (400 as unknown fields). " +
      "Roles: owner, admin, sales_manager.",
    access: { roles: SALES_MANAGERS, scopes: ["write"] },
    body: createCampaignBody,
    response: campaign,
    status: 201,
    handler: ({ ctx, body }) => createCampaign(ctx, body),
  }),
});
