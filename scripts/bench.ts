/**
 * `npm run bench`: the latency of a few routes called in-process (the function's default export,
 * as Netlify invokes it), beside the raw driver running the same statements on the same database.
 * The ratio is what the route layer, Zod, Drizzle and serialisation cost over the round trips.
 *
 * Database: with DATABASE_URL (or NETLIFY_DATABASE_URL), a fresh `frontdesk_bench_<ts>` on that
 * server, dropped at the end; otherwise in-process PGlite in memory. Results are printed and
 * written to bench/results/<timestamp>.json and bench/results/latest.json.
 *
 * Add a route by appending to `cases`: a request for the handler and the same statements for
 * the raw driver (recorded from the service with `record`, so the SQL is Drizzle's own).
 *
 * Then, on a PostgreSQL server (skipped on PGlite):
 * - lists at scale (scripts/bench-scale.ts): call history and the audit log at 10,000 and at
 *   1,000,000 rows, each sort, first page, deep offset and cursor, with the plan's indexes;
 * - cold start (scripts/bench-cold.ts): three functions built and zipped as a deploy ships them,
 *   imported and called once in fresh processes, against a hello-world function.
 * Last, the Retell call sync (scripts/bench-sync.ts): BENCH_SYNC_CALLS (default 10,000) calls from a
 * mocked Retell, an incremental rerun, and the write path against a raw multi-row upsert.
 * Then the inbox and commerce (scripts/bench-inbox.ts): message history at 10,000 and at 1,000,000
 * messages (first page, `before` and `cursor` pages, with the plan), order creation against the raw
 * transaction, and a 10,000-row CSV import of contacts against a raw multi-row insert.
 * Last, WhatsApp (scripts/bench-whatsapp.ts): the analytics overview at 10,000 and 1,000,000 messages
 * against the raw driver running its statement, with the plan; the templates list at 5,000 templates;
 * the webhook's answer, the processing of an inbound message and of a status against the same work by
 * hand, 200 webhooks 20 at a time; a text sent through the mocked Graph.
 * Then sales (scripts/bench-sales.ts, PostgreSQL only): the property search and the prospect list at
 * 100,000 rows against the raw driver, with their plans; hand-off generation (statements, p50, p95)
 * against its statements replayed; routing 1,000 new prospects one POST at a time, 20 in flight, and
 * in one import, checked against the rules and for round-robin fairness.
 * BENCH_ONLY=reads,scale,cold,sync,inbox,whatsapp,sales runs a subset. The comparison with the Express + Prisma peer
 * under load is `npm run bench:peers` (scripts/bench-peers.ts); its last result is printed here.
 */
import { randomUUID } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import type { Context } from "@netlify/functions";
import type { Logger } from "drizzle-orm";
import type { Database, DatabaseHandle } from "../db/client";
import type { RouteHandler } from "../shared/http/route";
import { positiveInteger, rawDriver } from "./bench-kit";

// Set before the project's modules load: the scrypt cost is read once, at import. The bench
// measures round trips, not password hashing, so the cost is low unless PASSWORD_HASH_COST says otherwise.
// Without a server, PGlite stays in memory so a bench never writes into a development data dir.
process.env.LOG_LEVEL = "silent";
process.env.PASSWORD_HASH_COST ??= "10";
process.env.PGLITE_DATA_DIR = "memory://";

const { closeDatabase, databaseUrl, getDatabase, statementCounter } = await import("../db/client");
(await import("./dev/embedded-database")).installEmbeddedDatabase();
const { createScratchDatabase } = await import("../db/scratch");
const schema = await import("../db/schema");
const { me } = await import("../services/platform/auth");
const { createUser, listUsers } = await import("../services/platform/users");
const { listUsersQuery } = await import("../services/platform/users.schemas");
const { listAgentCalls } = await import("../services/voice/calls");
const { callHistoryQuery } = await import("../services/voice/calls.schemas");
const { upsertCalls } = await import("../services/voice/retell-calls");
const { FakeRetell } = await import("./dev/fake-retell");
const { call, matchPath } = await import("./dev/http");
const { registerTenant } = await import("./dev/fixtures");
const authMe = await import("../netlify/functions/platform-auth-me");
const users = await import("../netlify/functions/platform-users");
const callHistory = await import("../netlify/functions/voice-dashboard-call-history");
const { benchSync, syncTables } = await import("./bench-sync");
const { benchScale, scaleTables } = await import("./bench-scale");
const { benchCold, coldTable } = await import("./bench-cold");
const { benchInbox, inboxTables } = await import("./bench-inbox");
const { benchWhatsApp, whatsappTables } = await import("./bench-whatsapp");
const { benchSales, salesTables } = await import("./bench-sales");
const { grid } = await import("./table");

