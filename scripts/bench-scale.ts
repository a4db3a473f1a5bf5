/**
 * The list-at-scale part of `npm run bench` (imported by scripts/bench.ts once the environment is
 * set): whether a list page costs the same at 1,000,000 rows as at 10,000 (shared/pagination.ts).
 *
 * Two tenants, seeded with `insert ... select from generate_series`: one whose agent has 10,000
 * calls and 10,000 audit-log entries, one with 1,000,000 of each (calls a minute or so apart, with
 * some never started, without a duration or without a cost). ANALYZE and VACUUM follow, as
 * autovacuum would leave the tables. Then, through each route's real handler (scripts/dev/http.ts'
 * `call`, timed around the call and the body read), for both tenants:
 * - call history by date, duration and cost (newest, longest, dearest first): the first page, a
 *   deep page by offset (5,000) and the same depth by cursor (the nextCursor of the page ending at
 *   row 5,000);
 * - the audit log: the first page, offset 5,000 and the cursor page.
 * Each case reports p50 at both sizes (their requests alternating), the ratio (1M / 10k), the
 * statements per request, and the indexes (and any sequential scan) in the plan of the statement
 * the route sent (EXPLAIN of it, recorded at the driver).
 * PostgreSQL only: on PGlite a million rows would take minutes to seed and say nothing about a server.
 */
import type { DatabaseHandle } from "../db/client";
import * as auditLogFunction from "../netlify/functions/platform-audit-log";
import * as callHistoryFunction from "../netlify/functions/voice-dashboard-call-history";
import type { RouteModule } from "../shared/http/route";
import { indexesIn, median, positiveInteger, statementTap } from "./bench-kit";
import { registerTenant } from "./dev/fixtures";
import { call } from "./dev/http";
import { grid } from "./table";

