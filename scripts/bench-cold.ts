/**
 * The cold-start part of `npm run bench` (imported by scripts/bench.ts once the environment is
 * set; `tsx scripts/bench-cold.ts` runs it alone on a scratch database of DATABASE_URL's server).
 *
 * Three functions, bundled as `npm run build` bundles them (scripts/build-functions.ts), and a
 * hello-world function (`export default async () => new Response("ok")`, written to a temporary
 * folder) are zipped by zip-it-and-ship-it as a deploy zips them, and unzipped. Each then starts
 * BENCH_COLD_RUNS (default 20) times in a fresh `node` process, the functions taking turns, as
 * Netlify's runtime starts it:
 *
 * - bootstrap: importing the zip's entry file (`___netlify-entry-point.mjs`), which imports
 *   Netlify's bootstrap and exports the Lambda handler. The same for every function.
 * - import: importing the function's module, which the bootstrap itself does on the first
 *   invocation (`await import('./<name>.mjs')`, the path the entry file names); done here
 *   beforehand so it is timed on its own.
 * - first request: the Lambda handler called with the event Netlify sends (an authenticated GET
 *   of the route), until the response is streamed out: the database connection, the driver
 *   loaded on first use, the first run of the route's code.
 *
 * total is the three together; ratio = a function's median total / the hello-world function's.
 * cpu ms is the process's CPU time over the same three phases (it varies less than wall time when
 * other work shares the machine), with its ratio. process ms is the wall time from spawning
 * `node` to the response (Node's own start-up, the same for every function, included), with its
 * ratio. The requests hit a real PostgreSQL (the URL given), as a tenant's owner with one agent
 * and a few calls.
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { inflateRawSync } from "node:zlib";
import type { DatabaseHandle } from "../db/client";
import { agents } from "../db/schema";
import { upsertCalls } from "../services/voice/retell-calls";
import { env } from "../shared/config/env";
import { median, positiveInteger } from "./bench-kit";
import { buildFunctions } from "./build-functions";
import { FakeRetell } from "./dev/fake-retell";
import { registerTenant } from "./dev/fixtures";
import { grid } from "./table";

const AGENT_ID = "agent_cold_start_000000000000000000";
const HELLO = "hello-world";

/** The functions measured, each with the request its first invocation answers. */
const FUNCTIONS = [
  { name: "platform-auth-me", path: "/api/auth/me" },
  { name: "platform-users", path: "/api/users?limit=20" },
  { name: "voice-dashboard-call-history", path: `/api/dashboard/call-history/${AGENT_ID}` },
];

/**
 * One cold start, in a fresh process: argv is the unzipped folder, the function module as the
 * entry file names it, and the request. Netlify runs the bootstrap's handler inside AWS Lambda's
 * response-streaming runtime, whose `awslambda` global is stood in for here.
 */
const CHILD = `
import { join } from "node:path";
import { Writable } from "node:stream";
import { pathToFileURL } from "node:url";
const [folder, functionModule, requestJson] = process.argv.slice(2);
const request = JSON.parse(requestJson);
globalThis.awslambda = {
  streamifyResponse: (handler) => handler,
  HttpResponseStream: { from: (stream, metadata) => Object.assign(stream, { metadata }) },
};
// CPU time (this process's, every thread) beside wall time: it varies less on a busy machine.
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const cpuAtStart = cpuMs();
const started = performance.now();
const { handler } = await import(pathToFileURL(join(folder, "___netlify-entry-point.mjs")).href);
const bootstrapped = performance.now();
await import(pathToFileURL(join(folder, functionModule)).href);
const imported = performance.now();
const chunks = [];
const responseStream = new Writable({
  write(chunk, _encoding, done) {
    chunks.push(Buffer.from(chunk));
    done();
  },
});
const event = { ...request, isBase64Encoded: false, flags: {} };
await handler(event, responseStream, { awsRequestId: "cold-start", getRemainingTimeInMillis: () => 30_000 });
const answered = performance.now();
// Exits once the result is sent: the database pool would keep the process alive for its idle
// timeout (10 s), which made a run take minutes.
process.send({
  cpuMs: cpuMs() - cpuAtStart,
  bootstrapMs: bootstrapped - started,
  importMs: imported - bootstrapped,
  firstRequestMs: answered - imported,
  status: responseStream.metadata?.statusCode,
  body: Buffer.concat(chunks).toString("utf8").slice(0, 500),
}, () => process.exit(0));
`;

