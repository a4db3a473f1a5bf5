/**
 * The sales part of `npm run bench` (spec 001; imported by scripts/bench.ts once the environment is
 * set). PostgreSQL only, as lists at scale: on PGlite 100,000 rows would take minutes to seed and say
 * nothing about a server. Rows are built with `insert ... select from generate_series` (or `unnest` of
 * ids made here), independent of the services, then VACUUM ANALYZE.
 * - Property search: one tenant with 100,000 listings in 4 cities (types, statuses, prices and
 *   bedrooms mixed; "<area> <Type> <n>" names, an area being e.g. Marina) beside 10,000 of another
 *   tenant. `GET /api/properties` first page of 50, `city=Dubai&status=available`, `search=marina villa`,
 *   `minBedrooms=3&maxPrice=2000000`, and the cursor page at row 5,000.
 * - Prospect list: 100,000 prospects of that tenant (6 reps, every status, 4 cities) beside 10,000 of
 *   the other: first page, `status=qualified`, `assignedTo=<rep>`, `search=<first name>`,
 *   `search=<phone digits as typed>`.
 *   Each list case (BENCH_SALES_ITERATIONS, default 50): p50 through the route's handler against the
 *   raw driver replaying the statements the route sent (their text and parameters, recorded at the
 *   driver), alternating; statements per request; and the plans of the list statement (EXPLAIN
 *   ANALYZE: each scan of the table, its index, the rows it read, or a Seq Scan, reported as such),
 *   both the one made for the request's values and the generic one the route's named statement may
 *   settle on.
 * - Hand-off generation: `POST /api/handoffs/from-appointment` for fresh appointments of that tenant,
 *   each with its prospect, a conversation of 12 messages, 5 detected entities and 2 scores, and a
 *   property of its city; against the raw driver replaying the statements one generation sent (the
 *   reads, and the transaction as Drizzle ran it) for another fresh appointment. p50, p95, statements
 *   (BENCH_SALES_HANDOFFS appointments each side, default 100), and the plan of its read of listings.
 * - Routing 1,000 new prospects, in a tenant with 6 reps and 3 rules (a city; a budget band and a
 *   channel; everyone else): (a) 1,000 `POST /api/prospects`, 20 in flight; (b) one
 *   `POST /api/prospects/import` of 1,000. Throughput, statements, and afterwards every prospect
 *   checked against the rules (the first that matches by priority, one of its reps) and each rule's
 *   per-rep counts (round robin: at most one apart within a batch).
 */
import { randomUUID } from "node:crypto";
import { escapeLiteral } from "pg";
import { type DatabaseHandle, drizzleConfig, statementCounter } from "../db/client";
import * as handoffsFunction from "../netlify/functions/sales-handoffs-from-appointment";
import * as propertiesFunction from "../netlify/functions/sales-properties";
import * as prospectsFunction from "../netlify/functions/sales-prospects";
import * as importFunction from "../netlify/functions/sales-prospects-import";
import * as routingRulesFunction from "../netlify/functions/sales-routing-rules";
import type { RouteModule } from "../shared/http/route";
import { indexesIn, median, positiveInteger, type RawDriver, statementTap } from "./bench-kit";
import { type Account, addMember, registerTenant } from "./dev/fixtures";
import { call } from "./dev/http";
import { grid } from "./table";

const ROWS = 100_000;
const OTHER_TENANT_ROWS = 10_000;
const CITIES = ["Dubai", "Abu Dhabi", "Sharjah", "Ras Al Khaimah"] as const;
const REPS = 6;
const LIMIT = 50;
const CURSOR_DEPTH = 5_000;
const MESSAGES_PER_CONVERSATION = 12;
const ROUTED = 1_000;
const CONCURRENCY = 20;

const round2 = (value: number) => Math.round(value * 100) / 100;
const seconds = (ms: number) => Math.round(ms / 100) / 10;
const count = (value: number) => value.toLocaleString("en");
const warmupOf = (iterations: number) => Math.max(5, Math.ceil(iterations / 10));

/** The sample at `q` (0.95: the p95), by the nearest-rank method. */
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await work();
  return { ms: performance.now() - started, result };
}

interface Run {
  ms: number;
  statements: number;
}

/**
 * The route and the raw side run alternately after a warm-up of each, so drift (other load, table
 * growth) hits both alike; each run answers its time and statements (any setup stays off its clock).
 */
async function alternate(iterations: number, route: () => Promise<Run>, raw: () => Promise<Run>) {
  for (let i = 0; i < warmupOf(iterations); i++) {
    await route();
    await raw();
  }
  const samples = { route: [] as number[], raw: [] as number[] };
  const statements = { route: 0, raw: 0 };
  for (let i = 0; i < iterations; i++) {
    for (const which of i % 2 ? (["raw", "route"] as const) : (["route", "raw"] as const)) {
      const run = which === "route" ? await route() : await raw();
      samples[which].push(run.ms);
      statements[which] += run.statements;
    }
  }
  const side = (which: "route" | "raw") => ({
    p50: round2(median(samples[which])),
    p95: round2(quantile(samples[which], 0.95)),
    statements: statements[which] / iterations,
  });
  return {
    iterations,
    route: side("route"),
    raw: side("raw"),
    ratio: round2(median(samples.route) / median(samples.raw)),
  };
}

