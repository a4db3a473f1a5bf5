import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/docs" };

/**
 * Scalar's options, read by its bundle from the data-configuration attribute (an inline script
 * would need 'unsafe-inline'). Everything that would reach another origin is off: Scalar's web
 * fonts, its telemetry, the AI agent and the hosted API client.
 */
const scalarConfiguration = {
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  hideClientButton: true,
  showDeveloperTools: "never",
};

/**
 * Scalar's API reference from the site's own files: public/vendor/ holds the package's standalone
 * bundle (copied by `npm run docs:assets`, which Netlify's build and `npm start` run); it reads
 * /api/openapi.json.
 */
const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Frontdesk API reference</title>
    <link rel="icon" href="data:," />
  </head>
  <body>
    <script id="api-reference" type="application/json" data-url="/api/openapi.json" data-configuration="${JSON.stringify(scalarConfiguration).replaceAll('"', "&quot;")}"></script>
    <script src="/docs-setup.js"></script>
    <script src="/vendor/scalar-api-reference.js"></script>
  </body>
</html>
`;

/**
 * The page and everything it loads come from the site itself. Scalar's bundle injects its
 * stylesheet and theme as <style> elements, the only reason for style-src 'unsafe-inline'
 * (styles cannot run code); scripts stay 'self' only.
 */
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export default route(config, {
  GET: operation({
    summary: "Interactive API reference",
    description: "An HTML page that renders /api/openapi.json.",
    access: "public",
    produces: "text/html",
    // The same page for everyone, changed only by a deploy.
    cache: "public, max-age=300",
    handler: () =>
      new Response(page, {
        headers: {
          "content-type": "text/html; charset=utf-8",
          "content-security-policy": contentSecurityPolicy,
          // frame-ancestors above for current browsers, X-Frame-Options for those that predate it.
          "x-frame-options": "DENY",
          "referrer-policy": "no-referrer",
        },
      }),
  }),
});
