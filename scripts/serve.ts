/**
 * The local server behind `npm start` and the smoke test, with the database migrated and the
 * demo tenant seeded first. Two runtimes serve the functions:
 * - `local` (npm start): Netlify's own route table, read from each function's config by
 *   zip-it-and-ship-it as a deploy reads it, dispatching to the handlers in this process.
 *   Requests take milliseconds.
 * - `netlify` (npm run start:netlify, the smoke test): `@netlify/dev`, which bundles a function
 *   for every request and runs it in a fresh worker, as on Netlify; seconds per request here.
 * Both serve the files in public/ (Netlify's publish directory) where no function answers.
 */
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdir, readFile, stat } from "node:fs/promises";
import { createServer as createHttpServer, type IncomingMessage } from "node:http";
import { type AddressInfo, createServer } from "node:net";
import { dirname, extname, join, relative, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Context } from "@netlify/functions";
import type { Header } from "@netlify/headers-parser";
import { closeDatabase, connect, type DatabaseHandle, databaseUrl } from "../db/client";
import { type DemoCredentials, seedDemo } from "../db/seed";
import { copyDocsAssets } from "./docs-assets";

export const repoRoot = fileURLToPath(new URL("..", import.meta.url));
/** Where `npm start` and `npm run job` keep the embedded database when DATABASE_URL is unset. */
export const defaultDataDir = fileURLToPath(new URL("../.data/postgres", import.meta.url));

type Runtime = "local" | "netlify";

export interface ServerOptions {
  runtime?: Runtime;
  /** 0 picks a free port. */
  port?: number;
  /** The address to listen on; 127.0.0.1 unless told otherwise (`HOST`). */
  host?: string;
  /** The embedded database's directory when DATABASE_URL is unset; undefined uses a temporary one. */
  dataDir?: string;
  /** No progress lines and no Netlify dev logs (tests). */
  quiet?: boolean;
}

export interface RunningServer {
  url: string;
  /** The database the functions use: DATABASE_URL, or the embedded one started here. */
  databaseUrl: string;
  /** Whether the database is the embedded PostgreSQL started by this server. */
  embedded: boolean;
  demo: DemoCredentials;
  startupMs: number;
  stop(): Promise<void>;
}

interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

interface Lock {
  pid: number;
  url: string;
}

const lockPath = (dataDir: string) => `${dataDir}.lock`;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * The embedded database server holding `dataDir`, if a live process (npm start, npm run job)
 * has it open: it names the server's URL, so `npm run job` uses that server instead of starting
 * a second one on the same directory.
 */
function runningDatabase(dataDir: string): Lock | undefined {
  const path = lockPath(dataDir);
  if (!existsSync(path)) return undefined;
  try {
    const lock = JSON.parse(readFileSync(path, "utf8")) as Lock;
    return lock.pid !== process.pid && isAlive(lock.pid) ? lock : undefined;
  } catch {
    return undefined;
  }
}

function releaseLock(dataDir: string): void {
  try {
    const lock = JSON.parse(readFileSync(lockPath(dataDir), "utf8")) as Lock;
    if (lock.pid === process.pid) rmSync(lockPath(dataDir), { force: true });
  } catch {
    // No lock, or not readable: nothing of ours to release.
  }
}

/**
 * Starts PostgreSQL (scripts/dev/embedded-postgres.ts) on 127.0.0.1 and a free port, in `dataDir`
 * or in a temporary directory, and records it in `dataDir`'s lock for `npm run job`.
 */
async function startEmbeddedDatabase(dataDir?: string): Promise<EmbeddedDatabase> {
  if (dataDir) {
    const holder = runningDatabase(dataDir);
    if (holder) {
      throw new Error(
        `${dataDir} is in use by process ${holder.pid} (its server: ${holder.url}); stop it, or set DATABASE_URL=${holder.url}`,
      );
    }
    await mkdir(dirname(dataDir), { recursive: true });
  }
  const { startEmbeddedPostgres } = await import("./dev/embedded-postgres");
  const server = await startEmbeddedPostgres(dataDir);
  if (dataDir) writeFileSync(lockPath(dataDir), JSON.stringify({ pid: process.pid, url: server.url } satisfies Lock));
  return {
    url: server.url,
    async stop() {
      await server.stop();
      if (dataDir) releaseLock(dataDir);
    },
  };
}

/** A busy port is reported before the database starts and the functions load. */
async function assertPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE" ? new Error(`Port ${port} is in use; set PORT to another port`) : (error as Error),
      ),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/** The message of the 404 for paths no function claims (the smoke test tells it from a route's 404). */
export const UNMATCHED_MESSAGE = "No function serves";

const envelope = (status: number, code: string, message: string) =>
  Response.json({ error: { code, message } }, { status, headers: { "x-request-id": randomUUID() } });

type FunctionHandler = (request: Request) => Promise<Response | undefined>;

