/**
 * `npm run bench:peers`: Frontdesk against the Express 5 + Prisma 7 peer of ../shared/peers (issue 11),
 * on one PostgreSQL server with the same rows, measured by the peers' compare.mjs in alternating rounds
 * (A = Frontdesk, B = the peer). Prints the median Frontdesk / peer ratios per endpoint and writes
 * bench/results/peers-latest.json.
 *
 * 1. ../shared is read-only: the peers folder is copied to <tmpdir>/frontdesk-peers and installed and
 *    built there, again only when its files change.
 * 2. Two scratch databases on DATABASE_URL's server (default postgres://postgres@127.0.0.1:5432/postgres):
 *    the peer's, from its sql/schema.sql and sql/seed.sql; Frontdesk's, migrated, holding the same
 *    rows copied into Frontdesk's tables (same tenant, user, agent and call ids; a call's uuid keeps
 *    the order of the peer's bigint id, which both sides sort ties by).
 * 3. The peer's server, and Frontdesk's functions in the peers' one-process harness (serve-functions.mjs,
 *    a warm instance) with production's environment. Both get a pool of 10 connections, the peer's default.
 * 4. One token both accept; each endpoint must answer 2xx with the same rows on both sides, checked once.
 * Both servers stop and both databases are dropped however the run ends (Ctrl+C included).
 *
 * Flags: --rounds (BENCH_PEERS_ROUNDS, default 5), --duration seconds per round (BENCH_PEERS_DURATION,
 * 10), --warmup seconds (3), --connections (10), --quick (2 rounds of 3 s, to try it), --only (a comma-
 * separated subset of auth-me, users-list, call-history-date, call-history-cost), --tool wrk|autocannon
 * (wrk when installed), --log-level (Frontdesk's LOG_LEVEL; default info, as in production).
 * POST /api/users is left out: Frontdesk requires a password and hashes it (scrypt, about 0.4 s here),
 * the peer stores no password, so the ratio would measure scrypt.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { openSync } from "node:fs";
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { connect } from "../db/client";
import { createScratchDatabase } from "../db/scratch";
import { signAccessToken } from "../shared/auth/tokens";
import { median, positiveInteger } from "./bench-kit";
import { grid } from "./table";

const projectRoot = fileURLToPath(new URL("..", import.meta.url));
const peersSource = resolve(process.env.PEERS_DIR ?? join(projectRoot, "../shared/peers"));
const peersCache = join(tmpdir(), "frontdesk-peers");
const serverUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const resultFile = join(projectRoot, "bench/results/peers-latest.json");

const ENDPOINTS = ["auth-me", "users-list", "call-history-date", "call-history-cost"] as const;
type Endpoint = (typeof ENDPOINTS)[number];
const POOL_SIZE = "10";

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    rounds: { type: "string" },
    duration: { type: "string" },
    warmup: { type: "string" },
    connections: { type: "string" },
    tool: { type: "string" },
    only: { type: "string" },
    "log-level": { type: "string", default: "info" },
  },
});

const settings = {
  rounds: positiveInteger("--rounds", flags.rounds ?? process.env.BENCH_PEERS_ROUNDS, flags.quick ? 2 : 5),
  duration: positiveInteger("--duration", flags.duration ?? process.env.BENCH_PEERS_DURATION, flags.quick ? 3 : 10),
  warmup: positiveInteger("--warmup", flags.warmup, flags.quick ? 1 : 3),
  connections: positiveInteger("--connections", flags.connections, 10),
  tool: flags.tool ?? (spawnSync("wrk", ["--version"]).error ? "autocannon" : "wrk"),
  logLevel: flags["log-level"],
  endpoints: chosenEndpoints(flags.only),
};

function chosenEndpoints(only: string | undefined): Endpoint[] {
  if (only === undefined) return [...ENDPOINTS];
  const names = only.split(",");
  const unknown = names.filter((name) => !ENDPOINTS.includes(name as Endpoint));
  if (unknown.length > 0) throw new Error(`--only takes ${ENDPOINTS.join(", ")}; not ${unknown.join(", ")}`);
  return names as Endpoint[];
}

// Everything the run started, so that any ending stops it: servers, installs, compare.mjs.
const running = new Set<ChildProcess>();
const scratchDatabases: { drop(): Promise<void> }[] = [];

async function stop(child: ChildProcess): Promise<void> {
  // Without a pid it never started (spawn's "error"), so there is nothing to wait for.
  if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    const timeout = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timeout);
  }
  running.delete(child);
}

let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    await Promise.all([...running].map(stop));
    for (const database of scratchDatabases) {
      await database.drop().catch((error) => console.error(`could not drop a scratch database: ${error.message}`));
    }
  })();
  return cleaning;
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping both servers and dropping the scratch databases`);
    void cleanUp().finally(() => process.exit(130));
  });
}

function spawnTracked(command: string, args: string[], options: Parameters<typeof spawn>[2]): ChildProcess {
  const child = spawn(command, args, options);
  running.add(child);
  child.once("exit", () => running.delete(child));
  return child;
}

/** Runs a command to its end, its output shown; fails on a non-zero exit. */
async function run(command: string, args: string[], cwd: string, env = process.env): Promise<void> {
  const child = spawnTracked(command, args, { cwd, env, stdio: ["ignore", "inherit", "inherit"] });
  const [code, signal] = (await once(child, "exit")) as [number | null, string | null];
  if (code !== 0) throw new Error(`${command} ${args.join(" ")} (in ${cwd}) ended with ${code ?? signal}`);
}

