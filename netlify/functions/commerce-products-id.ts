import { CATALOGUE_MANAGERS, deleteProduct, getProduct, updateProduct } from "../../services/commerce/products";
import { product, updateProductBody } from "../../services/commerce/products.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { idParams } from "../../shared/schemas";

export const config: RouteConfig = { path: "/api/products/:id" };

const update = operation({
  summary: "Change a product",
  description:
    "Only the fields given change (PUT is taken as PATCH, as spec 002's clients send partial bodies); null clears " +
    "an optional field. Orders keep the price they were placed at. A SKU the tenant already uses is 409. " +
    "Roles: owner, admin, operations, sales_manager.",
  access: { roles: CATALOGUE_MANAGERS, scopes: ["write"] },
  params: idParams,
  body: updateProductBody,
  response: product,
  handler: ({ ctx, params, body }) => updateProduct(ctx, params.id, body),
});

export default route(config, {
  GET: operation({
    summary: "One product",
    access: { scopes: ["read"] },
    params: idParams,
    response: product,
    handler: ({ ctx, params }) => getProduct(ctx, params.id),
  }),
  PUT: update,
  PATCH: update,
  DELETE: operation({
    summary: "Delete a product",
    description:
      "A product on any order is kept (409): set isAvailable to false instead. " +
      "Roles: owner, admin, operations, sales_manager.",
    access: { roles: CATALOGUE_MANAGERS, scopes: ["write"] },
    params: idParams,
    status: 204,
    handler: ({ ctx, params }) => deleteProduct(ctx, params.id),
  }),
});