type Measured = Awaited<ReturnType<typeof alternate>>;

interface Statement {
  sql: string;
  params: unknown[];
}

/**
 * Records every statement Drizzle's logger sees while started. statementTap (bench-kit) sees the
 * pool's queries, but a transaction runs on a connection the pool hands out, so the hand-off's
 * BEGIN ... COMMIT are recorded here instead.
 */
function loggedStatements() {
  const logger = drizzleConfig.logger;
  const original = logger.logQuery;
  let log: Statement[] | undefined;
  logger.logQuery = (sql, params) => {
    log?.push({ sql, params });
    original.call(logger, sql, params);
  };
  return {
    start: () => {
      log = [];
    },
    stop: (): Statement[] => {
      const recorded = log ?? [];
      log = undefined;
      return recorded;
    },
    restore: () => {
      logger.logQuery = original;
    },
  };
}

const isBegin = (statement: Statement) => /^begin\b/i.test(statement.sql);
const isCommit = (statement: Statement) => /^commit\b/i.test(statement.sql);

/** Replays recorded statements on the raw driver: those between BEGIN and COMMIT in one raw transaction. */
async function replay(raw: RawDriver, statements: Statement[]) {
  for (let i = 0; i < statements.length; i++) {
    const statement = statements[i] as Statement;
    if (!isBegin(statement)) {
      await raw.query(statement.sql, statement.params);
      continue;
    }
    const end = statements.findIndex((candidate, j) => j > i && isCommit(candidate));
    if (end < 0) throw new Error("a recorded transaction has no COMMIT");
    await raw.transaction(async (query) => {
      for (const inside of statements.slice(i + 1, end)) await query(inside.sql, inside.params);
    });
    i = end;
  }
}

/** Replaces `from` with `to` inside every string parameter (ids, also inside JSON). */
const substituted = (statements: Statement[], from: string, to: string): Statement[] =>
  statements.map(({ sql, params }) => ({
    sql,
    params: params.map((param) => (typeof param === "string" ? param.replaceAll(from, to) : param)),
  }));

interface Scan {
  node: string;
  index?: string;
  /** Rows the node read: those it returned and those its filter or recheck removed, over all its loops. */
  read?: number;
}

/** The plan's nodes that read `relation`: their type, index (a bitmap scan's is its children's) and, analysed, rows read. */
function scansOf(plan: unknown, relation: string): Scan[] {
  const found: Scan[] = [];
  const stack = [plan];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (Array.isArray(node)) stack.push(...node);
    else if (node && typeof node === "object") {
      const record = node as Record<string, unknown>;
      if (record["Relation Name"] === relation) {
        const children = (record.Plans as Record<string, unknown>[] | undefined) ?? [];
        const bitmap = [
          ...new Set(children.flatMap((child) => indexesIn(child).map((index) => index.split(" ").pop()))),
        ];
        const rows = record["Actual Rows"] as number | undefined;
        const removed = ["Rows Removed by Filter", "Rows Removed by Index Recheck"].reduce(
          (sum, key) => sum + Number(record[key] ?? 0),
          0,
        );
        found.push({
          node: String(record["Node Type"]),
          index: (record["Index Name"] as string | undefined) ?? (bitmap.join(" + ") || undefined),
          read: rows === undefined ? undefined : (rows + removed) * Number(record["Actual Loops"] ?? 1),
        });
      }
      stack.push(...Object.values(record));
    }
  }
  return found;
}

/** What an EXPLAIN (ANALYZE, FORMAT JSON) says of `relation`: its scans, any whole-table scan, the execution time. */
function planFrom(explained: Record<string, unknown> | undefined, relation: string) {
  const root = (explained?.["QUERY PLAN"] as Record<string, unknown>[] | undefined)?.[0];
  return {
    scans: scansOf(explained, relation),
    seqScans: indexesIn(explained).filter((scan) => scan.startsWith("Seq Scan")),
    executionMs: round2(Number(root?.["Execution Time"])),
  };
}

/** EXPLAIN ANALYZE of a recorded statement with its parameters: the plan made for those values. */
async function planOf(raw: RawDriver, statement: Statement, relation: string) {
  const [explained] = await raw.query(`explain (analyze, format json) ${statement.sql}`, statement.params);
  return planFrom(explained, relation);
}

let prepared = 0;

/**
 * The plan a list runs on once Postgres settles: the routes send lists as named prepared statements
 * (db/client.ts executeNamed), which after five runs may switch to the generic plan, made for any
 * parameters. Forced here on one connection, the recorded parameters given as literals.
 */
async function genericPlanOf(raw: RawDriver, statement: Statement, relation: string) {
  const name = `bench_generic_${++prepared}`;
  const args = statement.params.map((param) => (param === null ? "null" : escapeLiteral(String(param))));
  return raw.transaction(async (query) => {
    await query("set local plan_cache_mode = force_generic_plan", []);
    await query(`prepare ${name} as ${statement.sql}`, []);
    const [explained] = await query(`explain (analyze, format json) execute ${name}(${args.join(", ")})`, []);
    await query(`deallocate ${name}`, []);
    return planFrom(explained, relation);
  });
}

