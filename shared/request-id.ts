import { randomUUID } from "node:crypto";
import type { Context } from "@netlify/functions";

/** The id every response and log line of one invocation carries: Netlify's own when it gives one. */
export function requestIdOf(request: Request, context: Context | undefined): string {
  return request.headers.get("x-nf-request-id") ?? context?.requestId ?? randomUUID();
}
