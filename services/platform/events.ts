import { and, asc, eq, gt, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { events, tenants } from "../../db/schema";
import type { ServiceContext } from "../../shared/context";

/**
 * `<resource>:<change>`: spec 003's Socket.io event names ("message:new", "conversation:updated"),
 * kept for the front ends that listen for them; each module names its own the same way ("handoff:claimed").
 */
export type EventType = `${string}:${string}`;

export interface NewEvent {
  type: EventType;
  resourceType: string;
  resourceId: string;
  /**
   * What a front end needs to show the change: the resource as a route answers it; for a resource not
   * every member may read (a hand-off), only its state, the rest read through its route.
   */
  payload: Record<string, unknown>;
}

/**
 * Appends events to the tenant's feed in one statement: the tenant's counter is bumped (locking its
 * row until the transaction ends, so sequence numbers commit in order) and the events inserted with
 * the numbers it gave. Call it inside the transaction of the change the events report.
 */
export async function appendEvents(db: Database, tenantId: string, batch: readonly NewEvent[]): Promise<void> {
  if (batch.length === 0) return;
  // Offsets from the new last number: the batch takes last - n + 1 ... last, in order.
  const rows = sql.join(
    batch.map(
      (event, index) =>
        sql`(${index + 1 - batch.length}::bigint, ${event.type}, ${event.resourceType}, ${event.resourceId}, ${JSON.stringify(event.payload)}::jsonb)`,
    ),
    sql`, `,
  );
  await db.execute(sql`
    with bumped as (
      update ${tenants} set last_event_seq = last_event_seq + ${batch.length}
      where ${tenants.id} = ${tenantId} returning last_event_seq
    )
    insert into ${events} (tenant_id, seq, type, resource_type, resource_id, payload)
    select ${tenantId}::uuid, bumped.last_event_seq + e.offset_from_last, e.type, e.resource_type, e.resource_id, e.payload
    from bumped, (values ${rows}) as e (offset_from_last, type, resource_type, resource_id, payload)`);
}

/**
 * A change of rows (an INSERT or UPDATE ... RETURNING `tenant_id`, `id` and `payload`, as NewEvent's)
 * and one `type` event for each row it changed, in one statement, for any number of
 * tenants: the WITH clause of a statement whose own SELECT reads `changed`. Events are numbered as
 * appendEvents numbers them: each tenant's counter is bumped by its count, its row locked until the
 * transaction ends (in id order, so two such statements cannot deadlock), and its events take the
 * consecutive numbers below the new value, in id order.
 */
export function withEvents(change: SQLWrapper, event: { type: EventType; resourceType: string }): SQL {
  // The change's SQL itself: a query builder embedded as it is would be parenthesised as a subquery.
  return sql`with changed as (${change.getSQL()}),
    counts as (select tenant_id, count(*)::int as n from changed group by tenant_id),
    locked as materialized (
      select ${tenants.id} from ${tenants} where ${tenants.id} in (select tenant_id from counts)
      order by ${tenants.id} for update
    ),
    bumped as (
      update ${tenants} set last_event_seq = last_event_seq + counts.n
      from counts where ${tenants.id} = counts.tenant_id and ${tenants.id} in (select id from locked)
      returning ${tenants.id} as tenant_id, ${tenants.lastEventSeq} as last_seq, counts.n
    ),
    inserted as (
      insert into ${events} (tenant_id, seq, type, resource_type, resource_id, payload)
      select changed.tenant_id,
        bumped.last_seq - bumped.n + row_number() over (partition by changed.tenant_id order by changed.id),
        ${event.type}, ${event.resourceType}, changed.id::text, changed.payload::jsonb
      from changed join bumped on bumped.tenant_id = changed.tenant_id
    )`;
}

/** One event as the feed answers it. */
type FeedEvent = Omit<typeof events.$inferSelect, "tenantId">;

export interface EventPage {
  events: FeedEvent[];
  /** The last event's seq, or `after` when there is none: the `after` of the next read. */
  lastSeq: number;
  hasMore: boolean;
}

const FIRST_POLL_INTERVAL_MS = 250;
const LONGEST_POLL_INTERVAL_MS = 1000;

/**
 * The tenant's events after `after`, oldest first: one statement on the (tenant_id, seq) key.
 * Sequence numbers commit in order (appendEvents), so nothing later appears below `lastSeq`.
 */
async function eventsAfter(db: Database, tenantId: string, after: number, limit: number): Promise<EventPage> {
  const rows = await db
    .select({
      seq: events.seq,
      type: events.type,
      resourceType: events.resourceType,
      resourceId: events.resourceId,
      payload: events.payload,
      createdAt: events.createdAt,
    })
    .from(events)
    .where(and(eq(events.tenantId, tenantId), gt(events.seq, after)))
    .orderBy(asc(events.seq))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return { events: page, lastSeq: page.at(-1)?.seq ?? after, hasMore: rows.length > limit };
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}

/**
 * Reads the events after `after`, polling until there are some or `until` (epoch ms) passes: one
 * statement per poll, 250 ms apart at first, growing to 1 s, so a quiet feed costs about one
 * cheap indexed read a second. Stops early, answering what it has, when `signal` aborts.
 */
async function pollEvents(
  db: Database,
  tenantId: string,
  { after, limit, until, signal }: { after: number; limit: number; until: number; signal?: AbortSignal },
): Promise<EventPage> {
  for (let interval = FIRST_POLL_INTERVAL_MS; ; interval = Math.min(interval * 2, LONGEST_POLL_INTERVAL_MS)) {
    const page = await eventsAfter(db, tenantId, after, limit);
    const left = until - Date.now();
    if (page.events.length > 0 || left <= 0 || signal?.aborted) return page;
    await sleep(Math.min(interval, left), signal);
  }
}

/**
 * `GET /api/events`: the caller's events after `after` (at most `limit`); with none yet, waits up
 * to `wait` seconds for one (a long-poll) and answers as soon as it is committed.
 */
export function readEvents(
  ctx: ServiceContext,
  query: { after: number; wait: number; limit: number },
  signal?: AbortSignal,
): Promise<EventPage> {
  const until = Date.now() + query.wait * 1000;
  return pollEvents(ctx.db, ctx.caller.tenantId, { after: query.after, limit: query.limit, until, signal });
}

/** Events a stream sends per read; a backlog is sent in batches of this many, without waiting between. */
const STREAM_BATCH = 100;
/** A comment this often keeps proxies from closing a quiet stream. */
const HEARTBEAT_MS = 15_000;
/** What the browser waits before reconnecting once the stream ends. */
const RECONNECT_MS = 1000;

/** One event in the Server-Sent Events format: its seq is the `id:` a reconnect resumes from. */
const sseEvent = (event: FeedEvent) => `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;

/**
 * The feed as Server-Sent Events text: first `retry:` (so the browser reconnects a second after
 * the end), then every event after `after` as it is committed, a comment heartbeat after a quiet
 * `heartbeatMs`, and the end after `seconds`, before the function's time limit; the browser then
 * reconnects with `Last-Event-ID`. Stops polling as soon as `signal` aborts.
 */
async function* sseLines(
  db: Database,
  tenantId: string,
  { after, seconds, signal, heartbeatMs }: { after: number; seconds: number; signal: AbortSignal; heartbeatMs: number },
): AsyncGenerator<string> {
  const end = Date.now() + seconds * 1000;
  yield `retry: ${RECONNECT_MS}\n\n`;
  let lastSeq = after;
  while (!signal.aborted) {
    const page = await pollEvents(db, tenantId, {
      after: lastSeq,
      limit: STREAM_BATCH,
      until: Math.min(end, Date.now() + heartbeatMs),
      signal,
    });
    if (page.events.length > 0) {
      lastSeq = page.lastSeq;
      yield page.events.map(sseEvent).join("");
    }
    // Checked after every batch too, so a long backlog or a busy feed cannot outlast the function.
    if (Date.now() >= end) return;
    if (page.events.length === 0 && !signal.aborted) yield ": heartbeat\n\n";
  }
}

/**
 * `GET /api/events/stream`: the caller's feed as a Server-Sent Events body. Polling stops when
 * the reader cancels the stream (the client went away) or `signal` (the request's) aborts.
 */
export function streamEvents(
  ctx: ServiceContext,
  options: { after: number; seconds: number; signal?: AbortSignal; heartbeatMs?: number },
): ReadableStream<Uint8Array> {
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const lines = sseLines(ctx.db, ctx.caller.tenantId, {
    after: options.after,
    seconds: options.seconds,
    signal,
    heartbeatMs: options.heartbeatMs ?? HEARTBEAT_MS,
  });
  const encoder = new TextEncoder();
  return new ReadableStream({
    async pull(controller) {
      const { value, done } = await lines.next();
      if (done) controller.close();
      else controller.enqueue(encoder.encode(value));
    },
    cancel() {
      stop.abort();
    },
  });
}
