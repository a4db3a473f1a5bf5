import { eq, inArray, type SQL, sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { rateLimits } from "../../db/schema";
import { AppError } from "../../shared/errors";

export interface Limit {
  /** Attempts allowed per window. */
  max: number;
  windowSeconds: number;
}

/** One counter: attempts under `key`, allowed up to `limit`. */
export interface Counter {
  key: string;
  limit: Limit;
}

/** Failed sign-ins for one email from one IP: a success clears them. */
export const LOGIN_FAILURES: Limit = { max: 10, windowSeconds: 15 * 60 };
/** Failed sign-ins from one IP across every email (password spraying); a success does not clear them. */
export const LOGIN_FAILURES_PER_IP: Limit = { max: 30, windowSeconds: 15 * 60 };
export const REGISTRATIONS: Limit = { max: 5, windowSeconds: 60 * 60 };

function limited(retryAfter: number): AppError {
  return new AppError(
    "RATE_LIMITED",
    "Too many attempts; try again later",
    undefined,
    Math.max(1, Math.ceil(retryAfter)),
  );
}

/** Each row's window length, picked by its key, so one statement can serve counters with different windows. */
function windowOf(counters: readonly Counter[]): SQL {
  const seconds = sql.join(
    counters.map(({ key, limit }) => sql`when ${key} then ${limit.windowSeconds}::float8`),
    sql` `,
  );
  return sql`make_interval(secs => case ${rateLimits.key} ${seconds} end)`;
}

function retryAfterOf(window: SQL) {
  return sql<number>`extract(epoch from (${rateLimits.windowStart} + ${window} - now()))::float8`;
}

/** Rejects with the longest wait among the counters `isOver` says are used up. */
function rejectIfOver(
  counters: readonly Counter[],
  rows: readonly { key: string; hits: number; retryAfter: number }[],
  isOver: (row: { hits: number; retryAfter: number }, limit: Limit) => boolean,
): void {
  const waits = rows
    .filter((row) => {
      const counter = counters.find(({ key }) => key === row.key);
      return counter !== undefined && isOver(row, counter.limit);
    })
    .map((row) => row.retryAfter);
  if (waits.length > 0) throw limited(Math.max(...waits));
}

/**
 * Counts one attempt against every counter in a fixed window (one upsert for all of them) and
 * rejects it when any is past its limit. Postgres holds the counts, so every function instance
 * sees the same ones; an expired window starts again at 1, so no one is locked out for good.
 */
export async function consumeAll(db: Database, counters: readonly Counter[]): Promise<void> {
  const window = windowOf(counters);
  const expired = sql`${rateLimits.windowStart} < now() - ${window}`;
  const rows = await db
    .insert(rateLimits)
    .values(counters.map(({ key }) => ({ key, hits: 1, windowStart: sql`now()` })))
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        hits: sql`case when ${expired} then 1 else ${rateLimits.hits} + 1 end`,
        windowStart: sql`case when ${expired} then now() else ${rateLimits.windowStart} end`,
      },
    })
    .returning({ key: rateLimits.key, hits: rateLimits.hits, retryAfter: retryAfterOf(window) });
  rejectIfOver(counters, rows, (row, limit) => row.hits > limit.max);
}

/** {@link consumeAll} for one counter. */
export function consume(db: Database, key: string, limit: Limit): Promise<void> {
  return consumeAll(db, [{ key, limit }]);
}

/** Rejects when any counter has already used up its window, without counting this attempt (one statement). */
export async function checkAll(db: Database, counters: readonly Counter[]): Promise<void> {
  const rows = await db
    .select({ key: rateLimits.key, hits: rateLimits.hits, retryAfter: retryAfterOf(windowOf(counters)) })
    .from(rateLimits)
    .where(
      inArray(
        rateLimits.key,
        counters.map(({ key }) => key),
      ),
    );
  rejectIfOver(counters, rows, (row, limit) => row.retryAfter > 0 && row.hits >= limit.max);
}

export async function reset(db: Database, key: string): Promise<void> {
  await db.delete(rateLimits).where(eq(rateLimits.key, key));
}