const READS = positiveInteger("BENCH_ITERATIONS", process.env.BENCH_ITERATIONS, 300);
const WRITES = positiveInteger("BENCH_ITERATIONS", process.env.BENCH_ITERATIONS, 100);
const SEEDED_USERS = 50;
const SEEDED_CALLS = 1000;
const BENCH_AGENT = "agent_bench_reads_00000000000000000";

const PARTS = ["reads", "scale", "cold", "sync", "inbox", "whatsapp", "sales"] as const;
const only = process.env.BENCH_ONLY?.split(",").map((part) => part.trim());
if (only?.some((part) => !(PARTS as readonly string[]).includes(part))) {
  throw new Error(`BENCH_ONLY takes a comma-separated list of ${PARTS.join(", ")}`);
}
const runs = (part: (typeof PARTS)[number]) => !only || only.includes(part);

interface Case {
  name: string;
  iterations: number;
  handler: RouteHandler;
  /** A fresh request for one iteration; only the handler call is timed. */
  request: () => Request;
  status: number;
  /** One iteration of the same statements on the raw driver. */
  raw: () => Promise<unknown>;
}

interface Statement {
  sql: string;
  params: unknown[];
}

/**
 * Runs a service against a second Drizzle instance on the same client whose logger records each
 * statement with its parameters. BEGIN/COMMIT are left out: the raw driver wraps transactions itself.
 */
async function statementRecorder(handle: DatabaseHandle) {
  let log: Statement[] = [];
  const logger: Logger = { logQuery: (sql, params) => log.push({ sql, params }) };
  const config = { client: (handle.db as any).$client, schema, casing: "snake_case" as const, logger };
  const db: Database =
    handle.driver === "pglite"
      ? (await import("drizzle-orm/pglite")).drizzle(config)
      : handle.driver === "neon-serverless"
        ? (await import("drizzle-orm/neon-serverless")).drizzle(config)
        : (await import("drizzle-orm/node-postgres")).drizzle(config);
  return async <T>(work: (db: Database) => Promise<T>) => {
    log = [];
    const result = await work(db);
    return { result, statements: log.filter((statement) => !/^(begin|commit)$/i.test(statement.sql)) };
  };
}

/** Replaces `from` with `to` inside every string parameter (ids and emails, also inside JSON). */
function substitute(params: unknown[], from: string, to: string): unknown[] {
  return params.map((param) => (typeof param === "string" ? param.replaceAll(from, to) : param));
}

const randomIp = () => `10.${Math.floor(Math.random() * 255)}.${Math.floor(Math.random() * 255)}.1`;

/** Calls the function's default export as scripts/dev/http.ts does; returns the handler's time and statements. */
async function invoke(benchCase: Case): Promise<{ ms: number; statements: number }> {
  const request = benchCase.request();
  const params = matchPath(benchCase.handler.definition.path, new URL(request.url).pathname);
  if (!params) throw new Error(`${request.url} does not match ${benchCase.handler.definition.path}`);
  const context = { params, ip: randomIp(), requestId: randomUUID() } as unknown as Context;
  const before = statementCounter.count;
  const started = performance.now();
  const response = await benchCase.handler(request, context);
  const ms = performance.now() - started;
  const statements = statementCounter.count - before;
  const body = await response.text();
  if (response.status !== benchCase.status) throw new Error(`${benchCase.name} answered ${response.status}: ${body}`);
  return { ms, statements };
}

async function time(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

function summarize(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (quantile: number) => sorted[Math.max(0, Math.ceil(quantile * sorted.length) - 1)] ?? Number.NaN;
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  return { p50: round(at(0.5)), p95: round(at(0.95)), mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length) };
}

/** Warms up, then alternates handler and raw iterations so drift (GC, table growth) hits both alike. */
async function measure(benchCase: Case) {
  const warmup = Math.max(10, Math.round(benchCase.iterations / 10));
  for (let i = 0; i < warmup; i++) {
    await invoke(benchCase);
    await benchCase.raw();
  }
  const handler: number[] = [];
  const raw: number[] = [];
  let statements = 0;
  for (let i = 0; i < benchCase.iterations; i++) {
    const run = await invoke(benchCase);
    handler.push(run.ms);
    statements += run.statements;
    raw.push(await time(benchCase.raw));
  }
  const handlerStats = summarize(handler);
  const rawStats = summarize(raw);
  return {
    route: benchCase.name,
    iterations: benchCase.iterations,
    warmup,
    handler: handlerStats,
    raw: rawStats,
    ratio: Math.round((handlerStats.p50 / rawStats.p50) * 100) / 100,
    statementsPerRequest: statements / benchCase.iterations,
  };
}

type Result = Awaited<ReturnType<typeof measure>>;

