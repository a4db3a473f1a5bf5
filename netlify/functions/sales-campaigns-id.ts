import { SALES_MANAGERS, SALES_READERS } from "../../services/sales/access";
import { deleteCampaign, getCampaign, updateCampaign } from "../../services/sales/campaigns";
import { campaign, updateCampaignBody } from "../../services/sales/campaigns.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { idParams } from "../../shared/schemas";

export const config: RouteConfig = { path: "/api/campaigns/:id" };

const update = operation({
  summary: "Change a campaign",
  description:
    "Only the fields given change (PUT is taken as PATCH). status moves draft → active; active → paused | completed; " +
    "paused → active | completed; completed is final: any other move is 422 (the status it already has changes " +
    "nothing). A campaign active afterwards needs at least one channel (422). Completing a campaign ends its " +
    "running run. attempts, connectRate and bookedAppointments are derived, never given (400). " +
    "Roles: owner, admin, sales_manager.",
  access: { roles: SALES_MANAGERS, scopes: ["write"] },
  params: idParams,
  body: updateCampaignBody,
  response: campaign,
  handler: ({ ctx, params, body }) => updateCampaign(ctx, params.id, body),
});

export default route(config, {
  GET: operation({
    summary: "One campaign, with its derived counts",
    description: "Roles: owner, admin, sales_manager, sales_rep, qa_supervisor, compliance_officer.",
    access: { roles: SALES_READERS, scopes: ["read", "ai-agent"] },
    params: idParams,
    response: campaign,
    handler: ({ ctx, params }) => getCampaign(ctx, params.id),
  }),
  PUT: update,
  PATCH: update,
  DELETE: operation({
    summary: "Delete a draft campaign",
    description:
      "Only a draft with no conversations is deleted, with its queued leads; any other campaign is 409: set its " +
      "status to completed instead. Roles: owner, admin, sales_manager.",
    access: { roles: SALES_MANAGERS, scopes: ["write"] },
    params: idParams,
    status: 204,
    handler: ({ ctx, params }) => deleteCampaign(ctx, params.id),
  }),
});