type RawQuery = (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

const SIZES = { small: 10_000, large: 1_000_000 } as const;
const DEPTH = 5_000;
const DEPTHS = ["first page", "offset", "cursor"] as const;
const LIMIT = 20;
const AGENT_ID = "agent_bench_scale";

/** One tenant with `size` calls of one agent and `size` audit-log entries. */
async function seedTenant(rawQuery: RawQuery, size: number) {
  const owner = await registerTenant(`bench-scale-${size}`);
  await rawQuery("insert into agents (tenant_id, agent_id, agent_name) values ($1, $2, 'Bench desk')", [
    owner.tenantId,
    AGENT_ID,
  ]);
  // 5% never started, 8% without a duration, 10% without a cost; the rest spread as real calls are.
  await rawQuery(
    `insert into calls (tenant_id, agent_id, call_id, call_type, direction, from_number, to_number, call_status,
       started_at, ended_at, duration_ms, cost_cents, disconnection_reason, analyzed, call_summary, user_sentiment)
     select $1, $2, 'call_' || i, 'phone_call', 'inbound', '+1555' || lpad((i % 10000000)::text, 7, '0'), '+15550000000',
       case when i % 20 = 0 then 'registered' else 'ended' end,
       case when i % 20 = 0 then null else now() - make_interval(secs => i * 60 + (i * 7919) % 60) end,
       case when i % 20 = 0 then null else now() - make_interval(secs => i * 60 - 30) end,
       case when i % 25 = 0 or i % 20 = 0 then null else 5000 + (i * 104729) % 900000 end,
       case when i % 10 = 0 then null else ((i * 7907) % 50000) / 100.0 end,
       'user_hangup', i % 20 <> 0, 'The caller asked about opening hours and booked a table.',
       (array['Positive', 'Neutral', 'Negative'])[(1 + i % 3)::int]
     from generate_series(1, $3::bigint) as i`,
    [owner.tenantId, AGENT_ID, size],
  );
  await rawQuery(
    `insert into audit_log (tenant_id, actor_type, actor_id, action, entity_type, entity_id, after, request_id, created_at)
     select $1, 'user', $2, 'user.updated', 'user', i::text, jsonb_build_object('name', 'User ' || i), gen_random_uuid()::text,
       now() - make_interval(secs => i * 30)
     from generate_series(1, $3::bigint) as i`,
    [owner.tenantId, owner.userId, size],
  );
  return owner;
}

const round2 = (value: number) => Math.round(value * 100) / 100;

/** A GET of a list route, through its handler. */
export interface ListRequest {
  fn: RouteModule;
  path?: string;
  token: string;
  query: Record<string, string | number>;
}

/**
 * Times list requests at two sizes through their handlers, and EXPLAINs the statement each sent
 * (recorded at the driver). `restore()` puts the driver back.
 */
export function sizeComparison(handle: DatabaseHandle, rawQuery: RawQuery, iterations: number) {
  const tap = statementTap(handle);
  const send = (request: ListRequest) =>
    call(request.fn, { path: request.path, token: request.token, query: request.query });
  /** One request: its time, and its statements (a non-200 answer stops the bench). */
  async function timed(request: ListRequest) {
    const started = performance.now();
    const res = await send(request);
    const ms = performance.now() - started;
    if (res.status !== 200)
      throw new Error(`${request.path ?? request.fn.config.path} answered ${res.status}: ${res.text}`);
    return { ms, statements: res.statements };
  }
  /** The plan of the statement the request sends: its top node, and the indexes (and any whole-table scan) in it. */
  async function plan(request: ListRequest) {
    tap.start();
    await send(request);
    const [sent] = tap.stop();
    const [explained] = sent ? await rawQuery(`explain (format json) ${sent.sql}`, sent.params) : [];
    const top = (explained?.["QUERY PLAN"] as { Plan?: { "Node Type"?: string } }[] | undefined)?.[0]?.Plan;
    return { topNode: top?.["Node Type"] ?? "none", indexes: indexesIn(explained) };
  }
  /**
   * The two sizes' p50 over `iterations` each after a warm-up, their requests alternating so that
   * drift (other load, caches) hits both alike; statements per request and the plans' indexes.
   */
  async function measure(requests: { small: ListRequest; large: ListRequest }) {
    const sizes = ["small", "large"] as const;
    for (let i = 0; i < Math.max(5, iterations / 10); i++) for (const size of sizes) await send(requests[size]);
    const samples = { small: [] as number[], large: [] as number[] };
    const statements = { small: 0, large: 0 };
    for (let i = 0; i < iterations; i++) {
      for (const size of i % 2 ? sizes : ([...sizes].reverse() as (typeof sizes)[number][])) {
        const run = await timed(requests[size]);
        samples[size].push(run.ms);
        statements[size] += run.statements;
      }
    }
    const result = async (size: (typeof sizes)[number]) => ({
      p50: round2(median(samples[size])),
      statements: statements[size] / iterations,
      ...(await plan(requests[size])),
    });
    const small = await result("small");
    const large = await result("large");
    return { small, large, ratio: round2(large.p50 / small.p50) };
  }
  return { measure, restore: tap.restore };
}

export async function benchScale(handle: DatabaseHandle, rawQuery: RawQuery) {
  if (handle.driver === "pglite") {
    return { skipped: "lists at 1,000,000 rows are measured on a PostgreSQL server only (set DATABASE_URL)" } as const;
  }
  const iterations = positiveInteger("BENCH_SCALE_ITERATIONS", process.env.BENCH_SCALE_ITERATIONS, 100);
  const seedStarted = performance.now();
  const small = await seedTenant(rawQuery, SIZES.small);
  const large = await seedTenant(rawQuery, SIZES.large);
  await rawQuery("vacuum analyze calls", []);
  await rawQuery("vacuum analyze audit_log", []);
  const seedSeconds = Math.round((performance.now() - seedStarted) / 100) / 10;

  const { measure, restore } = sizeComparison(handle, rawQuery, iterations);

  /** The cursor a client holds after reading down to row DEPTH: the nextCursor of the page ending there. */
  async function cursorAtDepth(request: ListRequest) {
    const res = await call(request.fn, {
      path: request.path,
      token: request.token,
      query: { ...request.query, offset: DEPTH - LIMIT },
    });
    const cursor = res.body?.pagination?.nextCursor;
    if (typeof cursor !== "string") throw new Error(`no cursor at row ${DEPTH}: ${res.text}`);
    return cursor;
  }

  const lists = [
    ...(["date", "duration", "cost"] as const).map((sortBy) => ({
      name: `call history by ${sortBy}`,
      request: (token: string) => ({
        fn: callHistoryFunction,
        path: `/api/dashboard/call-history/${AGENT_ID}`,
        token,
        query: { sortBy, limit: LIMIT },
      }),
    })),
    { name: "audit log", request: (token: string) => ({ fn: auditLogFunction, token, query: { limit: LIMIT } }) },
  ];
  const cases = [];
  try {
    for (const list of lists) {
      const request = async (token: string, depth: (typeof DEPTHS)[number]): Promise<ListRequest> => {
        const first: ListRequest = list.request(token);
        if (depth === "offset") return { ...first, query: { ...first.query, offset: DEPTH } };
        if (depth === "cursor") return { ...first, query: { ...first.query, cursor: await cursorAtDepth(first) } };
        return first;
      };
      for (const depth of DEPTHS) {
        const measured = await measure({
          small: await request(small.accessToken, depth),
          large: await request(large.accessToken, depth),
        });
        cases.push({
          list: list.name,
          page: depth === "first page" ? "offset 0" : depth === "offset" ? `offset ${DEPTH}` : `cursor at row ${DEPTH}`,
          ...measured,
        });
      }
    }
  } finally {
    restore();
  }
  return { sizes: SIZES, limit: LIMIT, iterations, seedSeconds, cases };
}

export type ScaleBench = Awaited<ReturnType<typeof benchScale>>;

export function scaleTables(bench: ScaleBench): string {
  if ("skipped" in bench) return `lists at scale: skipped, ${bench.skipped}`;
  const rows = bench.cases.map((c) => [
    `${c.list}, ${c.page}`,
    c.small.p50.toFixed(2),
    c.large.p50.toFixed(2),
    c.ratio.toFixed(2),
    `${c.small.statements} / ${c.large.statements}`,
    c.large.indexes.join(", "),
  ]);
  return [
    grid(["list page", "p50 ms 10k", "p50 ms 1M", "ratio", "statements/req", "plan's scans (1M)"], rows),
    "",
    `${bench.iterations} requests per case after warm-up, pages of ${bench.limit}, through the route's handler; ` +
      `ratio = p50 at 1,000,000 rows / p50 at 10,000 (target <= 1.5).`,
    `Seeded in ${bench.seedSeconds} s: one agent's calls and one audit log per tenant, then VACUUM ANALYZE.`,
  ].join("\n");
}