type Plan = Awaited<ReturnType<typeof planOf>>;

const describeScans = (scans: Scan[]) =>
  scans
    .map(
      (scan) =>
        `${scan.node}${scan.index ? ` ${scan.index}` : ""}${scan.read === undefined ? "" : ` (${count(scan.read)} read)`}`,
    )
    .join(" + ");

// ---- Seeding ----

/** Members with the sales_rep role, signed in through the real functions; in id order, as routing orders them. */
async function repsOf(owner: Account): Promise<Account[]> {
  const reps: Account[] = [];
  for (let i = 0; i < REPS; i++) reps.push(await addMember(owner, "sales_rep"));
  return reps.sort((a, b) => a.userId.localeCompare(b.userId));
}

const cityOf = (i: string) => `(array['${CITIES.join("', '")}'])[1 + ${i} % ${CITIES.length}]`;

/**
 * `size` listings a minute apart: named "<area> <Type> <n>" (8 areas, Marina among them; 4 types),
 * 4 cities, prices 300,000 to 9,999,000 AED (a third a range), 0 to 6 bedrooms, 70% available, 20%
 * reserved, 10% sold, two features each.
 */
async function seedProperties(raw: RawDriver, tenantId: string, size: number) {
  await raw.query(
    `insert into properties (tenant_id, name, city, price_min, price_max, currency, bedrooms, type, status,
       description, features, created_at, updated_at)
     select $1, a.area || ' ' || initcap(a.kind) || ' ' || i, a.city, a.price,
       case when i % 3 = 0 then a.price + 250000 end, 'AED', a.bedrooms, a.kind, a.status,
       'A ' || a.bedrooms || '-bedroom ' || a.kind || ' in ' || a.area || ', ' || a.city || ', close to ' || a.near || '.',
       jsonb_build_array(a.feature, 'close to ' || a.near), a.at, a.at
     from generate_series(1, $2::int) as i,
       lateral (select ${cityOf("i")} as city,
         (array['Marina', 'Palm', 'Downtown', 'Creek', 'Hills', 'Bay', 'Garden', 'Lagoon'])[1 + (i / 4) % 8] as area,
         (array['villa', 'apartment', 'penthouse', 'townhouse'])[1 + (i / 32) % 4] as kind,
         (i::bigint * 7919 % 7)::int as bedrooms,
         (300000 + i::bigint * 104729 % 9700 * 1000)::numeric as price,
         (array['available', 'available', 'available', 'available', 'available', 'available', 'available',
           'reserved', 'reserved', 'sold'])[1 + (i / 3) % 10] as status,
         (array['pool', 'gym', 'parking', 'garden', 'balcony', 'concierge'])[1 + (i / 7) % 6] as feature,
         (array['the beach', 'a school', 'the metro', 'a mall'])[1 + (i / 11) % 4] as near,
         now() - i * interval '1 minute' as at) as a`,
    [tenantId, size],
  );
}

const FIRST_NAMES = [
  "Fatima",
  "Omar",
  "Aisha",
  "Yusuf",
  "Layla",
  "Karim",
  "Noor",
  "Hassan",
  "Maria",
  "James",
  "Priya",
  "Ravi",
  "Elena",
  "Lucas",
  "Mei",
  "Chen",
  "Sara",
  "David",
  "Amira",
  "Tariq",
];
const LAST_NAMES = ["Haddad", "Khan", "Garcia", "Smith", "Patel", "Rossi", "Novak", "Tanaka", "Silva", "Mansour"];

/**
 * `size` prospects a minute apart: "<first> <last>" names (Fatima is 1 in 20), unique emails, phone
 * +97150 followed by the 7-digit row number (WhatsApp the same on half), every status, 4 cities,
 * budgets 500,000 to 9,900,000, each assigned to one of `repIds` in turn.
 */
async function seedProspects(raw: RawDriver, tenantId: string, size: number, repIds: string[]) {
  const list = (values: readonly string[]) => `array['${values.join("', '")}']`;
  await raw.query(
    `insert into prospects (tenant_id, name, email, phone, whatsapp, budget, city, timeline, preferred_property_type,
       bedrooms, status, assigned_to, preferred_channel, created_at, updated_at)
     select $1, (${list(FIRST_NAMES)})[1 + i % ${FIRST_NAMES.length}] || ' ' ||
         (${list(LAST_NAMES)})[1 + (i / ${FIRST_NAMES.length}) % ${LAST_NAMES.length}],
       'prospect-' || i || '@bench.example', '+97150' || lpad(i::text, 7, '0'),
       case when i % 2 = 0 then '+97150' || lpad(i::text, 7, '0') end,
       (500000 + i::bigint * 7919 % 95 * 100000)::numeric, ${cityOf("(i / 13)")},
       (array['now', '3 months', '6 months', 'next year'])[1 + (i / 5) % 4],
       (array['villa', 'apartment', 'penthouse', 'townhouse'])[1 + (i / 9) % 4], 1 + i % 5,
       (array['new', 'contacted', 'qualified', 'appointment_set', 'closed', 'lost'])[1 + (i / 2) % 6],
       ($3::uuid[])[1 + (i / 3) % cardinality($3::uuid[])],
       (array['phone', 'whatsapp', 'sms', 'email'])[1 + (i / 7) % 4],
       now() - i * interval '1 minute', now() - i * interval '1 minute'
     from generate_series(1, $2::int) as i`,
    [tenantId, size, repIds],
  );
}

