import { operation, type RouteConfig, route } from "../../shared/http/route";
import { buildOpenApiDocument, type OpenApiDocument } from "../../shared/openapi/document";
import { functionModules } from "../../shared/openapi/registry";

export const config: RouteConfig = { path: "/api/openapi.json" };

/** Built on the first request, once every function module has loaded; the routes cannot change after. */
let document: OpenApiDocument | undefined;

export default route(config, {
  GET: operation({
    summary: "The OpenAPI 3.1 document of this API",
    description: "Generated from the route declarations. Answered as the document itself, not in the data envelope.",
    access: "public",
    produces: "application/json",
    handler: () => {
      document ??= buildOpenApiDocument(functionModules);
      return Response.json(document, { headers: { "cache-control": "public, max-age=300" } });
    },
  }),
});
