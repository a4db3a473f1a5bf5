import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/openapi.json" };

export default route(config, {
  GET: operation({
    summary: "The OpenAPI 3.1 document of this API",
    description:
      "Generated from the route declarations (`npm run openapi`). Answered as the document itself, not in the data envelope.",
    access: "public",
    produces: "application/json",
    // The one public JSON a cache may keep: the same for every caller and changed only by a deploy,
    // which it trails by five minutes at most.
    cache: "public, max-age=300",
    handler: async () => {
      // Imported on request, so building the document (which loads this module) never needs it.
      const { default: document } = await import("../../openapi.json", { with: { type: "json" } });
      return Response.json(document);
    },
  }),
});
