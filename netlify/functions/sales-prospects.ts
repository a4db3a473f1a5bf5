import { SALES_READERS, SALES_TEAM } from "../../services/sales/access";
import { createProspect, listProspects } from "../../services/sales/prospects";
import { createProspectBody, listProspectsQuery, prospect } from "../../services/sales/prospects.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/prospects" };

export default route(config, {
  GET: operation({
    summary: "List prospects",
    description:
      "Newest first; filter by status, city (any case), assignedTo (also `assigned_to`: a rep's id, or `none` for " +
      "the prospects nobody is assigned) and search (full-text over name, email and phone numbers: words as " +
      "prefixes, or a phone number's leading digits as typed). A sales rep sees only the prospects assigned to " +
      "them, so `assignedTo=none` answers them an empty list. Roles: owner, admin, sales_manager, sales_rep, qa_supervisor, " +
      "compliance_officer; API keys with read or ai-agent.",
    access: { roles: SALES_READERS, scopes: ["read", "ai-agent"] },
    query: listProspectsQuery,
    response: prospect,
    paginated: true,
    handler: ({ ctx, query }) => listProspects(ctx, query),
  }),
  POST: operation({
    summary: "Add a prospect",
    description:
      "Assignment: an `assignedTo` given must be a user of the tenant with a rep role (sales_rep, sales_manager; " +
      "else 404) and is kept. Left out, routing rules assign one in the same statement: the active rule of lowest " +
      "priority (then id) whose cities, budget band and channels all take the prospect (an empty list or a null " +
      "bound takes anything; a prospect without a budget only matches a rule with no bounds) and that has an " +
      "active rep gives it to its next active rep in turn (round robin, fair under concurrency); no rule: " +
      "unassigned. A sales rep's new prospect is assigned to them, not routed; naming anyone else is 403. " +
      "`budget` is a decimal string or number (answered as a string); phone numbers are E.164. An email another " +
      "prospect of the tenant has (any case) is 409. Roles: owner, admin, sales_manager, sales_rep; API keys with " +
      "write or ai-agent.",
    access: { roles: SALES_TEAM, scopes: ["write", "ai-agent"] },
    body: createProspectBody,
    errors: ["NOT_FOUND"],
    response: prospect,
    status: 201,
    handler: ({ ctx, body }) => createProspect(ctx, body),
  }),
});
