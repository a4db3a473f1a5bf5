import { randomUUID } from "node:crypto";
import type { Context } from "@netlify/functions";

/**
 * What an id given to us must look like before it is echoed in a header and written to logs:
 * Netlify's are 26-character ULIDs; anything else a client sends (markup, CR/LF, kilobytes) is
 * replaced by a fresh id.
 */
const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

const plausible = (id: string | null | undefined): id is string => !!id && REQUEST_ID.test(id);

/** The id every response and log line of one invocation carries: Netlify's own when it gives one. */
export function requestIdOf(request: Request, context: Context | undefined): string {
  const header = request.headers.get("x-nf-request-id");
  if (plausible(header)) return header;
  return plausible(context?.requestId) ? context.requestId : randomUUID();
}
