import { getCall } from "../../services/voice/calls";
import { callDetail, callParams } from "../../services/voice/calls.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/calls/:callId" };

export default route(config, {
  GET: operation({
    summary: "One call with its transcript",
    description:
      "By Retell's call id: the call, its transcript (text and per utterance), its analysis and the agent's name. " +
      "Another tenant's call is answered 404.",
    access: { scopes: ["read"] },
    params: callParams,
    response: callDetail,
    handler: ({ ctx, params }) => getCall(ctx, params.callId),
  }),
});
