import type { Context } from "@netlify/functions";
import { streamEvents } from "../../services/platform/events";
import { resumeAfter, streamEventsQuery } from "../../services/platform/events.schemas";
import { operation, type RouteConfig, type RouteHandler, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/events/stream" };

const handler = route(config, {
  GET: operation({
    summary: "Stream the tenant's events feed (Server-Sent Events)",
    description:
      "The events feed of /api/events as `text/event-stream`: each event as `id: <seq>`, `event: <type>` and " +
      "`data: <the event as JSON>`, from `after` (or the `Last-Event-ID` header a reconnecting EventSource sends), " +
      "with a `: heartbeat` comment after 15 quiet seconds. The stream ends by itself after `wait` seconds " +
      "(default 25, under the function time limit); `retry: 1000` has the browser reconnect a second later, " +
      "resuming where it stopped. EventSource cannot send headers: this route alone also takes a member's " +
      "access token as `?access_token=` (API keys only in `x-api-key`); it expires in 15 minutes, so renew " +
      "it and open a new EventSource when the stream answers 401.",
    access: { scopes: ["read"] },
    query: streamEventsQuery,
    produces: "text/event-stream",
    handler: ({ ctx, query, request }) =>
      new Response(
        streamEvents(ctx, {
          after: resumeAfter(request.headers.get("last-event-id"), query.after),
          seconds: query.wait,
          signal: request.signal,
        }),
        {
          headers: {
            "content-type": "text/event-stream; charset=utf-8",
            // Proxies that buffer (nginx) would hold events back until the stream ends.
            "x-accel-buffering": "no",
          },
        },
      ),
  }),
});

/** A JWT's shape: three base64url parts. Anything else cannot be an access token (nor go in a header). */
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]*$/;

/**
 * A member's `?access_token=` becomes the request's Bearer token (unless it has an Authorization
 * header already) and leaves the URL, so nothing downstream logs it; a value not shaped like a JWT
 * is dropped, leaving the request without credentials (401). Only this route does this: route()
 * and every other route read credentials from headers alone.
 */
function queryTokenAsBearer(request: Request): Request {
  const url = new URL(request.url);
  const token = url.searchParams.get("access_token");
  if (token === null) return request;
  url.searchParams.delete("access_token");
  const headers = new Headers(request.headers);
  if (!headers.has("authorization") && JWT_SHAPE.test(token)) headers.set("authorization", `Bearer ${token}`);
  return new Request(url, { method: request.method, headers, signal: request.signal });
}

export default Object.assign((request: Request, context: Context) => handler(queryTokenAsBearer(request), context), {
  definition: handler.definition,
}) satisfies RouteHandler;
