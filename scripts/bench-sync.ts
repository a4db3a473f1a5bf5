/**
 * The Retell call-sync part of `npm run bench` (imported by scripts/bench.ts once the environment
 * is set): syncs BENCH_SYNC_CALLS (default 10,000) ended, analysed calls from a FakeRetell behind
 * msw, as the scheduled job and POST /api/dashboard/sync-calls do, then reruns it with nothing
 * new, and compares the database cost of writing those rows with a raw multi-row upsert.
 *
 * - full sync: `syncRetellCalls` with a 10-minute deadline on a tenant whose settings hold the
 *   fake's key. Wall time, calls/s, pages, the statements Drizzle sent (statementCounter), the
 *   requests the fake served, and the time spent inside the database driver (every statement
 *   timed by wrapping the driver's `query`; the page writes are the statements inserting into calls).
 * - incremental: the same again; nothing is new, so one list request and no writes are expected.
 * - write cost: the same rows (the full calls, transcripts included, through `toCallRow`) written
 *   in pages of 1000 into fresh tenants, by `upsertCalls` and by a hand-built
 *   `insert ... values (...),(...) on conflict (tenant_id, call_id) do update` on the raw driver
 *   (SQL and parameters built before the clock starts). Rounds alternate which goes first; the
 *   median round is reported. ratio = our time / raw time.
 */
import { toSnakeCase } from "drizzle-orm/casing";
import { type DatabaseHandle, statementCounter } from "../db/client";
import { agents } from "../db/schema";
import { toCallRow, upsertCalls } from "../services/voice/retell-calls";
import { syncRetellCalls } from "../services/voice/sync";
import { JOB_BUDGET_MS } from "../shared/job";
import { median, positiveInteger } from "./bench-kit";
import { FakeRetell } from "./dev/fake-retell";
import { registerTenant } from "./dev/fixtures";
import { retellServer, saveRetellKey } from "./dev/retell-server";
import { grid } from "./table";

const WRITE_PAGE = 1000;
const AGENT_ID = "agent_bench_0000000000000000000000";

type RawQuery = (sql: string, params: unknown[]) => Promise<unknown>;

interface Timed {
  sql: string;
  ms: number;
}

/**
 * Times every statement the shared Drizzle instance sends, at the driver (`$client.query`, which
 * Drizzle calls for each statement outside a transaction), while `start()`ed.
 */
function driverTimer(handle: DatabaseHandle) {
  const client = (handle.db as any).$client;
  const original = client.query;
  let log: Timed[] | undefined;
  client.query = function (this: unknown, ...args: unknown[]) {
    const recording = log;
    if (!recording) return original.apply(this, args);
    const first = args[0] as string | { text?: string; sql?: string };
    const sql = typeof first === "string" ? first : (first?.text ?? first?.sql ?? "");
    const started = performance.now();
    const done = () => recording.push({ sql, ms: performance.now() - started });
    return Promise.resolve(original.apply(this, args)).then(
      (result) => {
        done();
        return result;
      },
      (error) => {
        done();
        throw error;
      },
    );
  };
  return {
    start() {
      log = [];
    },
    stop(): Timed[] {
      const recorded = log ?? [];
      log = undefined;
      return recorded;
    },
    restore() {
      client.query = original;
    },
  };
}

const round1 = (value: number) => Math.round(value * 10) / 10;
const round2 = (value: number) => Math.round(value * 100) / 100;
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const isPageWrite = (sql: string) => /insert into "calls"/i.test(sql);

function chunks<T>(items: T[], size: number): T[][] {
  const pages: T[][] = [];
  for (let i = 0; i < items.length; i += size) pages.push(items.slice(i, i + size));
  return pages;
}

/** A plain multi-row upsert of `rows`: every column from the row, overwritten on conflict; values as Drizzle maps them. */
function rawUpsert(rows: Record<string, unknown>[]): { sql: string; params: unknown[] } {
  const keys = Object.keys(rows[0] ?? {});
  const columns = keys.map((key) => `"${toSnakeCase(key)}"`);
  const params: unknown[] = [];
  const tuples = rows.map((row) => {
    const placeholders = keys.map((key) => {
      const value = row[key];
      params.push(
        value instanceof Date
          ? value.toISOString()
          : value !== null && typeof value === "object"
            ? JSON.stringify(value)
            : value,
      );
      return `$${params.length}`;
    });
    return `(${placeholders.join(", ")})`;
  });
  const updates = columns
    .filter((column) => column !== '"tenant_id"' && column !== '"call_id"')
    .map((column) => `${column} = excluded.${column}`);
  const sql =
    `insert into "calls" (${columns.join(", ")}) values ${tuples.join(", ")} ` +
    `on conflict ("tenant_id", "call_id") do update set ${updates.join(", ")}, "updated_at" = now()`;
  return { sql, params };
}