function table(results: Result[]): string {
  const header = ["route", "p50 ms", "p95 ms", "raw p50 ms", "ratio", "statements/req"];
  const rows = results.map((r) => [
    r.route,
    r.handler.p50.toFixed(3),
    r.handler.p95.toFixed(3),
    r.raw.p50.toFixed(3),
    r.ratio.toFixed(2),
    String(r.statementsPerRequest),
  ]);
  return grid(header, rows);
}

/** The last `npm run bench:peers` result (bench/results/peers-latest.json), which takes minutes and runs on its own. */
async function lastPeerComparison(): Promise<string> {
  const heading =
    "\nAgainst the Express + Prisma peer (npm run bench:peers; throughput under wrk, ratio = Frontdesk / peer)";
  let last: { startedAt: string; endpoints: { endpoint: string; ratio: { rps: number; p50: number } }[] };
  try {
    last = JSON.parse(await readFile("bench/results/peers-latest.json", "utf8"));
  } catch {
    return `${heading}: not run yet`;
  }
  const rows = last.endpoints.map((e) => [e.endpoint, e.ratio.rps.toFixed(2), e.ratio.p50.toFixed(2)]);
  return `${heading}, last run ${last.startedAt}:\n\n${grid(["endpoint", "req/s ratio", "p50 ratio"], rows)}`;
}

