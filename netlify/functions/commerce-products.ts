import { CATALOGUE_MANAGERS, createProduct, listProducts } from "../../services/commerce/products";
import { createProductBody, listProductsQuery, product } from "../../services/commerce/products.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/products" };

export default route(config, {
  GET: operation({
    summary: "List the tenant's products",
    description: "Newest first; filter by search (name or SKU), category, isAvailable, currency.",
    access: { scopes: ["read"] },
    query: listProductsQuery,
    response: product,
    paginated: true,
    handler: ({ ctx, query }) => listProducts(ctx, query),
  }),
  POST: operation({
    summary: "Add a product",
    description:
      'price is a decimal string ("12.50") or a number with at most 2 decimals, answered as a string. ' +
      "A SKU the tenant already uses is 409. Roles: owner, admin, operations, sales_manager.",
    access: { roles: CATALOGUE_MANAGERS, scopes: ["write"] },
    body: createProductBody,
    response: product,
    status: 201,
    handler: ({ ctx, body }) => createProduct(ctx, body),
  }),
});
