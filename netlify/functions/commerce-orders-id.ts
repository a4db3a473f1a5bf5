import { deleteOrder, getOrder, ORDER_MANAGERS, updateOrder } from "../../services/commerce/orders";
import { order, updateOrderBody } from "../../services/commerce/orders.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { idParams } from "../../shared/schemas";

export const config: RouteConfig = { path: "/api/orders/:id" };

const update = operation({
  summary: "Move an order to another status, or change its addresses",
  description:
    "pending → processing | cancelled; processing → shipped | cancelled; shipped → delivered | refunded; " +
    "delivered → refunded; cancelled and refunded are final. Any other move is 422 naming the allowed ones. " +
    "Addresses change only while pending or processing. Emits order:updated. PUT is taken as PATCH (spec 002).",
  access: { scopes: ["write", "ai-agent"] },
  params: idParams,
  body: updateOrderBody,
  response: order,
  handler: ({ ctx, params, body }) => updateOrder(ctx, params.id, body),
});

export default route(config, {
  GET: operation({
    summary: "One order, with its items and customer",
    access: { scopes: ["read"] },
    params: idParams,
    response: order,
    handler: ({ ctx, params }) => getOrder(ctx, params.id),
  }),
  PATCH: update,
  PUT: update,
  DELETE: operation({
    summary: "Delete a pending order",
    description:
      "Only a pending order (taken by mistake) can be deleted, with its items; any other is 422: change its status " +
      "instead. Roles: owner, admin, operations, sales_manager.",
    access: { roles: ORDER_MANAGERS, scopes: ["write"] },
    params: idParams,
    status: 204,
    handler: ({ ctx, params }) => deleteOrder(ctx, params.id),
  }),
});
