import { env } from "../config/env";

const ALLOWED_HEADERS = "authorization, content-type, x-api-key";
const EXPOSED_HEADERS = "x-request-id, retry-after, allow";

/**
 * Front ends call the function URLs from other origins; tokens travel in headers, never cookies.
 * With ALLOWED_ORIGINS set the answer depends on Origin, so every response says so (Vary), also
 * those to an absent or refused origin: a cache must not hand one origin's answer to another.
 */
export function applyCors(request: Request, headers: Headers): void {
  headers.set("access-control-expose-headers", EXPOSED_HEADERS);
  const allowed = env.allowedOrigins;
  if (!allowed) {
    headers.set("access-control-allow-origin", "*");
    return;
  }
  headers.append("vary", "origin");
  const origin = request.headers.get("origin");
  if (origin && allowed.includes(origin)) headers.set("access-control-allow-origin", origin);
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
