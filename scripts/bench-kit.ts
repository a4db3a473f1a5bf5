/**
 * What the benchmarks share: reading their settings, summarising their samples, the raw driver
 * they compare the routes with, and the plans of the statements a route sent.
 */
import type { PGlite } from "@electric-sql/pglite";
import type pg from "pg";
import type { DatabaseHandle } from "../db/client";

/** A benchmark's whole-number setting (an environment variable or a flag), or its default when unset. */
export function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const number = Number(value);
  if (!(Number.isInteger(number) && number > 0)) throw new Error(`${name} must be a positive integer, not ${value}`);
  return number;
}

/** The median of the samples (the mean of the middle two when their number is even); NaN for none. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

type Row = Record<string, unknown>;
type Query = (sql: string, params: unknown[]) => Promise<Row[]>;

/** The driver under Drizzle, used directly: one query per round trip, transactions as Drizzle runs them. */
export interface RawDriver {
  query: Query;
  transaction<T>(work: (query: Query) => Promise<T>): Promise<T>;
}

export function rawDriver(handle: DatabaseHandle): RawDriver {
  const client = (handle.db as any).$client;
  if (handle.driver === "pglite") {
    const pglite = client as PGlite;
    return {
      query: async (sql, params) => (await pglite.query<Row>(sql, params)).rows,
      transaction: (work) =>
        pglite.transaction((tx) => work(async (sql, params) => (await tx.query<Row>(sql, params)).rows)),
    };
  }
  // node-postgres, or Neon's Pool, which has the same interface.
  const pool = client as pg.Pool;
  return {
    query: async (sql, params) => (await pool.query(sql, params)).rows,
    async transaction(work) {
      const connection = await pool.connect();
      try {
        await connection.query("begin");
        const result = await work(async (sql, params) => (await connection.query(sql, params)).rows);
        await connection.query("commit");
        return result;
      } catch (error) {
        await connection.query("rollback");
        throw error;
      } finally {
        connection.release();
      }
    },
  };
}

interface Recorded {
  sql: string;
  params: unknown[];
}

/** Records the statements the shared Drizzle instance sends at the driver, while `start()`ed. */
export function statementTap(handle: DatabaseHandle) {
  const client = (handle.db as any).$client;
  const original = client.query;
  let log: Recorded[] | undefined;
  client.query = function (this: unknown, ...args: unknown[]) {
    // Drizzle passes (text or { text, rowMode }, params).
    const first = args[0] as string | { text: string };
    log?.push({ sql: typeof first === "string" ? first : first.text, params: (args[1] as unknown[]) ?? [] });
    return original.apply(this, args);
  };
  return {
    start: () => {
      log = [];
    },
    stop: (): Recorded[] => {
      const recorded = log ?? [];
      log = undefined;
      return recorded;
    },
    restore: () => {
      client.query = original;
    },
  };
}

/** The indexes a plan reads, and any table it scans whole, from EXPLAIN (FORMAT JSON). */
export function indexesIn(plan: unknown): string[] {
  const found = new Set<string>();
  const stack = [plan];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (Array.isArray(node)) stack.push(...node);
    else if (node && typeof node === "object") {
      const record = node as Record<string, unknown>;
      if (typeof record["Index Name"] === "string") found.add(`${record["Node Type"]} ${record["Index Name"]}`);
      if (record["Node Type"] === "Seq Scan") found.add(`Seq Scan ${record["Relation Name"]}`);
      stack.push(...Object.values(record));
    }
  }
  return [...found].sort();
}
