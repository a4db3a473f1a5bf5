import { addTranscripts, listTranscripts } from "../../services/returns/call-sessions";
import { createTranscriptsBody, transcript } from "../../services/returns/call-sessions.schemas";
import { listChildrenQuery } from "../../services/returns/chat.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { idParams } from "../../shared/schemas";

export const config: RouteConfig = { path: "/api/call-sessions/:id/transcripts" };

export default route(config, {
  GET: operation({
    summary: "A call's transcript",
    description: "Segments in call order (timestampSeconds).",
    access: { scopes: ["read"] },
    params: idParams,
    query: listChildrenQuery,
    response: transcript,
    paginated: true,
    handler: ({ ctx, params, query }) => listTranscripts(ctx, params.id, query),
  }),
  POST: operation({
    summary: "Add transcript segments to a call",
    description: "One insert for the whole batch; card numbers and secrets are redacted before storage.",
    access: { scopes: ["write", "ai-agent"] },
    params: idParams,
    body: createTranscriptsBody,
    response: transcript.array(),
    status: 201,
    handler: ({ ctx, params, body }) => addTranscripts(ctx, params.id, body),
  }),
});