const startedAt = new Date().toISOString();
// Other processes skew the numbers; the load when the run began is recorded beside them.
const [loadAverage] = loadavg();
const serverUrl = databaseUrl();
const scratch = serverUrl ? await createScratchDatabase(serverUrl, "frontdesk_bench") : undefined;
if (scratch) process.env.DATABASE_URL = scratch.url;
try {
  const handle = await getDatabase();
  await handle.migrate();
  const raw = rawDriver(handle);
  const record = await statementRecorder(handle);

  // One tenant with SEEDED_USERS users for the reads; the writes go to another so the list stays that size.
  const owner = await registerTenant("bench");
  let emails = 0;
  const newUser = () => ({
    email: `bench-${process.pid}-${++emails}@example.test`,
    name: "Bench User",
    role: "agent" as const,
    password: "bench password",
  });
  for (let i = 1; i < SEEDED_USERS; i++) {
    const created = await call(users, { method: "POST", token: owner.accessToken, body: newUser() });
    if (created.status !== 201) throw new Error(`seeding failed: ${created.status} ${created.text}`);
  }
  await handle.db.insert(schema.agents).values({ tenantId: owner.tenantId, agentId: BENCH_AGENT, agentName: "Bench" });
  const fakeRetell = new FakeRetell("key_bench_reads");
  await upsertCalls(handle.db, owner.tenantId, fakeRetell.addCalls(SEEDED_CALLS, { agentId: BENCH_AGENT }));
  const writer = await registerTenant("bench-writes");
  const serviceContext = (db: Database, account: typeof owner) => ({
    db,
    caller: { kind: "user" as const, userId: account.userId, tenantId: account.tenantId, role: account.role },
    requestId: randomUUID(),
    ip: "127.0.0.1",
  });
  const get = (path: string, token: string) =>
    new Request(`http://localhost:8888${path}`, { headers: { authorization: `Bearer ${token}` } });
  const post = (path: string, token: string, body: unknown) =>
    new Request(`http://localhost:8888${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const replay = (statements: Statement[]) => async () => {
    for (const statement of statements) await raw.query(statement.sql, statement.params);
  };

  const meStatements = (await record((db) => me(serviceContext(db, owner)))).statements;
  const listStatements = (
    await record((db) => listUsers(serviceContext(db, owner), listUsersQuery.parse({ limit: 20 })))
  ).statements;
  const historyStatements = (
    await record((db) =>
      listAgentCalls(serviceContext(db, owner), BENCH_AGENT, callHistoryQuery.parse({ limit: 20, sortBy: "date" })),
    )
  ).statements;
  // The create's statements are replayed with a new email each time, and the audit row points at the new user.
  const template = newUser();
  const created = await record((db) => createUser(serviceContext(db, writer), template));
  // The transaction reads (and share-locks) the caller's current row, then inserts the user and the audit row.
  const [lockCaller, insertUser, insertAudit] = created.statements;
  if (!lockCaller || !insertUser || !insertAudit || created.statements.length !== 3) {
    throw new Error(
      `expected the create to read its caller, insert a user and an audit row, got ${created.statements.length} statements`,
    );
  }

  const cases: Case[] = [
    {
      name: "GET /api/auth/me",
      iterations: READS,
      handler: authMe.default,
      request: () => get("/api/auth/me", owner.accessToken),
      status: 200,
      raw: replay(meStatements),
    },
    {
      name: "GET /api/users?limit=20",
      iterations: READS,
      handler: users.default,
      request: () => get("/api/users?limit=20", owner.accessToken),
      status: 200,
      raw: replay(listStatements),
    },
    {
      name: `GET /api/dashboard/call-history/:agentId?sortBy=date (${SEEDED_CALLS} calls)`,
      iterations: READS,
      handler: callHistory.default,
      request: () => get(`/api/dashboard/call-history/${BENCH_AGENT}?limit=20&sortBy=date`, owner.accessToken),
      status: 200,
      raw: replay(historyStatements),
    },
    {
      name: "POST /api/users",
      iterations: WRITES,
      handler: users.default,
      request: () => post("/api/users", writer.accessToken, newUser()),
      status: 201,
      raw: () =>
        raw.transaction(async (query) => {
          const email = newUser().email;
          await query(lockCaller.sql, lockCaller.params);
          const [row] = await query(insertUser.sql, substitute(insertUser.params, template.email, email));
          const auditParams = substitute(insertAudit.params, template.email, email);
          await query(insertAudit.sql, substitute(auditParams, created.result.id, String(row?.id)));
        }),
    },
  ];

  const [version] = await raw.query("show server_version", []);
  console.log(
    `driver ${handle.driver} (Postgres ${version?.server_version}), node ${process.version}, ` +
      `${cpus().length} cpus, load ${loadAverage?.toFixed(2)} at start`,
  );
  const report: Record<string, unknown> = {
    startedAt,
    machine: {
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      loadAverage,
      driver: handle.driver,
      serverVersion: version?.server_version,
    },
    settings: {
      passwordHashCost: Number(process.env.PASSWORD_HASH_COST),
      seededUsers: SEEDED_USERS,
      seededCalls: SEEDED_CALLS,
    },
  };

  if (runs("reads")) {
    const results: Result[] = [];
    for (const benchCase of cases) results.push(await measure(benchCase));
    report.results = results;
    console.log(
      `\nRoutes against the raw driver: PASSWORD_HASH_COST=${process.env.PASSWORD_HASH_COST} (scrypt N=2^cost; ` +
        `production uses 17), ${READS} iterations per read and ${WRITES} per create after warm-up\n`,
    );
    console.log(table(results));
    console.log(
      "\nratio = handler p50 / raw p50. statements/req counts what Drizzle sends; on PGlite a transaction's" +
        "\nBEGIN/COMMIT run inside PGlite's own transaction() and are not counted.",
    );
  }
  if (runs("scale")) {
    const scale = await benchScale(handle, raw.query);
    report.scale = scale;
    console.log("\nLists at 10,000 and at 1,000,000 rows (ratio = p50 at 1M / p50 at 10k)\n");
    console.log(scaleTables(scale));
  }
  if (runs("cold")) {
    console.log("\nCold start: built and zipped as deployed, fresh processes (ratio = against hello-world)\n");
    if (scratch) {
      const cold = await benchCold(handle, scratch.url);
      report.cold = cold;
      console.log(`median of ${cold.runs} starts each, node ${cold.node}\n`);
      console.log(coldTable(cold));
    } else {
      console.log("skipped: it needs a PostgreSQL server (set DATABASE_URL)");
    }
  }
  if (runs("sync")) {
    const sync = await benchSync(handle, raw.query);
    report.sync = sync;
    console.log(`\nRetell call sync: ${sync.calls} calls from a FakeRetell behind msw, pages of up to 1000\n`);
    console.log(syncTables(sync));
  }
  if (runs("inbox")) {
    const inbox = await benchInbox(handle, raw);
    report.inbox = inbox;
    console.log("\nInbox and commerce: message history at scale, order creation, CSV import\n");
    console.log(inboxTables(inbox));
  }
  if (runs("whatsapp")) {
    const whatsapp = await benchWhatsApp(handle, raw);
    report.whatsapp = whatsapp;
    console.log("\nWhatsApp: the analytics overview at scale, templates, the webhook, sending (Graph mocked by msw)\n");
    console.log(whatsappTables(whatsapp));
  }
  if (runs("sales")) {
    const sales = await benchSales(handle, raw);
    report.sales = sales;
    console.log("\nSales (spec 001): lists at 100,000 rows, hand-off generation, routing 1,000 new prospects\n");
    console.log(salesTables(sales));
  }
  console.log(await lastPeerComparison());

  const file = `bench/results/${startedAt.replace(/[:.]/g, "-")}.json`;
  await mkdir("bench/results", { recursive: true });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  await writeFile(file, json);
  await writeFile("bench/results/latest.json", json);
  console.log(`\nwrote ${file} and bench/results/latest.json`);
} finally {
  await closeDatabase();
  await scratch?.drop();
}
