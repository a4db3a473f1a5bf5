import { createChatMessage } from "../../services/returns/chat";
import { chatMessage, createChatMessageBody } from "../../services/returns/chat.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/chat-messages" };

export default route(config, {
  POST: operation({
    summary: "Send a message in a chat session",
    description:
      "Card numbers and secrets in the message are redacted before it is stored; the session's updatedAt moves " +
      "in the same transaction. An unknown or another tenant's session is a 404, an inactive one a 422.",
    access: { scopes: ["write", "ai-agent"] },
    body: createChatMessageBody,
    response: chatMessage,
    status: 201,
    handler: ({ ctx, body }) => createChatMessage(ctx, body),
  }),
});
