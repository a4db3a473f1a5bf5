import { createContact, listContacts } from "../../services/inbox/contacts";
import { contact, createContactBody, listContactsQuery } from "../../services/inbox/contacts.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/contacts" };

export default route(config, {
  GET: operation({
    summary: "List the tenant's contacts",
    description:
      "Newest first. Filters: search (part of the name, phone number or email), tag, channelId (has an identity " +
      "there), createdAfter/createdBefore; include=identities adds each contact's identities.",
    access: { scopes: ["read"] },
    query: listContactsQuery,
    response: contact,
    paginated: true,
    handler: ({ ctx, query }) => listContacts(ctx, query),
  }),
  POST: operation({
    summary: "Add a contact",
    description:
      "A phone number (E.164), an email or an identity is needed. A phone number or email another contact has " +
      "is a 409, as is an identity (channelId, platformCustomerId) another contact has; an unknown or another " +
      "tenant's channel is a 404. Answers the contact with its identities.",
    access: { scopes: ["write", "ai-agent"] },
    body: createContactBody,
    response: contact,
    status: 201,
    handler: ({ ctx, body }) => createContact(ctx, body),
  }),
});