export async function benchSync(handle: DatabaseHandle, rawQuery: RawQuery) {
  const size = positiveInteger("BENCH_SYNC_CALLS", process.env.BENCH_SYNC_CALLS, 10_000);
  const rounds = positiveInteger("BENCH_SYNC_ROUNDS", process.env.BENCH_SYNC_ROUNDS, 3);
  const { db } = handle;

  const fake = new FakeRetell(`key_bench_${process.pid}_${Date.now().toString(36)}`);
  fake.addAgent(AGENT_ID, "Bench Receptionist");
  // A minute apart, the last one ending a few minutes ago.
  const start = Date.now() - (size + 10) * 60_000;
  fake.addCalls(size, { agentId: AGENT_ID, start });
  const server = retellServer(new Map([[fake.apiKey, fake]]));
  server.listen({ onUnhandledRequest: "bypass" });
  const timer = driverTimer(handle);
  try {
    const owner = await registerTenant("bench-sync");
    await saveRetellKey(owner, fake.apiKey);

    const run = async () => {
      const requestsBefore = fake.requests.length;
      const statementsBefore = statementCounter.count;
      timer.start();
      const started = performance.now();
      const result = await syncRetellCalls(db, owner.tenantId, { deadline: Date.now() + 10 * 60_000 });
      const wallMs = performance.now() - started;
      const timed = timer.stop();
      const statements = statementCounter.count - statementsBefore;
      const served = fake.requests.slice(requestsBefore);
      const countServed = (path: string) => served.filter((request) => request.path.startsWith(path)).length;
      const written = result.callsSynced + result.callsUpdated;
      const pageWrites = timed.filter((statement) => isPageWrite(statement.sql));
      return {
        wallMs: round1(wallMs),
        callsWritten: written,
        callsPerSecond: Math.round(written / (wallMs / 1000)),
        pages: result.pages,
        statements,
        statementsPerPage: result.pages > 0 ? round2(statements / result.pages) : 0,
        listRequests: countServed("/v3/list-calls"),
        getCallRequests: countServed("/v2/get-call/"),
        getAgentRequests: countServed("/get-agent/"),
        dbMs: round1(sum(timed.map((statement) => statement.ms))),
        pageWriteMs: round1(sum(pageWrites.map((statement) => statement.ms))),
        pageWriteStatements: pageWrites.length,
        result,
      };
    };

    const full = await run();
    if (!full.result.complete || full.result.errors > 0 || full.result.callsSynced !== size) {
      throw new Error(`the full sync did not sync ${size} calls: ${JSON.stringify(full.result)}`);
    }
    const [stored] = (await rawQuery(
      "select count(*)::int as calls, count(transcript)::int as transcripts from calls where tenant_id = $1",
      [owner.tenantId],
    )) as { calls: number; transcripts: number }[];
    if (stored?.calls !== size || stored.transcripts !== size) {
      throw new Error(`expected ${size} calls with transcripts stored, found ${JSON.stringify(stored)}`);
    }
    const incremental = await run();

    // The write cost alone: the same rows, full calls with transcripts, into fresh tenants.
    const fullCalls = [...fake.calls.values()];
    const freshTenant = async (label: string) => {
      const account = await registerTenant(label);
      await db
        .insert(agents)
        .values({ tenantId: account.tenantId, agentId: AGENT_ID, agentName: "Bench Receptionist" });
      return account.tenantId;
    };
    const ours = async () => {
      const tenantId = await freshTenant("bench-upsert");
      let ms = 0;
      let driverMs = 0;
      let statements = 0;
      for (const page of chunks(fullCalls, WRITE_PAGE)) {
        const before = statementCounter.count;
        timer.start();
        const started = performance.now();
        await upsertCalls(db, tenantId, page);
        ms += performance.now() - started;
        driverMs += sum(timer.stop().map((statement) => statement.ms));
        statements += statementCounter.count - before;
      }
      return { ms, driverMs, statements };
    };
    const raw = async () => {
      const tenantId = await freshTenant("bench-raw");
      const statements = chunks(fullCalls, WRITE_PAGE).map((page) =>
        rawUpsert(page.map((item) => toCallRow(tenantId, item))),
      );
      let ms = 0;
      for (const statement of statements) {
        const started = performance.now();
        await rawQuery(statement.sql, statement.params);
        ms += performance.now() - started;
      }
      return { ms, driverMs: ms, statements: statements.length };
    };
    const samples = { ours: [] as Awaited<ReturnType<typeof ours>>[], raw: [] as Awaited<ReturnType<typeof raw>>[] };
    for (let round = 0; round < rounds; round++) {
      if (round % 2 === 0) {
        samples.raw.push(await raw());
        samples.ours.push(await ours());
      } else {
        samples.ours.push(await ours());
        samples.raw.push(await raw());
      }
    }
    const rawMs = median(samples.raw.map((sample) => sample.ms));
    const oursMs = median(samples.ours.map((sample) => sample.ms));
    const oursDriverMs = median(samples.ours.map((sample) => sample.driverMs));
    const writeCost = {
      rows: fullCalls.length,
      pageSize: WRITE_PAGE,
      rounds,
      raw: {
        ms: round1(rawMs),
        statements: samples.raw[0]?.statements ?? 0,
        samples: samples.raw.map((sample) => round1(sample.ms)),
      },
      /** ms: the awaited call (rows mapped, SQL built by Drizzle, run); driverMs: the statement alone. */
      upsertCalls: {
        ms: round1(oursMs),
        driverMs: round1(oursDriverMs),
        statements: samples.ours[0]?.statements ?? 0,
        samples: samples.ours.map((sample) => round1(sample.ms)),
        ratio: round2(oursMs / rawMs),
        driverRatio: round2(oursDriverMs / rawMs),
      },
      /** The full sync's page-write statements, timed at the driver. */
      syncPageWrites: {
        driverMs: full.pageWriteMs,
        statements: full.pageWriteStatements,
        driverRatio: round2(full.pageWriteMs / rawMs),
      },
    };

    return {
      calls: size,
      agentId: AGENT_ID,
      scheduledBudgetMs: JOB_BUDGET_MS,
      scheduledRunsNeeded: Math.ceil(full.wallMs / JOB_BUDGET_MS),
      full,
      incremental,
      writeCost,
    };
  } finally {
    timer.restore();
    server.close();
  }
}

