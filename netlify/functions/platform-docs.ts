import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/docs" };

/** Scalar's API reference, loaded by the browser from jsDelivr; it reads /api/openapi.json. */
const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Frontdesk API reference</title>
  </head>
  <body>
    <script id="api-reference" data-url="/api/openapi.json"></script>
    <script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference@1"></script>
  </body>
</html>
`;

export default route(config, {
  GET: operation({
    summary: "Interactive API reference",
    description: "An HTML page that renders /api/openapi.json.",
    access: "public",
    produces: "text/html",
    handler: () =>
      new Response(page, {
        headers: { "content-type": "text/html; charset=utf-8", "cache-control": "public, max-age=300" },
      }),
  }),
});
