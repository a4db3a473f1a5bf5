import { env } from "../config/env";

const ALLOWED_HEADERS = "authorization, content-type, x-api-key";
const EXPOSED_HEADERS = "x-request-id, retry-after, allow";

/** Front ends call the function URLs from other origins; tokens travel in headers, never cookies. */
export function corsHeaders(request: Request): [string, string][] {
  const origin = request.headers.get("origin");
  const allowed = env.allowedOrigins;
  const headers: [string, string][] = [["access-control-expose-headers", EXPOSED_HEADERS]];
  if (!allowed) headers.push(["access-control-allow-origin", "*"]);
  else if (origin && allowed.includes(origin))
    headers.push(["access-control-allow-origin", origin], ["vary", "origin"]);
  return headers;
}

export function preflight(allow: string): Response {
  return new Response(null, {
    status: 204,
    headers: {
      allow,
      "access-control-allow-methods": allow,
      "access-control-allow-headers": ALLOWED_HEADERS,
      "access-control-max-age": "600",
    },
  });
}
