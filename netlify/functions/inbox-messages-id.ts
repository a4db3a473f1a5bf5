import { INBOX_READERS, INBOX_WRITERS } from "../../services/inbox/access";
import { deleteMessage, getMessage, updateMessage } from "../../services/inbox/messages";
import { message, messageIdParams, updateMessageBody } from "../../services/inbox/messages.schemas";
import { ADMINS } from "../../shared/auth/roles";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/messages/:id" };

export default route(config, {
  GET: operation({
    summary: "One message",
    description:
      "A sales_rep reads their own prospects' conversations through GET /api/prospects/:id/conversations instead.",
    access: { roles: INBOX_READERS, scopes: ["read"] },
    params: messageIdParams,
    response: message,
    handler: ({ ctx, params }) => getMessage(ctx, params.id),
  }),
  PUT: operation({
    summary: "Edit a message or move its delivery status",
    description:
      "Text, metadata and platformMessageId; status moves forward only (queued → sent → delivered → read, or " +
      "failed with its error fields): another move is a 422 naming the allowed ones. A status change is " +
      "announced as message:status. " +
      "QA supervisors and compliance officers only read.",
    access: { roles: INBOX_WRITERS, scopes: ["write", "ai-agent"] },
    params: messageIdParams,
    body: updateMessageBody,
    response: message,
    handler: ({ ctx, params, body }) => updateMessage(ctx, params.id, body),
  }),
  DELETE: operation({
    summary: "Delete a message",
    description: "Its conversation's message count goes down with it.",
    access: { roles: ADMINS, scopes: ["write"] },
    params: messageIdParams,
    status: 204,
    handler: ({ ctx, params }) => deleteMessage(ctx, params.id),
  }),
});
