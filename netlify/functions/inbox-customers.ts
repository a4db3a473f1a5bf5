import { createCustomer, listCustomers } from "../../services/inbox/contacts";
import { createCustomerBody, customer, listCustomersQuery } from "../../services/inbox/contacts.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/customers" };

export default route(config, {
  GET: operation({
    summary: "List the tenant's customers (spec 002)",
    description:
      "The contacts, in spec 002's shape: channelId and platformCustomerId are those of the contact's first " +
      "identity. Newest first; the filters of /api/contacts.",
    access: { scopes: ["read"] },
    query: listCustomersQuery,
    response: customer,
    paginated: true,
    handler: ({ ctx, query }) => listCustomers(ctx, query),
  }),
  POST: operation({
    summary: "Add a customer (spec 002)",
    description:
      "A contact with one identity (channelId, platformCustomerId). An identity, phone or email another " +
      "contact has is a 409; an unknown or another tenant's channel a 404.",
    access: { scopes: ["write", "ai-agent"] },
    body: createCustomerBody,
    response: customer,
    status: 201,
    handler: ({ ctx, body }) => createCustomer(ctx, body),
  }),
});
