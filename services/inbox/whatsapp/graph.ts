import { type GraphAccess, type GraphError, graphClient } from "../../../shared/clients/whatsapp";
import { AppError } from "../../../shared/errors";

/**
 * How long a request may wait for Graph, retries of a 429 or 5xx included: Netlify ends a synchronous
 * function at 10 s, and the answer still has to record the outcome after it.
 */
export const GRAPH_BUDGET_MS = 7_000;

/** The Graph client of one request: the number's (or account's) token, and the request's budget. */
export const requestGraph = (access: GraphAccess) => graphClient(access, { deadline: Date.now() + GRAPH_BUDGET_MS });

/**
 * Graph's refusal or failure as the 502 callers get: Meta's HTTP status, error code, subcode, title and
 * details (never the token: Graph does not echo it), so a client can tell a duplicate template name
 * (Meta's 100/2388024) from a bad token (190), plus what it was about.
 */
export function upstreamFailed(error: GraphError, what: string, about: Record<string, unknown> = {}) {
  return new AppError("UPSTREAM_FAILED", `Meta ${error.retryable ? "failed" : "refused"} to ${what}: ${error.title}`, [
    {
      message: error.details ?? error.title,
      status: error.status,
      code: error.code ?? null,
      subcode: error.subcode ?? null,
      title: error.title,
      details: error.details ?? null,
      fbtraceId: error.fbtraceId ?? null,
      ...about,
    },
  ]);
}
