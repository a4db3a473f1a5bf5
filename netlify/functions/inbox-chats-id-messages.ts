import { INBOX_READERS, INBOX_WRITERS } from "../../services/inbox/access";
import { listMessagesOfChat, postMessageToChat } from "../../services/inbox/messages";
import { chatMessage, createChatMessageBody, listChatMessagesQuery } from "../../services/inbox/messages.schemas";
import { errorResponse } from "../../shared/http/errors";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { idParams } from "../../shared/schemas";

export const config: RouteConfig = { path: "/api/chats/:id/messages" };

export default route(config, {
  GET: operation({
    summary: "A chat's messages (spec 002)",
    description:
      "GET /api/messages?conversationId= for this chat: newest first; before/after a message id to page a long " +
      "history at constant cost. Each message also carries spec 002's messageId, chatId, senderType and content. " +
      "A sales_rep reads their own prospects' conversations through GET /api/prospects/:id/conversations instead.",
    access: { roles: INBOX_READERS, scopes: ["read"] },
    params: idParams.strict(),
    query: listChatMessagesQuery,
    response: chatMessage,
    paginated: true,
    handler: ({ ctx, params, query }) => listMessagesOfChat(ctx, params.id, query),
  }),
  POST: operation({
    summary: "Add a message to a chat (spec 002)",
    description:
      "POST /api/messages in this chat: an outbound message is stored queued and, on an active WhatsApp number, sent " +
      "through Meta (answered sent, or a 502 UPSTREAM_FAILED with the message stored failed; outside the 24-hour " +
      "window anything but a template is a 422 OUTSIDE_SERVICE_WINDOW); an inbound one (senderType CUSTOMER) is " +
      "stored delivered. A resolved or closed chat is a 422. Announced as message:new. A retry with the same " +
      "Idempotency-Key answers the first response, a 502 included, and sends nothing again (as POST /api/messages, " +
      "whose description says what the key's transaction holds). " +
      "QA supervisors and compliance officers only read.",
    access: { roles: INBOX_WRITERS, scopes: ["write", "ai-agent"] },
    idempotent: true,
    params: idParams.strict(),
    body: createChatMessageBody,
    response: chatMessage,
    status: 201,
    errors: ["UPSTREAM_FAILED"],
    handler: async ({ ctx, params, body, request }) => {
      const { message, failure } = await postMessageToChat(ctx, params.id, body);
      return failure ? errorResponse(failure, ctx.requestId, request) : message;
    },
  }),
});