// ---- Lists ----

interface ListCase {
  name: string;
  query: Record<string, string | number>;
}

/** A GET of a list through its handler: its time, statements and body (a non-200 answer stops the bench). */
async function list(fn: RouteModule, token: string, query: ListCase["query"]) {
  const run = await timed(() => call(fn, { token, query }));
  if (run.result.status !== 200) {
    throw new Error(`${fn.config.path} answered ${run.result.status}: ${run.result.text.slice(0, 500)}`);
  }
  return { ms: run.ms, statements: run.result.statements, body: run.result.body };
}

/**
 * Each case through the route against the raw driver replaying the statements it sent (recorded at
 * the driver on a first request), and the plan of its statements that read `relation`.
 */
async function listCases(
  raw: RawDriver,
  handle: DatabaseHandle,
  fn: RouteModule,
  token: string,
  relation: string,
  cases: ListCase[],
  iterations: number,
) {
  const tap = statementTap(handle);
  const results = [];
  try {
    for (const { name, query } of cases) {
      tap.start();
      const first = await list(fn, token, query);
      const sent = tap.stop();
      const measured = await alternate(
        iterations,
        () => list(fn, token, query),
        async () => ({ ms: (await timed(() => replay(raw, sent))).ms, statements: sent.length }),
      );
      const plans: Plan[] = [];
      const genericPlans: Plan[] = [];
      for (const statement of sent.filter((s) => s.sql.includes(`from "${relation}"`))) {
        plans.push(await planOf(raw, statement, relation));
        genericPlans.push(await genericPlanOf(raw, statement, relation));
      }
      const { total, totalIsExact } = first.body.pagination;
      results.push({ name, shown: first.body.data.length, total, totalIsExact, ...measured, plans, genericPlans });
    }
  } finally {
    tap.restore();
  }
  return results;
}

/** The nextCursor of the page ending at row CURSOR_DEPTH, as a client paging down holds it. */
async function cursorAtDepth(fn: RouteModule, token: string) {
  const { body } = await list(fn, token, { limit: LIMIT, offset: CURSOR_DEPTH - LIMIT });
  const cursor = body?.pagination?.nextCursor;
  if (typeof cursor !== "string") throw new Error(`no cursor at row ${CURSOR_DEPTH} of ${fn.config.path}`);
  return cursor;
}

// ---- Hand-offs ----

/**
 * `size` appointments of the tenant, each with its own prospect (a budget, a city), a closed phone
 * conversation of MESSAGES_PER_CONVERSATION messages with 5 detected entities and 2 scores (the
 * latest 70 to 99), and an available property of its city; one rep each, an hour apart. Their ids.
 */
