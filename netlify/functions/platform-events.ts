import { readEvents } from "../../services/platform/events";
import { eventFeed, pollEventsQuery } from "../../services/platform/events.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/events" };

export default route(config, {
  GET: operation({
    summary: "Read the tenant's events feed (long-poll)",
    description:
      "The events after `after` (default 0: from the oldest), oldest first, as `{ events, lastSeq, hasMore }`. " +
      "With none yet and `wait` > 0, the answer comes as soon as an event is committed, or empty after `wait` " +
      "seconds; pass `lastSeq` as `after` on the next call. Event types are spec 003's: message:new, " +
      "message:status, conversation:updated, plus order:created and order:updated, and spec 001's hand-offs: " +
      "handoff:new, handoff:claimed, handoff:released, handoff:completed, handoff:expired. The same feed streams as " +
      "Server-Sent Events at /api/events/stream.",
    access: { scopes: ["read"] },
    query: pollEventsQuery,
    response: eventFeed,
    handler: ({ ctx, query, request }) => readEvents(ctx, query, request.signal),
  }),
});
