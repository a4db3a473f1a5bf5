import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { Logger } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { logError } from "../shared/log";
import * as schema from "./schema";

type Schema = typeof schema;
/** What every service is typed against: the same code runs on PGlite, node-postgres and Neon. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type DriverName = "pglite" | "node-postgres" | "neon-serverless";

export interface DatabaseHandle {
  db: Database;
  driver: DriverName;
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));

/**
 * Counts the statements Drizzle sends. Round trips are the cost on Neon, so tests and the
 * benchmark read this to hold each read to one statement and each write to one transaction.
 */
export const statementCounter = { count: 0 };
const countingLogger: Logger = {
  logQuery() {
    statementCounter.count++;
  },
};
/** Drizzle's options for every driver: the schema, snake_case columns, the statement counter. */
export const drizzleConfig = { schema, casing: "snake_case" as const, logger: countingLogger };

/** Netlify DB names its database NETLIFY_DATABASE_URL; DATABASE_URL wins when both are set. */
export function databaseUrl(): string | undefined {
  return process.env.DATABASE_URL || process.env.NETLIFY_DATABASE_URL || undefined;
}

export function driverFor(url: string | undefined): DriverName {
  if (!url) return "pglite";
  // NEON_WS_PROXY routes the production driver to any Postgres through a WebSocket proxy (CI).
  if (process.env.NEON_WS_PROXY) return "neon-serverless";
  return new URL(url).hostname.endsWith(".neon.tech") ? "neon-serverless" : "node-postgres";
}

/** Servers that accept any user (Netlify DB's local emulation) hand out URLs without one. */
function withDefaultUser(url: string): string {
  const parsed = new URL(url);
  if (!parsed.username) parsed.username = "postgres";
  return parsed.toString();
}

/**
 * A pooled connection the server drops while idle (Neon suspending compute, a restart) is
 * reported on the pool; without a listener that event would crash the process. The pool
 * discards the connection and opens a new one on next use.
 */
function logIdleClientError(error: Error): void {
  logError({ msg: "database connection lost", error });
}

/** Opens an in-process database; see useEmbeddedDatabase. */
export type EmbeddedConnector = () => Promise<DatabaseHandle>;
let embedded: EmbeddedConnector | undefined;

/**
 * Installs the database `connect()` opens when no URL is set. Production has none, so a deployed
 * function without DATABASE_URL fails with a clear error instead of a database nobody sees. The
 * test workers and local scripts install in-process PGlite (scripts/dev/embedded-database.ts),
 * which lives outside the functions' import graph and so never reaches a bundle.
 */
export function useEmbeddedDatabase(connector: EmbeddedConnector | undefined): void {
  embedded = connector;
}

export async function connect(url = databaseUrl()): Promise<DatabaseHandle> {
  if (!url) {
    if (embedded) return embedded();
    throw new Error(
      "No database configured: set DATABASE_URL (or NETLIFY_DATABASE_URL). " +
        "An in-process database exists only in tests and local scripts (scripts/dev/embedded-database.ts).",
    );
  }
  const driver = driverFor(url);
  if (driver === "neon-serverless") {
    const [{ Pool, neonConfig }, { drizzle }, { migrate }, { default: ws }] = await Promise.all([
      import("@neondatabase/serverless"),
      import("drizzle-orm/neon-serverless"),
      import("drizzle-orm/neon-serverless/migrator"),
      import("ws"),
    ]);
    neonConfig.webSocketConstructor = ws;
    const proxy = process.env.NEON_WS_PROXY;
    if (proxy) {
      neonConfig.wsProxy = (host, port) => `${proxy}/v2?address=${host}:${port}`;
      neonConfig.useSecureWebSocket = false;
      neonConfig.pipelineConnect = false;
      neonConfig.pipelineTLS = false;
    }
    // Neon's default write coalescing adds a tick of latency to every round trip.
    neonConfig.coalesceWrites = false;
    const pool = new Pool({ connectionString: url });
    pool.on("error", logIdleClientError);
    const db = drizzle({ client: pool, ...drizzleConfig });
    return { db, driver, migrate: () => migrate(db, { migrationsFolder }), close: () => pool.end() };
  }
  const [{ default: pg }, { drizzle }, { migrate }] = await Promise.all([
    import("pg"),
    import("drizzle-orm/node-postgres"),
    import("drizzle-orm/node-postgres/migrator"),
  ]);
  // A function instance serves one request at a time; a small pool keeps transactions concurrent.
  const pool = new pg.Pool({ connectionString: withDefaultUser(url), max: Number(process.env.DATABASE_POOL_MAX ?? 5) });
  pool.on("error", logIdleClientError);
  const db = drizzle({ client: pool, ...drizzleConfig });
  return { db, driver, migrate: () => migrate(db, { migrationsFolder }), close: () => pool.end() };
}

/**
 * A statement built once per database and run as a named prepared statement: a hot read skips
 * Drizzle's query building on every call, and Postgres parses and plans it once per connection
 * (node-postgres and Neon send the name; Neon's pooler keeps protocol-level prepared statements;
 * PGlite ignores it). Build it with `sql.placeholder` for the values, and `.prepare(name)` with a
 * name no other statement uses.
 */
export function preparedStatement<T>(build: (db: Database) => T): (db: Database) => T {
  const byDatabase = new WeakMap<Database, T>();
  return (db) => {
    let statement = byDatabase.get(db);
    if (statement === undefined) {
      statement = build(db);
      byDatabase.set(db, statement);
    }
    return statement;
  };
}

/** A query Drizzle can build and prepare under a name (a select, before it runs). */
interface Preparable<T> {
  toSQL(): { sql: string };
  prepare(name: string): { execute(): Promise<T> };
}

const statementNames = new Map<string, string>();

/**
 * Runs a query built per request as a named prepared statement, named after its text: its values
 * are parameters, so a list's text depends only on its shape (filters present, sort, cursor or
 * offset) and few names exist. Postgres then parses it once per connection and may settle on a
 * generic plan instead of planning every request. node-postgres refuses one name for two texts,
 * hence a digest of the text; PGlite ignores names.
 */
export function executeNamed<T>(query: Preparable<T>): Promise<T> {
  const text = query.toSQL().sql;
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `q_${createHash("sha1").update(text).digest("hex")}`;
    statementNames.set(text, name);
  }
  return query.prepare(name).execute();
}

let shared: Promise<DatabaseHandle> | undefined;

/** The process-wide connection, opened on first use and kept across warm invocations. */
export function getDatabase(): Promise<DatabaseHandle> {
  shared ??= connect();
  return shared;
}

export async function getDb(): Promise<Database> {
  return (await getDatabase()).db;
}

/** Closes the shared connection (tests, scripts); the next getDb() opens a new one. */
export async function closeDatabase(): Promise<void> {
  const handle = shared;
  shared = undefined;
  if (handle) await (await handle).close();
}