async function seedAppointments(raw: RawDriver, tenantId: string, size: number, repIds: string[]) {
  const ids = Array.from({ length: size }, () => ({
    prospect: randomUUID(),
    conversation: randomUUID(),
    appointment: randomUUID(),
  }));
  const seeded = `unnest($2::uuid[], $3::uuid[], $4::uuid[]) with ordinality as s (prospect_id, conversation_id,
    appointment_id, n), lateral (select s.n::int as i) as k`;
  const params = [
    tenantId,
    ids.map((id) => id.prospect),
    ids.map((id) => id.conversation),
    ids.map((id) => id.appointment),
  ];
  const city = cityOf("k.i");
  const budget = "(1500000 + k.i % 5 * 500000)::numeric";
  await raw.query(
    `insert into prospects (id, tenant_id, name, email, phone, whatsapp, budget, city, timeline,
       preferred_property_type, bedrooms, status, assigned_to, preferred_channel)
     select s.prospect_id, $1, 'Handoff Prospect ' || k.i, 'handoff-' || k.i || '@bench.example',
       '+97155' || lpad(k.i::text, 7, '0'), '+97155' || lpad(k.i::text, 7, '0'), ${budget}, ${city}, '3 months',
       'villa', 3, 'appointment_set', ($5::uuid[])[1 + k.i % cardinality($5::uuid[])], 'whatsapp'
     from ${seeded}`,
    [...params, repIds],
  );
  await raw.query(
    `insert into conversations (id, tenant_id, channel_type, status, subject, started_at, last_message_at,
       message_count, outcome, sentiment, summary, transcript, duration_seconds, ai_confidence, handoff_suggested)
     select s.conversation_id, $1, 'phone', 'closed', 'Viewing request', now() - interval '2 hours',
       now() - interval '1 hour', ${MESSAGES_PER_CONVERSATION}, 'appointment_booked', 'positive',
       'Wants a 3-bedroom villa in ' || ${city} || ' within budget; booked a viewing.',
       'AI: Hello, this is the sales desk. Prospect: I am looking for a villa...', 420, 0.92, true
     from ${seeded}`,
    params,
  );
  await raw.query(
    `insert into prospect_conversations (conversation_id, tenant_id, prospect_id, is_live, stage, ended_at)
     select s.conversation_id, $1, s.prospect_id, false, 'booked', now() - interval '1 hour' from ${seeded}`,
    params,
  );
  await raw.query(
    `insert into messages (tenant_id, conversation_id, direction, sender, content_type, text, status, timestamp)
     select $1, s.conversation_id, case when m % 2 = 1 then 'inbound' else 'outbound' end,
       case when m % 2 = 1 then 'customer' else 'ai' end, 'text', 'Message ' || m || ' about the villa', 'delivered',
       now() - interval '2 hours' + m * interval '1 minute'
     from ${seeded}, generate_series(1, ${MESSAGES_PER_CONVERSATION}) as m`,
    params,
  );
  await raw.query(
    `insert into detected_entities (tenant_id, conversation_id, prospect_id, type, value, confidence)
     select $1, s.conversation_id, s.prospect_id, e.type,
       case e.type when 'budget' then ${budget}::text when 'timeline' then '3 months' when 'city' then ${city}
         when 'property_type' then 'villa' else '3' end, 0.9
     from ${seeded}, (values ('budget'), ('timeline'), ('city'), ('property_type'), ('bedrooms')) as e (type)`,
    params,
  );
  await raw.query(
    `insert into qualification_scores (tenant_id, conversation_id, prospect_id, overall, budget, timeline, intent,
       engagement, scored_at)
     select $1, s.conversation_id, s.prospect_id, q.base + k.i % 30, 80, 70, q.base + 10, 75,
       now() - q.ago * interval '1 minute'
     from ${seeded}, (values (50, 90), (70, 30)) as q (base, ago)`,
    params,
  );
  await raw.query(
    `insert into appointments (id, tenant_id, prospect_id, property_id, assigned_rep_id, conversation_id,
       scheduled_at, location, status, source_channel)
     select s.appointment_id, $1, s.prospect_id,
       (select p.id from properties p where p.tenant_id = $1 and lower(p.city) = lower(${city})
          and p.status = 'available' order by p.created_at desc, p.id desc offset k.i % 20 limit 1),
       ($5::uuid[])[1 + k.i % cardinality($5::uuid[])], s.conversation_id,
       now() + interval '1 day' + k.i * interval '1 hour', 'On site', 'scheduled', 'phone'
     from ${seeded}`,
    [...params, repIds],
  );
  return ids.map((id) => id.appointment);
}

/**
 * Hand-offs generated through the route for fresh appointments, against the raw driver replaying the
 * statements of one generation (recorded from Drizzle's logger) with another fresh appointment's id.
 */
async function benchHandoffs(raw: RawDriver, owner: Account, repIds: string[], iterations: number) {
  const needed = 1 + 2 * (warmupOf(iterations) + iterations);
  const seeded = await timed(() => seedAppointments(raw, owner.tenantId, needed, repIds));
  await raw.query(
    `vacuum analyze prospects, conversations, prospect_conversations, messages, detected_entities,
       qualification_scores, appointments`,
    [],
  );
  const fresh = seeded.result;
  const next = () => {
    const id = fresh.pop();
    if (!id) throw new Error("out of seeded appointments");
    return id;
  };
  const generate = async (appointmentId: string) => {
    const run = await timed(() =>
      call(handoffsFunction, { method: "POST", token: owner.accessToken, body: { appointmentId } }),
    );
    const { status, text, body } = run.result;
    if (status !== 201)
      throw new Error(`POST /api/handoffs/from-appointment answered ${status}: ${text.slice(0, 500)}`);
    return { ms: run.ms, statements: run.result.statements, body };
  };

  const log = loggedStatements();
  const template = next();
  let sent: Statement[];
  let example: Record<string, unknown>;
  try {
    log.start();
    example = (await generate(template)).body.data;
    sent = log.stop();
  } finally {
    log.restore();
  }
  const measured = await alternate(
    iterations,
    async () => generate(next()),
    async () => {
      const statements = substituted(sent, template, next());
      const run = await timed(() => replay(raw, statements));
      return { ms: run.ms, statements: statements.length };
    },
  );
  // Both sides inserted a package for every appointment they were given: the replay did the same writes.
  const [packages] = await raw.query("select count(*)::int as n from handoff_packages where tenant_id = $1", [
    owner.tenantId,
  ]);
  if (packages?.n !== needed) throw new Error(`${packages?.n} hand-off packages for ${needed} appointments`);
  // The read of listings (the suggestions' ranking) is what grows with the catalogue.
  const suggestionPlans: Plan[] = [];
  for (const statement of sent.filter((s) => /^select\b/i.test(s.sql) && s.sql.includes('"properties"'))) {
    suggestionPlans.push(await planOf(raw, statement, "properties"));
  }
  return {
    seeded: needed,
    seedSeconds: seconds(seeded.ms),
    ...measured,
    transaction: sent.some(isBegin),
    example: {
      priority: example.priority,
      suggestedProperties: (example.suggestedProperties as unknown[] | undefined)?.length ?? 0,
      score: (example.qualificationScore as { overall?: number } | undefined)?.overall,
    },
    suggestionPlans,
  };
}

