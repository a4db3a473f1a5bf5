import { INBOX_READERS } from "../../services/inbox/access";
import { messageIdParams } from "../../services/inbox/messages.schemas";
import { messageMedia } from "../../services/inbox/whatsapp/media";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/messages/:id/media" };

export default route(config, {
  GET: operation({
    summary: "A message's media (WhatsApp)",
    description:
      "The image, video, audio, sticker or document of an inbound WhatsApp message, streamed from Meta as it " +
      "arrives, with its own Content-Type and Content-Length (none when Meta sent it compressed): its Meta media " +
      "id is resolved through Graph (GET /{media-id}, then the URL that answers, with the number's token, which no " +
      "answer carries). A message without Meta media is a 404; Meta's refusal a 502 UPSTREAM_FAILED with Graph's " +
      "status and code in details. " +
      "A sales_rep reads their own prospects' conversations through GET /api/prospects/:id/conversations instead.",
    access: { roles: INBOX_READERS, scopes: ["read"] },
    params: messageIdParams,
    produces: "application/octet-stream",
    errors: ["UNPROCESSABLE", "UPSTREAM_FAILED"],
    handler: async ({ ctx, params }) => {
      const media = await messageMedia(ctx, params.id);
      return new Response(media.body, {
        headers: {
          "content-type": media.contentType,
          ...(media.contentLength ? { "content-length": media.contentLength } : {}),
          // A customer's file is never run as a page of this origin, whatever type it claims.
          "content-security-policy": "sandbox; default-src 'none'",
        },
      });
    },
  }),
});