interface ZippedFunction {
  name: string;
  folder: string;
  /** The function's module inside the folder, as the entry file imports it. */
  functionModule: string;
  event: { rawUrl: string; httpMethod: string; headers: Record<string, string>; route: string };
}

/** Extracts a zip-it-and-ship-it archive (stored or deflated entries, no zip64) into `folder`. */
async function unzip(zipPath: string, folder: string): Promise<void> {
  const zip = await readFile(zipPath);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error(`${zipPath} is not a zip archive`);
  let offset = zip.readUInt32LE(end + 16);
  for (let index = zip.readUInt16LE(end + 10); index > 0; index--) {
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const entryHeader = zip.readUInt32LE(offset + 42);
    const name = zip.toString("utf8", offset + 46, offset + 46 + nameLength);
    offset += 46 + nameLength + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
    if (name.endsWith("/")) continue;
    const dataStart = entryHeader + 30 + zip.readUInt16LE(entryHeader + 26) + zip.readUInt16LE(entryHeader + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    const target = join(folder, name);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, method === 8 ? inflateRawSync(data) : data);
  }
}

async function zipAndUnzip(
  source: string,
  basePath: string,
  workDir: string,
  request: { path: string; headers: Record<string, string> },
): Promise<ZippedFunction> {
  const { zipFunction } = await import("@netlify/zip-it-and-ship-it");
  const zipped = await zipFunction(source, join(workDir, "zips"), { archiveFormat: "zip", basePath });
  if (!zipped) throw new Error(`zip-it-and-ship-it did not zip ${source}`);
  const folder = join(workDir, zipped.name);
  await unzip(zipped.path, folder);
  const entry = await readFile(join(folder, zipped.entryFilename), "utf8");
  const functionModule = /getLambdaHandler\('([^']+)'\)/.exec(entry)?.[1];
  const route = zipped.routes?.[0]?.pattern;
  if (!functionModule || !route) throw new Error(`${zipped.name}: no v2 entry file or path in the zip`);
  return {
    name: zipped.name,
    folder,
    functionModule,
    event: {
      rawUrl: `https://frontdesk.example${request.path}`,
      httpMethod: "GET",
      headers: { host: "frontdesk.example", ...request.headers },
      route,
    },
  };
}

interface ColdStart {
  bootstrapMs: number;
  importMs: number;
  firstRequestMs: number;
  /** CPU time of the three phases together. */
  cpuMs: number;
  /** From spawning the process to receiving the response: Node's own start-up included. */
  processMs: number;
}

