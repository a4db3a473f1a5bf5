import { deleteTemplate, getTemplate } from "../../services/inbox/whatsapp/templates";
import { template, templateIdParams } from "../../services/inbox/whatsapp/templates.schemas";
import { ADMINS } from "../../shared/auth/roles";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/templates/:id" };

export default route(config, {
  GET: operation({
    summary: "One WhatsApp message template",
    description: "A deleted one too (status deleted, deletedAt set).",
    access: { scopes: ["read"] },
    params: templateIdParams,
    response: template,
    handler: ({ ctx, params }) => getTemplate(ctx, params.id),
  }),
  DELETE: operation({
    summary: "Delete a WhatsApp message template",
    description:
      "Deleted at Meta (this language only, by Meta's id), then marked deleted here (status deleted, deletedAt): the " +
      "row stays for the messages that used it. A template Meta no longer has counts as deleted; deleting one already " +
      "deleted is a 204 that asks Meta nothing. Meta's refusal is a 502 with its error. Same access as creating one.",
    access: { roles: ADMINS, scopes: ["write"] },
    params: templateIdParams,
    status: 204,
    errors: ["UPSTREAM_FAILED"],
    handler: ({ ctx, params }) => deleteTemplate(ctx, params.id),
  }),
});
