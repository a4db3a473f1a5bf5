import { createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import { events } from "../../db/schema";
import { AppError } from "../../shared/errors";

/**
 * Shapes of the tenant's events feed (DESIGN §7): the long-poll `GET /api/events` and the
 * Server-Sent Events stream `GET /api/events/stream`, which carry the same events.
 */

/** Longest a long-poll waits for events: under the function time limit, with room to answer. */
const MAX_POLL_WAIT_SECONDS = 20;
/** Longest a stream stays open before it ends and the browser reconnects: under the function time limit. */
const MAX_STREAM_SECONDS = 25;

const seq = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const after = seq.describe(
  "Answer the events after this sequence number: the `lastSeq` of the previous answer (or the last `id:` seen). " +
    "0, the default, starts from the oldest event kept (events are kept 7 days)",
);

const event = createSelectSchema(events, {
  seq: (column) => column.describe("Counts up from 1 per tenant, with no gaps, in the order the changes committed"),
  type: (column) =>
    column.describe(
      "`<resource>:<change>`: spec 003's message:new, message:status, conversation:updated; order:created, order:updated; " +
        "handoff:new, handoff:claimed, handoff:released, handoff:completed, handoff:expired",
    ),
  resourceType: (column) => column.describe("What changed: message, conversation, order, handoff"),
  payload: z
    .record(z.string(), z.unknown())
    .describe(
      "The resource as its own route answers it, after the change; for a resource not every member may read " +
        "(a hand-off), only its state: read the rest through its route",
    ),
})
  .omit({ tenantId: true })
  .meta({ id: "Event" });

export const pollEventsQuery = z
  .object({
    after: after.default(0),
    wait: z.coerce
      .number()
      .min(0)
      .max(MAX_POLL_WAIT_SECONDS)
      .default(0)
      .describe(
        `Seconds to wait for an event when there is none yet (at most ${MAX_POLL_WAIT_SECONDS}): the answer comes as ` +
          "soon as one is committed, or empty when the wait is over. 0 answers at once",
      ),
    limit: z.coerce.number().int().min(1).max(500).default(100).describe("At most this many events, oldest first"),
  })
  .strict();

export const eventFeed = z
  .object({
    events: z.array(event).describe("The tenant's events after `after`, oldest first"),
    lastSeq: z
      .number()
      .int()
      .min(0)
      .describe("The last event's seq, or `after` when there is none: pass it as `after` next time"),
    hasMore: z.boolean().describe("Whether more events follow: ask again at once"),
  })
  .meta({ id: "EventFeed" });

export const streamEventsQuery = z
  .object({
    after: after.optional().describe("Where a new stream starts (default 0); a reconnect's Last-Event-ID wins over it"),
    wait: z.coerce
      .number()
      .min(0)
      .max(MAX_STREAM_SECONDS)
      .default(MAX_STREAM_SECONDS)
      .describe(
        `Seconds the stream stays open (at most ${MAX_STREAM_SECONDS}, the default) before it ends and the browser ` +
          "reconnects with Last-Event-ID",
      ),
    access_token: z
      .string()
      .optional()
      .describe(
        "A member's access token, for EventSource, which cannot send an Authorization header; accepted on this " +
          "route only, never an API key. Prefer the header wherever the client can send one",
      ),
  })
  .strict();

/**
 * Where a stream resumes: the `Last-Event-ID` an EventSource sends when it reconnects (the `id:`
 * of the last event it received) wins over `?after=`, which the reconnect repeats unchanged.
 */
export function resumeAfter(lastEventId: string | null, after: number | undefined): number {
  if (lastEventId === null || lastEventId === "") return after ?? 0;
  const parsed = seq.safeParse(lastEventId);
  if (!/^\d+$/.test(lastEventId) || !parsed.success) {
    throw new AppError("VALIDATION_FAILED", "The Last-Event-ID header is invalid", [
      { path: "headers.last-event-id", message: "Must be an event's seq: a non-negative integer" },
    ]);
  }
  return parsed.data;
}
