import { deleteContact, getCustomer, updateCustomer } from "../../services/inbox/contacts";
import { customer, updateCustomerBody } from "../../services/inbox/contacts.schemas";
import { ADMINS } from "../../shared/auth/roles";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { idParams } from "../../shared/schemas";

export const config: RouteConfig = { path: "/api/customers/:id" };

const update = operation({
  summary: "Change a customer (spec 002)",
  description:
    "Fields left out are kept. channelId with platformCustomerId becomes the customer's one identity (a contact " +
    "reached on several channels keeps them when changed through /api/contacts instead).",
  access: { scopes: ["write", "ai-agent"] },
  params: idParams,
  body: updateCustomerBody,
  response: customer,
  handler: ({ ctx, params, body }) => updateCustomer(ctx, params.id, body),
});

export default route(config, {
  GET: operation({
    summary: "A customer (spec 002)",
    description: "The contact in spec 002's shape. Another tenant's customer is a 404.",
    access: { scopes: ["read"] },
    params: idParams,
    response: customer,
    handler: ({ ctx, params }) => getCustomer(ctx, params.id),
  }),
  PUT: update,
  PATCH: update,
  DELETE: operation({
    summary: "Delete a customer (spec 002)",
    description:
      "Deletes the contact with its conversations and messages, as DELETE /api/contacts/:id does (409 when it has " +
      "orders). Owners and admins only.",
    access: { roles: ADMINS, scopes: ["write"] },
    params: idParams,
    status: 204,
    handler: ({ ctx, params }) => deleteContact(ctx, params.id),
  }),
});