// ---- Routing ----

interface RuleSpec {
  name: string;
  priority: number;
  cities?: string[];
  minBudget?: string;
  channels?: string[];
  reps: number[];
}

/** The tenant's rules: Dubai; budgets from 3,000,000 on WhatsApp; everyone else. Two reps each. */
const RULES: RuleSpec[] = [
  { name: "Dubai desk", priority: 10, cities: ["Dubai"], reps: [0, 1] },
  { name: "Premium on WhatsApp", priority: 20, minBudget: "3000000", channels: ["whatsapp"], reps: [2, 3] },
  { name: "Everyone else", priority: 30, reps: [4, 5] },
];

/** Prospect i of a batch: city, budget and channel vary independently, so every rule takes some. */
function routedProspect(batch: string, i: number) {
  return {
    name: `Routed ${batch} ${i}`,
    email: `routed-${batch}-${i}@bench.example`,
    phone: `+97152${String(i).padStart(7, "0")}`,
    city: CITIES[i % CITIES.length] as string,
    budget: (i >> 2) % 2 ? "4000000" : "1500000",
    preferredChannel: (["whatsapp", "phone", "email", "sms"] as const)[(i >> 3) % 4] as string,
  };
}

type Routed = ReturnType<typeof routedProspect>;

/** The rule that must take a prospect: the first by priority whose conditions all hold. */
function expectedRule(prospect: Routed): RuleSpec {
  const rule = RULES.find(
    (r) =>
      (!r.cities || r.cities.some((city) => city.toLowerCase() === prospect.city.toLowerCase())) &&
      (!r.minBudget || Number(prospect.budget) >= Number(r.minBudget)) &&
      (!r.channels || r.channels.includes(prospect.preferredChannel)),
  );
  if (!rule) throw new Error("the last rule takes everyone");
  return rule;
}

/**
 * Checks a batch as stored: every prospect routed by the rule it must go to, to one of that rule's
 * reps; and, per rule, how many each rep got (round robin: at most one apart).
 */
async function checkRouting(
  raw: RawDriver,
  tenantId: string,
  batch: string,
  prospects: Routed[],
  ruleIds: Map<string, string>,
  repIds: string[],
) {
  const rows = await raw.query(
    "select email, assigned_to, routing_rule_id from prospects where tenant_id = $1 and email like $2",
    [tenantId, `routed-${batch}-%`],
  );
  const stored = new Map(rows.map((row) => [String(row.email), row]));
  let misrouted = 0;
  const perRep = new Map(RULES.map((rule) => [rule.name, new Map(rule.reps.map((rep) => [repIds[rep], 0]))]));
  for (const prospect of prospects) {
    const rule = expectedRule(prospect);
    const row = stored.get(prospect.email);
    const counts = perRep.get(rule.name);
    const rep = String(row?.assigned_to);
    if (!row || row.routing_rule_id !== ruleIds.get(rule.name) || !counts?.has(rep)) {
      misrouted++;
      continue;
    }
    counts.set(rep, (counts.get(rep) ?? 0) + 1);
  }
  const rules = RULES.map((rule) => {
    const counts = [...(perRep.get(rule.name)?.values() ?? [])];
    return { rule: rule.name, perRep: counts, fair: Math.max(...counts) - Math.min(...counts) <= 1 };
  });
  return { stored: rows.length, misrouted, rules, fair: rules.every((rule) => rule.fair) };
}

/** Runs `work` on every item, `concurrency` at a time (a new one starts as one ends). */
async function inFlight<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

async function benchRouting(raw: RawDriver) {
  const owner = await registerTenant("bench-sales-routing");
  const reps = await repsOf(owner);
  const repIds = reps.map((rep) => rep.userId);
  const ruleIds = new Map<string, string>();
  for (const rule of RULES) {
    const { reps: indexes, ...fields } = rule;
    const created = await call(routingRulesFunction, {
      method: "POST",
      token: owner.accessToken,
      body: { ...fields, repIds: indexes.map((index) => repIds[index]) },
    });
    if (created.status !== 201) throw new Error(`POST /api/routing-rules answered ${created.status}: ${created.text}`);
    ruleIds.set(rule.name, created.body.data.id);
  }

  // (a) One POST each, CONCURRENCY in flight. Statements are counted over the run: with requests
  // in flight together, a count around one request would include the others'.
  const single = Array.from({ length: ROUTED }, (_, i) => routedProspect("a", i));
  const before = statementCounter.count;
  const posted = await timed(() =>
    inFlight(single, CONCURRENCY, async (body) => {
      const res = await call(prospectsFunction, { method: "POST", token: owner.accessToken, body });
      if (res.status !== 201) throw new Error(`POST /api/prospects answered ${res.status}: ${res.text.slice(0, 500)}`);
    }),
  );
  const singleStatements = statementCounter.count - before;
  const singleCheck = await checkRouting(raw, owner.tenantId, "a", single, ruleIds, repIds);

  // (b) One import of ROUTED.
  const imported = Array.from({ length: ROUTED }, (_, i) => routedProspect("b", i));
  const importRun = await timed(() =>
    call(importFunction, { method: "POST", token: owner.accessToken, body: { prospects: imported } }),
  );
  const { status, text, body } = importRun.result;
  if (status !== 201 && status !== 200) throw new Error(`POST /api/prospects/import answered ${status}: ${text}`);
  if (body?.data?.created !== ROUTED) throw new Error(`the import created ${body?.data?.created} of ${ROUTED}`);
  const importCheck = await checkRouting(raw, owner.tenantId, "b", imported, ruleIds, repIds);

  return {
    prospects: ROUTED,
    concurrency: CONCURRENCY,
    reps: REPS,
    rules: RULES.map(({ name, priority, cities, minBudget, channels }) => ({
      name,
      priority,
      cities,
      minBudget,
      channels,
    })),
    single: {
      ms: Math.round(posted.ms),
      perSecond: Math.round(ROUTED / (posted.ms / 1000)),
      statementsPerProspect: round2(singleStatements / ROUTED),
      ...singleCheck,
    },
    import: {
      ms: Math.round(importRun.ms),
      perSecond: Math.round(ROUTED / (importRun.ms / 1000)),
      statements: importRun.result.statements,
      ...importCheck,
    },
  };
}