const functionsDir = join(repoRoot, "netlify", "functions");
/** Netlify's URL for invoking a function by name; only functions without a path (scheduled ones) answer there. */
const FUNCTION_URL = /^\/\.netlify\/functions\/([\w-]+)\/?$/;

const publishDir = join(repoRoot, "public");
const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

/** netlify.toml's `[[headers]]`, read by Netlify's own parser, as its CDN applies them to public/. */
async function staticHeaders(): Promise<Header[]> {
  const { parseAllHeaders } = await import("@netlify/headers-parser");
  const { headers, errors } = await parseAllHeaders({
    headersFiles: [],
    netlifyConfigPath: join(repoRoot, "netlify.toml"),
    configHeaders: undefined,
    minimal: false,
  });
  if (errors.length > 0) throw errors[0];
  return headers as Header[];
}

/**
 * A file of public/, as Netlify's CDN serves the publish directory, with netlify.toml's headers for
 * its path; `/` is index.html. Dot files and paths leaving public/ are not served.
 */
async function staticFile(request: Request, rules: Header[]): Promise<Response | undefined> {
  if (request.method !== "GET" && request.method !== "HEAD") return undefined;
  // The server answered a path that does not decode with 400 before it got here.
  const pathname = decodeURIComponent(new URL(request.url).pathname);
  const file = join(publishDir, pathname.endsWith("/") ? `${pathname}index.html` : pathname);
  const inside = relative(publishDir, file);
  if (!inside || inside.startsWith("..") || inside.split(sep).some((part) => part.startsWith("."))) return undefined;
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  const headers = new Headers({
    "content-type": contentTypes[extname(file)] ?? "application/octet-stream",
    "content-length": String(info.size),
    "cache-control": "public, max-age=0, must-revalidate",
  });
  for (const rule of rules.filter(({ forRegExp }) => forRegExp.test(pathname))) {
    for (const [name, value] of Object.entries(rule.values)) headers.set(name, value);
  }
  return new Response(request.method === "HEAD" ? null : await readFile(file), { headers });
}

/**
 * Routes requests as Netlify does, from the route table zip-it-and-ship-it reads out of each
 * function's `config` (literal paths and `:param` expressions), and calls the function's default
 * export in this process with `context.params`.
 */
async function localRuntime(): Promise<{ handle: FunctionHandler; stop(): Promise<void> }> {
  const { listFunctions } = await import("@netlify/zip-it-and-ship-it");
  const functions = await listFunctions([functionsDir], { basePath: repoRoot, parseISC: true });
  const rules = await staticHeaders();
  const routes = functions.flatMap((fn) =>
    (fn.routes ?? []).map((route) => ({
      fn,
      route,
      expression: "expression" in route && route.expression ? new RegExp(route.expression) : undefined,
      names: [...route.pattern.matchAll(/:(\w+)/g)].map((match) => match[1] ?? ""),
    })),
  );
  const load = (mainFile: string) =>
    import(pathToFileURL(mainFile).href) as Promise<{
      default: (request: Request, context: Context) => Promise<Response>;
    }>;
  const pending = new Set<Promise<unknown>>();
  const invoke = async (mainFile: string, request: Request, params: Record<string, string>) => {
    const context = {
      params,
      ip: "127.0.0.1",
      requestId: randomUUID(),
      waitUntil: (promise: Promise<unknown>) => {
        const tracked = promise.catch(() => {}).finally(() => pending.delete(tracked));
        pending.add(tracked);
      },
    } as unknown as Context;
    return (await load(mainFile)).default(request, context);
  };

  const handle: FunctionHandler = async (request) => {
    const { pathname } = new URL(request.url);
    const byName = FUNCTION_URL.exec(pathname);
    if (byName) {
      const fn = functions.find((candidate) => candidate.name === byName[1] && !candidate.routes?.length);
      return fn ? invoke(fn.mainFile, request, {}) : undefined;
    }
    for (const { fn, route, expression, names } of routes) {
      if (route.methods?.length && !route.methods.includes(request.method as never)) continue;
      if ("literal" in route && route.literal === pathname) return invoke(fn.mainFile, request, {});
      const match = expression?.exec(pathname);
      if (match) {
        const params = Object.fromEntries(
          names.map((name, index) => [name, decodeURIComponent(match[index + 1] ?? "")]),
        );
        return invoke(fn.mainFile, request, params);
      }
    }
    // Netlify serves the publish directory where no function's path matches.
    return staticFile(request, rules);
  };
  return { handle, stop: async () => void (await Promise.all(pending)) };
}

/** `@netlify/dev` with everything but functions switched off, so it runs offline. */
async function netlifyRuntime(
  quiet: boolean,
  serverAddress: () => string,
): Promise<{ handle: FunctionHandler; stop(): Promise<void> }> {
  const { NetlifyDev } = await import("@netlify/dev");
  const silent = () => {};
  const dev = new NetlifyDev({
    projectRoot: repoRoot,
    skipGitignore: true,
    // Offline and functions-only: no Deno for edge functions, no Netlify APIs.
    edgeFunctions: { enabled: false },
    images: { enabled: false },
    geolocation: { enabled: false },
    aiGateway: { enabled: false },
    // The database is ours (above), not Netlify dev's own copy in .netlify/db.
    database: { enabled: false },
    logger: quiet ? { log: silent, warn: silent, error: silent } : console,
  });
  await dev.start();
  return { handle: (request) => dev.handle(request, { serverAddress: serverAddress() }), stop: () => dev.stop() };
}