export type SyncBench = Awaited<ReturnType<typeof benchSync>>;

export function syncTables(bench: SyncBench): string {
  const runs = grid(
    [
      "sync run",
      "wall ms",
      "calls/s",
      "pages",
      "statements",
      "statements/page",
      "list req",
      "get-call req",
      "written",
      "db ms",
    ],
    (["full", "incremental"] as const).map((name) => {
      const r = bench[name];
      return [
        name === "full" ? `full (${bench.calls} calls)` : "incremental (none new)",
        r.wallMs.toFixed(1),
        String(r.callsPerSecond),
        String(r.pages),
        String(r.statements),
        r.statementsPerPage.toFixed(2),
        String(r.listRequests),
        String(r.getCallRequests),
        String(r.callsWritten),
        r.dbMs.toFixed(1),
      ];
    }),
  );
  const w = bench.writeCost;
  const perThousand = (ms: number) => ((ms / w.rows) * 1000).toFixed(1);
  const writes = grid(
    ["write path", "ms", "driver ms", "driver ms/1000 rows", "statements", "ratio", "driver ratio"],
    [
      [
        "raw multi-row upsert",
        w.raw.ms.toFixed(1),
        w.raw.ms.toFixed(1),
        perThousand(w.raw.ms),
        String(w.raw.statements),
        "1.00",
        "1.00",
      ],
      [
        "upsertCalls (same rows)",
        w.upsertCalls.ms.toFixed(1),
        w.upsertCalls.driverMs.toFixed(1),
        perThousand(w.upsertCalls.driverMs),
        String(w.upsertCalls.statements),
        w.upsertCalls.ratio.toFixed(2),
        w.upsertCalls.driverRatio.toFixed(2),
      ],
      [
        "sync page writes (full run)",
        "-",
        w.syncPageWrites.driverMs.toFixed(1),
        perThousand(w.syncPageWrites.driverMs),
        String(w.syncPageWrites.statements),
        "-",
        w.syncPageWrites.driverRatio.toFixed(2),
      ],
    ],
  );
  const share = bench.full.wallMs > 0 ? Math.round((bench.full.dbMs / bench.full.wallMs) * 100) : 0;
  return [
    runs,
    "",
    writes,
    "",
    `full sync: ${bench.full.dbMs.toFixed(1)} ms of ${bench.full.wallMs.toFixed(1)} ms in the database (${share}%), ` +
      `${bench.full.getAgentRequests} get-agent requests; ${bench.scheduledRunsNeeded} scheduled run(s) of ` +
      `${bench.scheduledBudgetMs / 1000} s at this speed.`,
    "statements/page = statements / pages, the run's own (settings, claim, finish) included.",
    `Writes: the ${w.rows} full calls in pages of ${w.pageSize} into fresh tenants, median of ${w.rounds} rounds. ` +
      "ms = the awaited call (upsertCalls: rows mapped and SQL built by Drizzle);",
    "driver ms = the statements alone at the driver; ratio = ms / raw ms, driver ratio = driver ms / raw ms.",
    "The sync's page writes also upsert the agent, move the cursor and count in the same statement.",
  ].join("\n");
}
