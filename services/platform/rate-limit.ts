import { eq, sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { rateLimits } from "../../db/schema";
import { AppError } from "../../shared/errors";

export interface Limit {
  /** Attempts allowed per window. */
  max: number;
  windowSeconds: number;
}

export const LOGIN_FAILURES: Limit = { max: 10, windowSeconds: 15 * 60 };
export const REGISTRATIONS: Limit = { max: 5, windowSeconds: 60 * 60 };

function limited(retryAfter: number): AppError {
  return new AppError(
    "RATE_LIMITED",
    "Too many attempts; try again later",
    undefined,
    Math.max(1, Math.ceil(retryAfter)),
  );
}

/**
 * Counts one attempt against `key` in a fixed window (one upsert) and rejects it past the limit.
 * Postgres holds the counter, so every function instance sees the same count.
 */
export async function consume(db: Database, key: string, limit: Limit): Promise<void> {
  const window = sql`make_interval(secs => ${limit.windowSeconds})`;
  const expired = sql`${rateLimits.windowStart} < now() - ${window}`;
  const [row] = await db
    .insert(rateLimits)
    .values({ key, hits: 1, windowStart: sql`now()` })
    .onConflictDoUpdate({
      target: rateLimits.key,
      set: {
        hits: sql`case when ${expired} then 1 else ${rateLimits.hits} + 1 end`,
        windowStart: sql`case when ${expired} then now() else ${rateLimits.windowStart} end`,
      },
    })
    .returning({
      hits: rateLimits.hits,
      retryAfter: sql<number>`extract(epoch from (${rateLimits.windowStart} + ${window} - now()))::float8`,
    });
  if (row && row.hits > limit.max) throw limited(row.retryAfter);
}

/** Rejects when `key` has already used up its window, without counting this attempt. */
export async function check(db: Database, key: string, limit: Limit): Promise<void> {
  const [row] = await db
    .select({
      hits: rateLimits.hits,
      retryAfter: sql<number>`extract(epoch from (${rateLimits.windowStart} + make_interval(secs => ${limit.windowSeconds}) - now()))::float8`,
    })
    .from(rateLimits)
    .where(eq(rateLimits.key, key));
  if (row && row.retryAfter > 0 && row.hits >= limit.max) throw limited(row.retryAfter);
}

export async function reset(db: Database, key: string): Promise<void> {
  await db.delete(rateLimits).where(eq(rateLimits.key, key));
}
