import { SALES_MANAGERS } from "../../services/sales/access";
import { importProspects } from "../../services/sales/prospects";
import { importProspectsBody, importResult } from "../../services/sales/prospects.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/prospects/import" };

export default route(config, {
  POST: operation({
    summary: "Import prospects",
    description:
      "`{ prospects: [...] }`: 1 to 1,000 prospects, each as POST /api/prospects takes one, added in one " +
      "transaction. A prospect whose email the tenant has already, or an earlier one of the request has, is " +
      "skipped (counted, and its position listed). Each new one without an assignee is routed exactly as a " +
      "single create is, in the request's order: a rule's reps take their turns on from where the rule left " +
      "off. Every assignee given must be a rep of the tenant (else 404, nothing added). 409 when a prospect " +
      "with one of the emails was added while importing (import again). Roles: owner, admin, sales_manager; " +
      "API keys with write.",
    access: { roles: SALES_MANAGERS, scopes: ["write"] },
    body: importProspectsBody,
    errors: ["NOT_FOUND"],
    response: importResult,
    handler: ({ ctx, body }) => importProspects(ctx, body),
  }),
});