// ---- The part ----

export async function benchSales(handle: DatabaseHandle, raw: RawDriver) {
  if (handle.driver === "pglite") {
    return { skipped: "sales at 100,000 rows are measured on a PostgreSQL server only (set DATABASE_URL)" } as const;
  }
  const iterations = positiveInteger("BENCH_SALES_ITERATIONS", process.env.BENCH_SALES_ITERATIONS, 50);
  const handoffIterations = positiveInteger("BENCH_SALES_HANDOFFS", process.env.BENCH_SALES_HANDOFFS, 100);

  const owner = await registerTenant("bench-sales");
  const reps = await repsOf(owner);
  const repIds = reps.map((rep) => rep.userId);
  const other = await registerTenant("bench-sales-other");
  const build = {
    properties: seconds(
      (
        await timed(async () => {
          await seedProperties(raw, owner.tenantId, ROWS);
          await seedProperties(raw, other.tenantId, OTHER_TENANT_ROWS);
        })
      ).ms,
    ),
    prospects: seconds(
      (
        await timed(async () => {
          await seedProspects(raw, owner.tenantId, ROWS, repIds);
          await seedProspects(raw, other.tenantId, OTHER_TENANT_ROWS, [other.userId]);
        })
      ).ms,
    ),
    analyze: seconds((await timed(() => raw.query("vacuum analyze properties, prospects", []))).ms),
  };

  const token = owner.accessToken;
  const properties = await listCases(
    raw,
    handle,
    propertiesFunction,
    token,
    "properties",
    [
      { name: "first page", query: { limit: LIMIT } },
      { name: "city=Dubai&status=available", query: { limit: LIMIT, city: "Dubai", status: "available" } },
      { name: "search=marina villa", query: { limit: LIMIT, search: "marina villa" } },
      { name: "minBedrooms=3&maxPrice=2000000", query: { limit: LIMIT, minBedrooms: 3, maxPrice: "2000000" } },
      {
        name: `cursor at row ${count(CURSOR_DEPTH)}`,
        query: { limit: LIMIT, cursor: await cursorAtDepth(propertiesFunction, token) },
      },
    ],
    iterations,
  );
  const phoneTyped = "+971 50 000 12";
  const prospects = await listCases(
    raw,
    handle,
    prospectsFunction,
    token,
    "prospects",
    [
      { name: "first page", query: { limit: LIMIT } },
      { name: "status=qualified", query: { limit: LIMIT, status: "qualified" } },
      { name: "assignedTo=<rep>", query: { limit: LIMIT, assignedTo: repIds[0] as string } },
      { name: "search=fatima", query: { limit: LIMIT, search: "fatima" } },
      { name: `search=${phoneTyped}`, query: { limit: LIMIT, search: phoneTyped } },
    ],
    iterations,
  );
  const handoffs = await benchHandoffs(raw, owner, repIds, handoffIterations);
  const routing = await benchRouting(raw);
  return {
    rows: ROWS,
    otherTenantRows: OTHER_TENANT_ROWS,
    limit: LIMIT,
    iterations,
    build,
    properties,
    prospects,
    handoffs,
    routing,
  };
}

export type SalesBench = Awaited<ReturnType<typeof benchSales>>;

type ListResult = Exclude<SalesBench, { skipped: string }>["properties"][number];

const sides = (m: Measured) => [
  m.route.p50.toFixed(2),
  m.raw.p50.toFixed(2),
  m.ratio.toFixed(2),
  `${m.route.statements} / ${m.raw.statements}`,
];

const describePlans = (plans: Plan[]) =>
  plans.map((plan) => `${describeScans(plan.scans)}; ${plan.executionMs} ms`).join(" | ");

