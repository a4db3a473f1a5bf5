import { SALES_MANAGERS, SALES_READERS, SALES_TEAM } from "../../services/sales/access";
import { deleteProspect, getProspect, updateProspect } from "../../services/sales/prospects";
import { prospect, updateProspectBody } from "../../services/sales/prospects.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { idParams } from "../../shared/schemas";

export const config: RouteConfig = { path: "/api/prospects/:id" };

const update = operation({
  summary: "Change a prospect",
  description:
    "Only the fields given change (PUT is taken as PATCH); null clears an optional field. A manager may set " +
    "assignedTo to any user of the tenant with a rep role (else 404) or null; a prospect reassigned by hand no " +
    "longer names the routing rule that assigned it. A sales rep changes only their own prospects (another's is " +
    "404) and cannot reassign them (403). An email another prospect of the tenant has is 409. Roles: owner, " +
    "admin, sales_manager, sales_rep; API keys with write or ai-agent.",
  access: { roles: SALES_TEAM, scopes: ["write", "ai-agent"] },
  params: idParams,
  body: updateProspectBody,
  response: prospect,
  handler: ({ ctx, params, body }) => updateProspect(ctx, params.id, body),
});

export default route(config, {
  GET: operation({
    summary: "One prospect",
    description:
      "A sales rep reads only their own (another's is 404). Roles: owner, admin, sales_manager, sales_rep, " +
      "qa_supervisor, compliance_officer; API keys with read or ai-agent.",
    access: { roles: SALES_READERS, scopes: ["read", "ai-agent"] },
    params: idParams,
    response: prospect,
    handler: ({ ctx, params }) => getProspect(ctx, params.id),
  }),
  PUT: update,
  PATCH: update,
  DELETE: operation({
    summary: "Delete a prospect",
    description:
      "Erases the prospect with everything of theirs, in one statement: their conversations (transcripts and " +
      "messages included), appointments, hand-offs, queued leads and AI records. Roles: owner, admin, " +
      "sales_manager; API keys with write.",
    access: { roles: SALES_MANAGERS, scopes: ["write"] },
    params: idParams,
    status: 204,
    handler: ({ ctx, params }) => deleteProspect(ctx, params.id),
  }),
});
