import { receiveRetellWebhook } from "../../services/voice/webhook";
import { retellWebhookBody, retellWebhookResult } from "../../services/voice/webhook.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/webhooks/retell" };

export default route(config, {
  POST: operation({
    summary: "Retell webhook: call_started, call_ended, call_analyzed",
    description:
      "Signed by Retell with the tenant's API key (`x-retell-signature: v=<ms>,d=<hmac>`, at most 5 minutes " +
      "old). A missing, forged or stale signature answers 401. An agent no tenant has synced answers 202 " +
      "and nothing is stored. Repeated and out-of-order events are safe: a call is one row and never moves back.",
    access: "public",
    body: retellWebhookBody,
    response: retellWebhookResult,
    accepted: (outcome) => !outcome.known,
    handler: ({ ctx, body, rawBody, request }) =>
      receiveRetellWebhook(ctx.db, {
        rawBody: rawBody ?? "",
        signature: request.headers.get("x-retell-signature"),
        body,
      }),
  }),
});
