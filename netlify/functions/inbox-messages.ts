import { createMessage, listTenantMessages } from "../../services/inbox/messages";
import { createMessageBody, listMessagesQuery, message } from "../../services/inbox/messages.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/messages" };

export default route(config, {
  GET: operation({
    summary: "List messages",
    description:
      "The tenant's messages, or one conversation's (conversationId), newest first. Filter by direction, sender, " +
      "status, contentType and from/to. `before`/`after` a message id read the page before it (newest first) or " +
      "after it (oldest first): a long conversation costs the same on page 1 and page 500.",
    access: { scopes: ["read"] },
    query: listMessagesQuery,
    response: message,
    paginated: true,
    handler: ({ ctx, query }) => listTenantMessages(ctx, query),
  }),
  POST: operation({
    summary: "Send a message",
    description:
      "In a conversation (conversationId), or, as spec 003 sends it, `to` a phone number: that contact's open " +
      "WhatsApp conversation, started if there is none. Stored queued until a channel sends it; announced as " +
      "message:new. A resolved or closed conversation is a 422. Retries with the same Idempotency-Key answer the first response.",
    access: { scopes: ["write", "ai-agent"] },
    idempotent: true,
    body: createMessageBody,
    response: message,
    status: 201,
    handler: ({ ctx, body }) => createMessage(ctx, body),
  }),
});
