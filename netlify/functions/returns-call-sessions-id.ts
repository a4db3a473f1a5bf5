import { getCallSession, updateCallSession } from "../../services/returns/call-sessions";
import { callSession, callSessionDetail, updateCallSessionBody } from "../../services/returns/call-sessions.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { idParams } from "../../shared/schemas";

export const config: RouteConfig = { path: "/api/call-sessions/:id" };

export default route(config, {
  GET: operation({
    summary: "One call with its transcript and analytics",
    access: { scopes: ["read"] },
    params: idParams,
    response: callSessionDetail,
    handler: ({ ctx, params }) => getCallSession(ctx, params.id),
  }),
  PATCH: operation({
    summary: "Move a call to another status",
    description:
      "initiated → connecting | active | failed | ended; connecting → active | failed | ended; active → ended | " +
      "failed; ended and failed are final (any other move is a 422). Ending or failing stamps endedAt and the " +
      "duration since the call became active, unless durationSeconds is given.",
    access: { scopes: ["write", "ai-agent"] },
    params: idParams,
    body: updateCallSessionBody,
    response: callSession,
    handler: ({ ctx, params, body }) => updateCallSession(ctx, params.id, body),
  }),
});
