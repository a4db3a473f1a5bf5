import { SALES_READERS, SALES_TEAM } from "../../services/sales/access";
import { announcedAs, createHandoff, listHandoffs } from "../../services/sales/handoffs";
import { createHandoffBody, handoff, listHandoffsQuery } from "../../services/sales/handoffs.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/handoffs" };

export default route(config, {
  GET: operation({
    summary: "List hand-off packages",
    description:
      "Newest first; filter by status, priority, claimedBy (the rep who claimed it; `assignee` is the same filter) and " +
      "prospectId. A sales_rep sees the pending packages (to claim them) and those they claimed. " +
      "Roles: owner, admin, sales_manager, sales_rep, qa_supervisor, compliance_officer.",
    access: { roles: SALES_READERS, scopes: ["read", "ai-agent"] },
    query: listHandoffsQuery,
    response: handoff,
    paginated: true,
    handler: ({ ctx, query }) => listHandoffs(ctx, query),
  }),
  POST: operation({
    summary: "Create a hand-off package by hand",
    description:
      "The prospect's name, phone, email and WhatsApp are copied from the prospect; a sales_rep may create one only " +
      "for a prospect assigned to them. conversationId must be a sales conversation of that prospect, and every " +
      "suggestedPropertyIds a property of the tenant: otherwise 404, like an unknown prospect. The package is pending " +
      `for ttlHours (default 48). ${announcedAs("handoff:new")} Roles: owner, admin, sales_manager, sales_rep.`,
    access: { roles: SALES_TEAM, scopes: ["write", "ai-agent"] },
    body: createHandoffBody,
    response: handoff,
    status: 201,
    handler: ({ ctx, body }) => createHandoff(ctx, body),
  }),
});
