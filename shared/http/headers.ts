import { applyCors } from "./cors";

/**
 * The headers route() puts on every response, whoever produced it (handler, error, 404/405,
 * preflight). Nothing is stored by a cache unless its operation declares a policy (`cache`), and
 * then only a success: an API's answers are per caller, carry tokens or describe a failure.
 */
export function applyResponseHeaders(
  response: Response,
  request: Request,
  requestId: string,
  cache: string | undefined,
): void {
  const { headers } = response;
  headers.set("x-request-id", requestId);
  headers.set("x-content-type-options", "nosniff");
  headers.set("cache-control", cache && response.ok ? cache : "no-store");
  applyCors(request, headers);
}
