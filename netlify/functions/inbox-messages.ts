import { INBOX_READERS, INBOX_WRITERS } from "../../services/inbox/access";
import { createMessage, listTenantMessages } from "../../services/inbox/messages";
import { createMessageBody, listMessagesQuery, message } from "../../services/inbox/messages.schemas";
import { errorResponse } from "../../shared/http/errors";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/messages" };

export default route(config, {
  GET: operation({
    summary: "List messages",
    description:
      "The tenant's messages, or one conversation's (conversationId), newest first. Filter by direction, sender, " +
      "status, contentType and from/to. `before`/`after` a message id read the page before it (newest first) or " +
      "after it (oldest first): a long conversation costs the same on page 1 and page 500. " +
      "A sales_rep reads their own prospects' conversations through GET /api/prospects/:id/conversations instead.",
    access: { roles: INBOX_READERS, scopes: ["read"] },
    query: listMessagesQuery,
    response: message,
    paginated: true,
    handler: ({ ctx, query }) => listTenantMessages(ctx, query),
  }),
  POST: operation({
    summary: "Send a message",
    description:
      "In a conversation (conversationId), or, as spec 003 sends it, `to` a phone number: that contact's open " +
      "WhatsApp conversation, started if there is none. Announced as message:new. On an active WhatsApp number an " +
      "outbound message is stored queued, sent through Meta (text with link preview, image, video, audio or document " +
      "by link, template, reaction; replyToId quotes the message replied to) and answered `sent` with Meta's id " +
      "(platformMessageId). Meta's refusal (a bad number, re-engagement required, a paused template; or a 429 or 5xx " +
      "still failing when the time runs out) is a 502 UPSTREAM_FAILED with Graph's status and code in details, the " +
      "message stored failed with Meta's error. Anything but a template more than 24 hours after the contact last wrote " +
      "on that number is a 422 OUTSIDE_SERVICE_WINDOW, nothing stored. On other channels the message stays queued. A " +
      "resolved or closed conversation is a 422. A retry with the same Idempotency-Key answers the first response, " +
      "a 502 included, and sends nothing again: the key's request runs in one transaction across the call to Meta " +
      "(up to 7 s), holding the key and the conversation's row locked, so a concurrent retry waits and is answered " +
      "the first response, and other messages to that conversation wait too. Should the function die after Meta " +
      "accepted the message but before that transaction commits, nothing is kept (key included) and a retry sends " +
      "again: at least once under a crash. " +
      "QA supervisors and compliance officers only read.",
    access: { roles: INBOX_WRITERS, scopes: ["write", "ai-agent"] },
    idempotent: true,
    body: createMessageBody,
    response: message,
    status: 201,
    errors: ["UPSTREAM_FAILED"],
    handler: async ({ ctx, body, request }) => {
      const { message, failure } = await createMessage(ctx, body);
      return failure ? errorResponse(failure, ctx.requestId, request) : message;
    },
  }),
});