export async function startServer({
  port = 8888,
  host = "127.0.0.1",
  dataDir,
  quiet = false,
  runtime = "local",
}: ServerOptions = {}): Promise<RunningServer> {
  const started = performance.now();
  const progress = quiet ? () => {} : (message: string) => console.log(message);
  await assertPortFree(port, host);

  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse()) await step().catch(() => {});
  };

  try {
    let url = databaseUrl();
    let embedded = false;
    if (!url) {
      progress(`Starting the embedded database (${dataDir ?? "in a temporary directory"})...`);
      const database = await startEmbeddedDatabase(dataDir);
      cleanups.push(database.stop);
      url = database.url;
      embedded = true;
      // Function workers copy process.env when they start, so they all reach this server; in-process
      // functions reach it once the shared connection, if this process had one, is reopened.
      const previous = process.env.DATABASE_URL;
      process.env.DATABASE_URL = url;
      await closeDatabase();
      cleanups.push(async () => {
        await closeDatabase();
        if (previous === undefined) delete process.env.DATABASE_URL;
        else process.env.DATABASE_URL = previous;
      });
    }

    const handle = await connect(url);
    let demo: DemoCredentials;
    try {
      await handle.migrate();
      demo = await seedDemo(handle.db);
    } finally {
      await handle.close();
    }

    // /api/docs loads Scalar's bundle from public/vendor/, as on Netlify after `npm run build`.
    await copyDocsAssets();

    let serverAddress = "";
    const functions = runtime === "netlify" ? await netlifyRuntime(quiet, () => serverAddress) : await localRuntime();
    cleanups.push(functions.stop);

    const { toWebRequest, fromWebResponse } = await import("@netlify/dev-utils");
    const answer = async (incoming: IncomingMessage): Promise<Response> => {
      // An absolute-form target (`GET http://other.example/ HTTP/1.1`, a proxy's request) or `*`
      // names no path of this server.
      if (!incoming.url?.startsWith("/")) {
        return envelope(400, "VALIDATION_FAILED", "The request target must be a path, such as /api/health");
      }
      let request: Request;
      try {
        request = toWebRequest(incoming);
      } catch {
        return envelope(400, "VALIDATION_FAILED", "The request's Host header and path do not make a valid URL");
      }
      try {
        decodeURIComponent(new URL(request.url).pathname);
      } catch {
        return envelope(400, "VALIDATION_FAILED", "The request path has a malformed percent-encoding");
      }
      const response = await functions.handle(request);
      return (
        response ??
        envelope(404, "NOT_FOUND", `${UNMATCHED_MESSAGE} ${request.method} ${new URL(request.url).pathname}`)
      );
    };
    const http = createHttpServer(async (incoming, outgoing) => {
      let response: Response;
      try {
        response = await answer(incoming);
      } catch (error) {
        console.error(JSON.stringify({ level: "error", msg: "local runtime failed", error: String(error) }));
        response = envelope(500, "INTERNAL_ERROR", "The local runtime failed to handle this request");
      }
      // A client that went away mid-answer costs its own socket only.
      await fromWebResponse(response, outgoing).catch(() => outgoing.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(port, host, () => resolve());
    });
    const { address, port: boundPort } = http.address() as AddressInfo;
    serverAddress = `http://${address.includes(":") ? `[${address}]` : address}:${boundPort}`;
    cleanups.push(() => new Promise<void>((resolve) => http.close(() => resolve())));

    return {
      url: serverAddress,
      databaseUrl: url,
      embedded,
      demo,
      startupMs: Math.round(performance.now() - started),
      stop: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/**
 * The database a command-line script (`npm run job`, `npm run secrets:rotate`) works on:
 * DATABASE_URL; else the running `npm start`'s embedded one; else .data/postgres opened here and
 * migrated (it may predate the latest migration; a deployed one is migrated by the build).
 * `close()` also stops an embedded server started here.
 */
export async function openLocalDatabase(): Promise<{ db: DatabaseHandle["db"]; close(): Promise<void> }> {
  let url = databaseUrl();
  let embedded: EmbeddedDatabase | undefined;
  if (!url) {
    const running = runningDatabase(defaultDataDir);
    if (running) {
      console.error(`Using the database of the running npm start (pid ${running.pid}).`);
      url = running.url;
    } else {
      embedded = await startEmbeddedDatabase(defaultDataDir);
      url = embedded.url;
    }
  }
  const handle = await connect(url);
  if (embedded) await handle.migrate();
  return {
    db: handle.db,
    close: async () => {
      await handle.close();
      await embedded?.stop();
    },
  };
}
