import { deleteContact, getContact, updateContact } from "../../services/inbox/contacts";
import { contact, getContactQuery, updateContactBody } from "../../services/inbox/contacts.schemas";
import { ADMINS } from "../../shared/auth/roles";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { idParams } from "../../shared/schemas";

export const config: RouteConfig = { path: "/api/contacts/:id" };

const update = operation({
  summary: "Change a contact",
  description:
    "Fields left out are kept; null clears one. identities, when given, becomes the contact's whole set. A phone " +
    "number, email or identity of another contact is a 409; another tenant's contact or channel a 404.",
  access: { scopes: ["write", "ai-agent"] },
  params: idParams,
  body: updateContactBody,
  response: contact,
  handler: ({ ctx, params, body }) => updateContact(ctx, params.id, body),
});

export default route(config, {
  GET: operation({
    summary: "A contact",
    description:
      "include=identities adds its identities; include=conversations its 10 most recently active " +
      "conversations (comma-separated for both). One statement. Another tenant's contact is a 404.",
    access: { scopes: ["read"] },
    params: idParams,
    query: getContactQuery,
    response: contact,
    handler: ({ ctx, params, query }) => getContact(ctx, params.id, query.include),
  }),
  PUT: update,
  PATCH: update,
  DELETE: operation({
    summary: "Delete a contact",
    description:
      "Deletes the person with their identities, conversations and messages (an erasure). A contact with " +
      "orders is kept and answered 409: orders are the business's records. Owners and admins only, as deleting a " +
      "conversation is.",
    access: { roles: ADMINS, scopes: ["write"] },
    params: idParams,
    status: 204,
    handler: ({ ctx, params }) => deleteContact(ctx, params.id),
  }),
});