function startCold(fn: ZippedFunction, childFile: string, childEnv: NodeJS.ProcessEnv): Promise<ColdStart> {
  return new Promise((resolve, reject) => {
    const spawned = performance.now();
    const child = spawn(process.execPath, [childFile, fn.folder, fn.functionModule, JSON.stringify(fn.event)], {
      cwd: fn.folder,
      env: childEnv,
      // The functions' log lines go to stdout, as on Netlify, and are not read.
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    let stderr = "";
    let result: (Omit<ColdStart, "processMs"> & { status: number; body: string }) | undefined;
    let processMs = 0;
    child.stderr?.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("message", (message) => {
      processMs = performance.now() - spawned;
      result = message as typeof result;
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (!result) return reject(new Error(`${fn.name}: exited ${code} without a result\n${stderr}`));
      if (result.status !== 200) return reject(new Error(`${fn.name} answered ${result.status}: ${result.body}`));
      const { bootstrapMs, importMs, firstRequestMs, cpuMs } = result;
      resolve({ bootstrapMs, importMs, firstRequestMs, cpuMs, processMs });
    });
  });
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/**
 * Cold starts of FUNCTIONS and a hello-world function against `databaseUrl` (migrated; `handle`
 * is a connection to it, for the fixtures). Medians of BENCH_COLD_RUNS fresh processes each.
 */
export async function benchCold(handle: DatabaseHandle, databaseUrl: string) {
  const runs = positiveInteger("BENCH_COLD_RUNS", process.env.BENCH_COLD_RUNS, 20);

  const owner = await registerTenant("bench-cold");
  await handle.db.insert(agents).values({ tenantId: owner.tenantId, agentId: AGENT_ID, agentName: "Cold start" });
  const fake = new FakeRetell("key_bench_cold");
  await upsertCalls(handle.db, owner.tenantId, fake.addCalls(20, { agentId: AGENT_ID }));

  const workDir = await mkdtemp(join(tmpdir(), "frontdesk-cold-"));
  try {
    const helloBase = join(workDir, "hello-source");
    const helloFile = join(helloBase, "netlify", "functions", `${HELLO}.ts`);
    await mkdir(dirname(helloFile), { recursive: true });
    await writeFile(join(helloBase, "package.json"), '{ "type": "module" }\n');
    await writeFile(
      helloFile,
      'export default async () => new Response("ok");\nexport const config = { path: "/hello" };\n',
    );
    const builtDirectory = join(workDir, "dist", "functions");
    await buildFunctions(builtDirectory);
    const headers = { authorization: `Bearer ${owner.accessToken}` };
    const zipped = [
      await zipAndUnzip(helloFile, helloBase, workDir, { path: "/hello", headers: {} }),
      ...(await Promise.all(
        FUNCTIONS.map(({ name, path }) =>
          zipAndUnzip(join(builtDirectory, `${name}.mjs`), workDir, workDir, { path, headers }),
        ),
      )),
    ];
    const childFile = join(workDir, "cold-start.mjs");
    await writeFile(childFile, CHILD);
    // As deployed: production settings, the secrets the fixtures signed with, one log line per request.
    const childEnv = {
      ...process.env,
      NODE_ENV: "production",
      DATABASE_URL: databaseUrl,
      JWT_SECRET: env.jwtSecret,
      ENCRYPTION_KEY: env.encryptionKey,
      ALLOWED_ORIGINS: "https://app.frontdesk.example",
      LOG_LEVEL: "info",
    };

    const samples = new Map<string, ColdStart[]>(zipped.map((fn) => [fn.name, []]));
    // One unrecorded round first (the files' first read from disk); then the functions take turns.
    for (const fn of zipped) await startCold(fn, childFile, childEnv);
    for (let run = 0; run < runs; run++) {
      for (const fn of zipped) samples.get(fn.name)?.push(await startCold(fn, childFile, childEnv));
    }

    const summarize = (name: string) => {
      const starts = samples.get(name) ?? [];
      return {
        name,
        bootstrapMs: round(median(starts.map((start) => start.bootstrapMs))),
        importMs: round(median(starts.map((start) => start.importMs))),
        firstRequestMs: round(median(starts.map((start) => start.firstRequestMs))),
        totalMs: round(median(starts.map((start) => start.bootstrapMs + start.importMs + start.firstRequestMs))),
        cpuMs: round(median(starts.map((start) => start.cpuMs))),
        processMs: round(median(starts.map((start) => start.processMs))),
      };
    };
    const hello = summarize(HELLO);
    return {
      runs,
      node: process.version,
      functions: [hello, ...FUNCTIONS.map(({ name }) => summarize(name))].map((fn) => ({
        ...fn,
        ratio: Math.round((fn.totalMs / hello.totalMs) * 100) / 100,
        cpuRatio: Math.round((fn.cpuMs / hello.cpuMs) * 100) / 100,
        processRatio: Math.round((fn.processMs / hello.processMs) * 100) / 100,
      })),
    };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

export type ColdResults = Awaited<ReturnType<typeof benchCold>>;

export function coldTable(results: ColdResults): string {
  const header = [
    "function",
    "bootstrap ms",
    "import ms",
    "first request ms",
    "total ms",
    "ratio",
    "cpu ms",
    "ratio",
    "process ms",
    "ratio",
  ];
  const rows = results.functions.map((fn) => [
    fn.name,
    fn.bootstrapMs.toFixed(1),
    fn.importMs.toFixed(1),
    fn.firstRequestMs.toFixed(1),
    fn.totalMs.toFixed(1),
    fn.ratio.toFixed(2),
    fn.cpuMs.toFixed(1),
    fn.cpuRatio.toFixed(2),
    fn.processMs.toFixed(1),
    fn.processRatio.toFixed(2),
  ]);
  return grid(header, rows);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { closeDatabase, databaseUrl, getDatabase } = await import("../db/client");
  const serverUrl = databaseUrl();
  if (!serverUrl) {
    console.log("bench-cold: skipped, it needs a PostgreSQL server (set DATABASE_URL)");
  } else {
    const { createScratchDatabase } = await import("../db/scratch");
    const scratch = await createScratchDatabase(serverUrl, "frontdesk_bench_cold");
    process.env.DATABASE_URL = scratch.url;
    try {
      const handle = await getDatabase();
      await handle.migrate();
      const results = await benchCold(handle, scratch.url);
      console.log(`Cold start: median of ${results.runs} fresh processes each, node ${results.node}\n`);
      console.log(coldTable(results));
    } finally {
      await closeDatabase();
      await scratch.drop();
    }
  }
}