/** What decides whether the cached copy is current: every file's path and content, installs and builds aside. */
async function fingerprint(folder: string): Promise<string> {
  const hash = createHash("sha256");
  const files = (await readdir(folder, { recursive: true })).filter((path) => !isInstallOrBuild(path)).sort();
  for (const path of files) {
    if ((await stat(join(folder, path))).isFile()) hash.update(`${path}\0`).update(await readFile(join(folder, path)));
  }
  return hash.digest("hex");
}

const isInstallOrBuild = (path: string) =>
  path.split(sep).some((part) => part === "node_modules" || part === "dist" || part === "generated");

/** A writable, installed and built copy of the peers folder, reused while the source is unchanged. */
async function installedPeers(): Promise<string> {
  const source = await fingerprint(peersSource);
  const stamp = join(peersCache, ".installed");
  if ((await readFile(stamp, "utf8").catch(() => "")) === source) return peersCache;
  console.log(`installing ${peersSource} in ${peersCache}`);
  await rm(peersCache, { recursive: true, force: true });
  await cp(peersSource, peersCache, {
    recursive: true,
    filter: (path) => !isInstallOrBuild(relative(peersSource, path)),
  });
  // The source is read-only and cp keeps modes: npm must write beside these files.
  for (const path of ["", ...(await readdir(peersCache, { recursive: true }))]) {
    const full = join(peersCache, path);
    await chmod(full, (await stat(full)).mode | 0o200);
  }
  const express = join(peersCache, "express-prisma");
  await run("npm", ["ci", "--no-audit", "--no-fund"], peersCache);
  await run("npm", ["ci", "--no-audit", "--no-fund"], express);
  await run("npm", ["run", "build"], express);
  await writeFile(stamp, source);
  return peersCache;
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * The peer's rows as Frontdesk stores them: each select names Frontdesk's columns. Roles: the peer's
 * `member` is Frontdesk's `agent`. No one logs in, so users get a password hash no password matches.
 */
const FRONTDESK_ROWS: { table: string; select: string }[] = [
  { table: "tenants", select: "select id, name, created_at, created_at as updated_at from tenants order by id" },
  {
    table: "users",
    select: `select id, tenant_id, email, name, case role when 'member' then 'agent' else role end as role,
      'bench-peers: no login' as password_hash, created_at, updated_at from users order by id`,
  },
  { table: "agents", select: "select distinct tenant_id, agent_id from calls order by tenant_id, agent_id" },
  {
    table: "calls",
    select: `select ('00000000-0000-4000-8000-' || lpad(to_hex(id), 12, '0'))::uuid as id, tenant_id, call_id,
      agent_id, call_type, direction, from_number, to_number, call_status, start_timestamp as started_at,
      end_timestamp as ended_at, duration_ms, cost as cost_cents, disconnection_reason, transcript,
      call_analysis is not null as analyzed, call_analysis->>'call_summary' as call_summary,
      call_analysis->>'user_sentiment' as user_sentiment, (call_analysis->>'call_successful')::boolean as call_successful,
      (call_analysis->>'in_voicemail')::boolean as in_voicemail, call_analysis->'custom_analysis_data' as custom_analysis_data,
      created_at, updated_at from calls order by id`,
  },
];

/** Copies rows in batches, as JSON, so every value (timestamps to the microsecond, jsonb) arrives unchanged. */
async function copyRows(peer: pg.Client, frontdesk: pg.Client, table: string, select: string): Promise<void> {
  await peer.query("begin");
  await peer.query(`declare peer_rows no scroll cursor for select row_to_json(r)::text as row from (${select}) r`);
  for (;;) {
    const { rows } = await peer.query<{ row: string }>("fetch 10000 from peer_rows");
    if (!rows[0]) break;
    const columns = Object.keys(JSON.parse(rows[0].row)).join(", ");
    await frontdesk.query(
      `insert into ${table} (${columns}) select ${columns} from json_populate_recordset(null::${table}, $1::json)`,
      [`[${rows.map(({ row }) => row).join(",")}]`],
    );
  }
  await peer.query("commit");
}

async function seedDatabases(peersDir: string): Promise<{ peerUrl: string; frontdeskUrl: string }> {
  const peerDatabase = await createScratchDatabase(serverUrl, "bench_peers_peer");
  scratchDatabases.push(peerDatabase);
  const frontdeskDatabase = await createScratchDatabase(serverUrl, "bench_peers_frontdesk");
  scratchDatabases.push(frontdeskDatabase);

  let started = Date.now();
  const sqlDir = join(peersDir, "express-prisma/sql");
  await withClient(peerDatabase.url, async (client) => {
    for (const file of ["schema.sql", "seed.sql"]) await client.query(await readFile(join(sqlDir, file), "utf8"));
    await client.query("vacuum analyze");
  });
  console.log(`peer database seeded from sql/seed.sql in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  started = Date.now();
  const handle = await connect(frontdeskDatabase.url);
  try {
    await handle.migrate();
  } finally {
    await handle.close();
  }
  await withClient(peerDatabase.url, (peer) =>
    withClient(frontdeskDatabase.url, async (frontdesk) => {
      for (const { table, select } of FRONTDESK_ROWS) await copyRows(peer, frontdesk, table, select);
      // Both databases vacuumed and analyzed alike: index-only scans and plans do not depend on autovacuum's timing.
      await frontdesk.query("vacuum analyze");
    }),
  );
  console.log(
    `Frontdesk database migrated and filled with the peer's rows in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return { peerUrl: peerDatabase.url, frontdeskUrl: frontdeskDatabase.url };
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  server.close();
  return port;
}

/** Starts a server with its output in a log file and resolves once it answers HTTP. */
async function startServer(name: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, logFile: string) {
  const port = await freePort();
  // The peer reads PORT, the harness --port; each ignores the other.
  const log = openSync(logFile, "w");
  const child = spawnTracked(process.execPath, [...args, "--port", String(port)], {
    cwd,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ["ignore", log, log],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: see ${logFile}`);
    try {
      await fetch(url);
      console.log(`${name} listening on ${url} (log: ${logFile})`);
      return url;
    } catch {
      await new Promise((done) => setTimeout(done, 250));
    }
  }
  throw new Error(`${name} did not answer on ${url} within 2 minutes: see ${logFile}`);
}

interface Spec {
  name: string;
  path: string;
}
type Body = { data: any; pagination?: { total: number } };

/** The ids of the rows an answer holds, in order: users by id, calls by Retell's call id. */
const rowIds: Record<Endpoint, (side: "frontdesk" | "peer", body: Body) => string[]> = {
  "auth-me": (side, body) => [side === "frontdesk" ? body.data.user.id : body.data.id],
  "users-list": (_side, body) => body.data.map((user: { id: string }) => user.id),
  "call-history-date": (_side, body) => body.data.map((call: { callId: string }) => call.callId),
  "call-history-cost": (_side, body) => body.data.map((call: { callId: string }) => call.callId),
};

/**
 * A difference of contract, checked rather than bent: Frontdesk lists users oldest first, the peer
 * newest first. So a Frontdesk page holds the rows of the peer's page at the other end, reversed;
 * both read the same number of rows from one end of a (tenant_id, created_at, id) index.
 */
const USERS_ORDER_NOTE =
  "users-list: Frontdesk lists users oldest first, the peer newest first (a difference of contract); " +
  "the check compared Frontdesk's page with the peer's page at the other end, reversed.";

async function getJson(url: string, token: string): Promise<{ status: number; body: Body; text: string }> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  let body: Body = { data: undefined };
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (the harness's plain-text 404 or 500): the status and text say what went wrong.
  }
  return { status: response.status, body, text };
}

/** Fails unless every spec answers 2xx on both sides with the same rows (and the same totals). */
async function checkSameRows(specs: Spec[], frontdesk: string, peer: string, token: string): Promise<string[]> {
  const problems: string[] = [];
  const lines: string[] = [];
  for (const spec of specs) {
    const name = spec.name as Endpoint;
    const mine = await getJson(frontdesk + spec.path, token);
    let theirs = await getJson(peer + spec.path, token);
    for (const [side, answer] of [
      ["Frontdesk", mine],
      ["peer", theirs],
    ] as const) {
      if (answer.status >= 300)
        problems.push(`${name}: ${side} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
    }
    if (mine.status >= 300 || theirs.status >= 300) continue;
    const total = theirs.body.pagination?.total;
    if (total !== mine.body.pagination?.total) {
      problems.push(`${name}: total ${mine.body.pagination?.total} on Frontdesk, ${total} on the peer`);
    }
    let peerIds = rowIds[name]("peer", theirs.body);
    if (name === "users-list" && total !== undefined) {
      const mirrored = new URL(peer + spec.path);
      const limit = Number(mirrored.searchParams.get("limit"));
      const offset = Number(mirrored.searchParams.get("offset") ?? 0);
      mirrored.searchParams.set("offset", String(Math.max(0, total - offset - limit)));
      theirs = await getJson(mirrored.href, token);
      peerIds = rowIds[name]("peer", theirs.body).reverse();
    }
    const frontdeskIds = rowIds[name]("frontdesk", mine.body);
    if (frontdeskIds.length === 0 || frontdeskIds.join() !== peerIds.join()) {
      problems.push(
        `${name}: different rows\n  Frontdesk: ${frontdeskIds.join(" ")}\n  peer:      ${peerIds.join(" ")}`,
      );
    }
    lines.push(
      `${name}: ${frontdeskIds.length} row(s)${total === undefined ? "" : ` of ${total}`}, the same on both sides`,
    );
  }
  if (problems.length > 0) throw new Error(`the two sides do not answer the same:\n${problems.join("\n")}`);
  return lines;
}

interface Measurement {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}
interface CompareOutput {
  tool: string;
  results: {
    spec: { name: string; method: string; path: string };
    rounds: { A: Measurement; B: Measurement }[];
    medianRatio: { rps: number; p50: number; p99: number };
  }[];
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const load = loadavg()[0] ?? 0;
  if (settings.tool === "autocannon" && !flags.tool) {
    console.warn(
      "wrk is not installed (apt-get install -y wrk); using autocannon, whose load generator competes with " +
        "the servers for the CPU: expect noisier ratios",
    );
  }
  const peersDir = await installedPeers();
  const { peerUrl, frontdeskUrl } = await seedDatabases(peersDir);

  const jwtSecret = randomBytes(32).toString("base64url");
  const logDir = await mkdtemp(join(tmpdir(), "bench-peers-"));
  const peer = await startServer(
    "peer (Express + Prisma)",
    // The peer's `npm start`, without npm in between so that the signal to stop reaches the server.
    ["dist/src/server.js"],
    join(peersDir, "express-prisma"),
    { DATABASE_URL: peerUrl, JWT_SECRET: jwtSecret, DATABASE_POOL_MAX: POOL_SIZE },
    join(logDir, "peer.log"),
  );
  const frontdesk = await startServer(
    "Frontdesk (serve-functions.mjs)",
    [join(peersDir, "serve-functions.mjs"), projectRoot],
    projectRoot,
    {
      NODE_ENV: "production",
      DATABASE_URL: frontdeskUrl,
      JWT_SECRET: jwtSecret,
      ENCRYPTION_KEY: randomBytes(32).toString("base64url"),
      ALLOWED_ORIGINS: "https://app.example.com",
      LOG_LEVEL: settings.logLevel,
      DATABASE_POOL_MAX: POOL_SIZE,
    },
    join(logDir, "frontdesk.log"),
  );

  // sql/seed.sql's ids: user 1 of tenant 1 is its owner; agent 1 of tenant 1 is 'agent_' || left(md5('agent-1-1'), 24).
  const owner = await withClient(peerUrl, async (client) => {
    const { rows } = await client.query<{ id: string; tenant_id: string }>(
      "select id, tenant_id from users where email = 'user1@tenant1.example.com' and role = 'owner'",
    );
    if (!rows[0]) throw new Error("sql/seed.sql no longer seeds user1@tenant1.example.com as an owner");
    return rows[0];
  });
  process.env.JWT_SECRET = jwtSecret;
  const ids = {
    TOKEN: await signAccessToken({ userId: owner.id, tenantId: owner.tenant_id, role: "owner" }, 24 * 60 * 60),
    TENANT_ID: owner.tenant_id,
    USER_ID: owner.id,
    AGENT_ID: `agent_${createHash("md5").update("agent-1-1").digest("hex").slice(0, 24)}`,
  };

  const specFile = join(peersDir, "specs/peer-endpoints.json");
  const expand = (text: string) => text.replace(/\$\{(\w+)\}/g, (_, key: keyof typeof ids) => ids[key] ?? "");
  const specs = (JSON.parse(await readFile(specFile, "utf8")) as Spec[])
    .filter((spec) => settings.endpoints.includes(spec.name as Endpoint))
    .map((spec) => ({ name: spec.name, path: expand(spec.path) }));
  if (specs.length !== settings.endpoints.length) {
    throw new Error(`${specFile} no longer names each of ${settings.endpoints.join(", ")}`);
  }
  for (const line of await checkSameRows(specs, frontdesk, peer, ids.TOKEN)) console.log(line);

  const compareFile = join(logDir, "compare.json");
  console.log(`\ncompare.mjs: A = Frontdesk ${frontdesk}, B = the peer ${peer}\n`);
  await run(
    process.execPath,
    [
      join(peersDir, "compare.mjs"),
      ...["--a", frontdesk, "--b", peer, "--specs", specFile, "--only", settings.endpoints.join(",")],
      ...["--rounds", String(settings.rounds), "--duration", String(settings.duration)],
      ...["--warmup", String(settings.warmup), "--connections", String(settings.connections)],
      ...["--tool", settings.tool, "--out", compareFile],
    ],
    peersDir,
    { ...process.env, ...ids },
  );
  const compared = JSON.parse(await readFile(compareFile, "utf8")) as CompareOutput;

  const endpoints = compared.results.map(({ spec, rounds, medianRatio }) => ({
    endpoint: spec.name,
    path: spec.path.replace(ids.AGENT_ID, ":agentId"),
    frontdesk: { rps: median(rounds.map((r) => r.A.rps)), p50: median(rounds.map((r) => r.A.p50)) },
    peer: { rps: median(rounds.map((r) => r.B.rps)), p50: median(rounds.map((r) => r.B.p50)) },
    ratio: medianRatio,
    non2xx: rounds.reduce((sum, r) => sum + r.A.non2xx + r.B.non2xx + r.A.errors + r.B.errors, 0),
  }));
  const measured = (...names: Endpoint[]) => names.some((name) => settings.endpoints.includes(name));
  const notes = [
    measured("call-history-date", "call-history-cost") &&
      "Frontdesk's call history leaves the transcript out of list items (GET /api/calls/:callId has it); the peer's includes it.",
    measured("users-list") && USERS_ORDER_NOTE,
    "users-create is left out: Frontdesk's POST /api/users requires a password and hashes it with scrypt; the peer takes none.",
  ].filter((note) => typeof note === "string");
  const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : "-");
  console.log(
    `\nFrontdesk / peer: ${settings.rounds} rounds of ${settings.duration} s, ${settings.connections} connections, ` +
      `${compared.tool}. Each side's req/s and p50 are its medians over the rounds; a ratio is the median of the ` +
      "rounds' ratios (compare.mjs's). A req/s ratio above 1 or a p50 ratio below 1: Frontdesk is faster.\n",
  );
  console.log(
    grid(
      ["endpoint", "Frontdesk req/s", "peer req/s", "req/s ratio", "Frontdesk p50 ms", "peer p50 ms", "p50 ratio"],
      endpoints.map(({ endpoint, frontdesk, peer, ratio, non2xx }) => [
        non2xx > 0 ? `${endpoint} (!! ${non2xx} non-2xx or errors)` : endpoint,
        fixed(frontdesk.rps, 0),
        fixed(peer.rps, 0),
        fixed(ratio.rps, 3),
        fixed(frontdesk.p50, 2),
        fixed(peer.p50, 2),
        fixed(ratio.p50, 3),
      ]),
    ),
  );
  console.log(`\n${notes.map((note) => `- ${note}`).join("\n")}`);

  const report = {
    startedAt,
    machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, loadAverage: load },
    settings: { ...settings, tool: compared.tool, poolSize: Number(POOL_SIZE), frontdeskEnv: "NODE_ENV=production" },
    endpoints,
    notes,
    compare: compared,
  };
  await mkdir(join(projectRoot, "bench/results"), { recursive: true });
  await writeFile(resultFile, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwrote ${resultFile}`);
  await rm(logDir, { recursive: true, force: true });
}

try {
  await main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