/** Each case, with the plan made for its parameters; below, the generic plan where its scans differ. */
function listTable(title: string, results: ListResult[]) {
  const rows = results.map((r) => [
    r.name,
    `${count(r.total)}${r.totalIsExact ? "" : "+"}`,
    ...sides(r),
    describePlans(r.plans),
  ]);
  const generic = results.flatMap((r) => {
    const scans = (plans: Plan[]) =>
      plans.map((plan) => describeScans(plan.scans.map(({ node, index }) => ({ node, index }))));
    return scans(r.genericPlans).join() === scans(r.plans).join()
      ? []
      : [`  ${r.name}: ${describePlans(r.genericPlans)}`];
  });
  return [
    grid([title, "total", "p50 ms", "raw p50 ms", "ratio", "statements route / raw", "plan (EXPLAIN ANALYZE)"], rows),
    generic.length
      ? `The generic plan (a named statement's after five runs), where it reads otherwise:\n${generic.join("\n")}`
      : "The generic plan (a named statement's after five runs) reads the same indexes in every case.",
  ].join("\n");
}

/** The cases whose plan, for their parameters or generic, reads a table whole, said plainly. */
const seqScansOf = (results: ListResult[]) =>
  results.flatMap((r) => {
    const scans = [...new Set([...r.plans, ...r.genericPlans].flatMap((plan) => plan.seqScans))];
    return scans.length ? [`${r.name}: ${scans.join(", ")}`] : [];
  });

export function salesTables(bench: SalesBench): string {
  if ("skipped" in bench) return `sales: skipped, ${bench.skipped}`;
  const { properties, prospects, handoffs, routing, build } = bench;
  const seqScans = [...seqScansOf(properties), ...seqScansOf(prospects)];
  const perRep = (check: { rules: { rule: string; perRep: number[] }[] }) =>
    check.rules.map((rule) => `${rule.rule} ${rule.perRep.join("/")}`).join("; ");
  return [
    `${count(bench.rows)} properties and ${count(bench.rows)} prospects in one tenant, ${count(bench.otherTenantRows)} of ` +
      `each in another; built in ${build.properties} s and ${build.prospects} s, VACUUM ANALYZE ${build.analyze} s. ` +
      `${bench.iterations} requests per case after warm-up, pages of ${bench.limit}; raw = the statements the route ` +
      "sent (text and parameters), replayed on the driver as unnamed statements (planned for their values each " +
      "time). total: the count's bound is 10,000 (+: more). The plan lists each scan of the table (the page's, then " +
      "the bounded count's) with its index and the rows it read.",
    "",
    listTable("GET /api/properties", properties),
    "",
    listTable("GET /api/prospects", prospects),
    "",
    seqScans.length ? `Seq Scans (a table read whole): ${seqScans.join("; ")}.` : "No Seq Scan in any list plan.",
    "",
    grid(
      ["POST /api/handoffs/from-appointment", "p50 ms", "p95 ms", "statements/req"],
      [
        ["route", handoffs.route.p50.toFixed(2), handoffs.route.p95.toFixed(2), String(handoffs.route.statements)],
        [
          "raw: the same statements replayed",
          handoffs.raw.p50.toFixed(2),
          handoffs.raw.p95.toFixed(2),
          String(handoffs.raw.statements),
        ],
      ],
    ),
    "",
    `${handoffs.iterations} fresh appointments each side after warm-up (ratio ${handoffs.ratio.toFixed(2)}), ` +
      `${handoffs.seeded} seeded in ${handoffs.seedSeconds} s, each with a prospect, a conversation of ` +
      `${MESSAGES_PER_CONVERSATION} messages, 5 entities and 2 scores, among the ${count(bench.rows)} listings. ` +
      `${handoffs.transaction ? "BEGIN and COMMIT are counted on both sides. " : ""}A package: priority ` +
      `${handoffs.example.priority}, score ${handoffs.example.score}, ${handoffs.example.suggestedProperties} ` +
      "suggested properties.",
    ...handoffs.suggestionPlans.map(
      (plan) => `Its read of listings: ${describeScans(plan.scans)}; ${plan.executionMs} ms.`,
    ),
    "",
    grid(
      [
        `routing ${count(routing.prospects)} new prospects`,
        "wall ms",
        "per second",
        "statements",
        "misrouted",
        "fair (max - min <= 1)",
      ],
      [
        [
          `(a) POST /api/prospects, ${routing.concurrency} in flight`,
          String(routing.single.ms),
          String(routing.single.perSecond),
          `${routing.single.statementsPerProspect} per request`,
          String(routing.single.misrouted),
          routing.single.fair ? "yes" : "NO",
        ],
        [
          "(b) POST /api/prospects/import, one request",
          String(routing.import.ms),
          String(routing.import.perSecond),
          `${routing.import.statements} in all`,
          String(routing.import.misrouted),
          routing.import.fair ? "yes" : "NO",
        ],
      ],
    ),
    "",
    `${routing.reps} reps, 3 rules by priority: ${routing.rules.map((rule) => rule.name).join(", ")}; two reps each. ` +
      "misrouted: stored prospects whose rule is not the first that matches or whose rep is not that rule's.",
    `Per rep, (a): ${perRep(routing.single)}. (b): ${perRep(routing.import)}.`,
  ].join("\n");
}
