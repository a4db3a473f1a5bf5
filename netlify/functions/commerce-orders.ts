import { createOrder, listOrders } from "../../services/commerce/orders";
import { createOrderBody, listedOrder, listOrdersQuery, order } from "../../services/commerce/orders.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/orders" };

export default route(config, {
  GET: operation({
    summary: "List the tenant's orders",
    description:
      "Most recently placed first; filter by status, customerId, channelId and placedFrom/placedTo (spec 002's " +
      "createdAfter/createdBefore). `include=items,customer` adds each order's items and customer.",
    access: { scopes: ["read"] },
    query: listOrdersQuery,
    response: listedOrder,
    paginated: true,
    handler: ({ ctx, query }) => listOrders(ctx, query),
  }),
  POST: operation({
    summary: "Place an order",
    description:
      "Prices, currency and total come from the tenant's products, never from the body; the order and its items " +
      "are written in one transaction with an order:created event. An unknown customer, channel or product (or " +
      "another tenant's) is 404; an unavailable product, products in two currencies or a total past 99999999.99 " +
      "is 422. Honours Idempotency-Key.",
    access: { scopes: ["write", "ai-agent"] },
    body: createOrderBody,
    response: order,
    status: 201,
    idempotent: true,
    handler: ({ ctx, body }) => createOrder(ctx, body),
  }),
});
