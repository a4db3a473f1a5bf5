import { createTemplate, listTemplates } from "../../services/inbox/whatsapp/templates";
import { createTemplateBody, listTemplatesQuery, template } from "../../services/inbox/whatsapp/templates.schemas";
import { ADMINS } from "../../shared/auth/roles";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/templates" };

export default route(config, {
  GET: operation({
    summary: "List WhatsApp message templates",
    description:
      "The tenant's templates as Meta holds them (kept current by Meta's review webhooks and the hourly " +
      "whatsapp-template-refresh job), newest first. Filter by status, category, language and name (the templates " +
      "whose name contains it, in any case). Deleted templates are left out unless includeDeleted=true (or status=deleted).",
    access: { scopes: ["read"] },
    query: listTemplatesQuery,
    response: template,
    paginated: true,
    handler: ({ ctx, query }) => listTemplates(ctx, query),
  }),
  POST: operation({
    summary: "Create a WhatsApp message template",
    description:
      "Spec 003's { name, category, language, components }, checked against Meta's rules (400 naming the component), " +
      "then submitted to Meta on the WhatsApp Business Account of the tenant's first number and stored with Meta's id " +
      "and status (pending until Meta's review). A name and language the tenant already has is a 409; no number, " +
      "account or token is a 422; Meta's refusal (a name it still holds, content it rejects) is a 502 whose details " +
      "carry Meta's error code, subcode and message, and nothing is stored. For the tenant's admins and owner, or " +
      "API keys with the write scope: a template speaks for the business, like its channels.",
    access: { roles: ADMINS, scopes: ["write"] },
    body: createTemplateBody,
    response: template,
    status: 201,
    errors: ["UPSTREAM_FAILED"],
    handler: ({ ctx, body }) => createTemplate(ctx, body),
  }),
});
