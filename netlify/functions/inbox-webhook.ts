import { processWebhookEvent, receiveWebhook, verifyWebhookSubscription } from "../../services/inbox/whatsapp/webhook";
import {
  receiveWebhookResult,
  verifyWebhookQuery,
  whatsappWebhookBody,
} from "../../services/inbox/whatsapp/webhook.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/webhook" };

export default route(config, {
  GET: operation({
    summary: "Meta webhook verification",
    description:
      "Meta's subscription check: with `hub.mode=subscribe` and a `hub.verify_token` that is META_VERIFY_TOKEN " +
      "or a WhatsApp channel's verify token, answers `hub.challenge` as plain text; anything else is a 403.",
    access: "public",
    query: verifyWebhookQuery,
    produces: "text/plain",
    errors: ["FORBIDDEN"],
    handler: async ({ ctx, query }) =>
      new Response(await verifyWebhookSubscription(ctx.db, query), {
        headers: { "content-type": "text/plain; charset=utf-8" },
      }),
  }),
  POST: operation({
    summary: "Meta WhatsApp webhook: messages, statuses, template updates",
    description:
      "Signed by Meta (`X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body>`) with the app secret of the " +
      "numbers the body names (a number's own, else META_APP_SECRET); a missing or wrong signature answers 401 " +
      "and nothing is stored. The signature is checked before the body is judged: a signed body is stored as " +
      "received and answered at once, even one this schema does not describe (kept as `failed` with the reason). " +
      "It is processed after the answer, and again by the webhook-retry job when that fails. Messages and " +
      "statuses are routed by `metadata.phone_number_id`, template updates by the entry's WhatsApp Business " +
      "Account id; a body naming no number of any tenant is kept as `unroutable`. Redeliveries and any arrival " +
      "order are safe: one message per wamid, and a status only moves forward.",
    access: "public",
    body: whatsappWebhookBody,
    unparsedBody: true,
    response: receiveWebhookResult,
    handler: async ({ ctx, rawBody, request, after }) => {
      const receipt = await receiveWebhook(ctx.db, {
        rawBody,
        signature: request.headers.get("x-hub-signature-256"),
      });
      // Processing never fails the answer: its errors are stored on the event for the retry job.
      if (receipt.status === "pending") after(() => processWebhookEvent(ctx.db, receipt.eventId));
      return { received: true as const, ...receipt };
    },
  }),
});
