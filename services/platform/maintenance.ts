import { type ColumnsSelection, lt, or, sql } from "drizzle-orm";
import type { TypedQueryBuilder } from "drizzle-orm/query-builders/query-builder";
import type { Database } from "../../db/client";
import { events, idempotencyKeys, rateLimits, refreshTokens } from "../../db/schema";
import { globalJob } from "./jobs";

/** Rate-limit windows are at most hours long; a day-old window can only reset to zero. */
const RATE_LIMIT_RETENTION = "1 day";
/**
 * Spent refresh tokens are kept a week so that replaying a rotated token still revokes its family
 * (reuse detection) for that long; after it, the replay is still refused, just not traced.
 */
const REFRESH_TOKEN_RETENTION = "7 days";

/**
 * The event feed is for live updates: a front end that was away longer reloads what it shows rather
 * than replaying a week of changes, so a week of events is kept.
 */
const EVENT_RETENTION = "7 days";

export type PlatformCleanupResult = {
  rateLimitsDeleted: number;
  refreshTokensDeleted: number;
  idempotencyKeysDeleted: number;
  eventsDeleted: number;
};

/** Runs a delete (with `returning`) and counts what it removed, in one round trip: the delete in a CTE. */
async function countDeleted(db: Database, name: string, remove: TypedQueryBuilder<ColumnsSelection>) {
  const removed = db.$with(name).as(remove);
  const [row] = await db.with(removed).select({ count: sql<number>`count(*)::int` }).from(removed);
  return row?.count ?? 0;
}

/**
 * The daily platform clean-up: deletes stale rate-limit windows, dead refresh tokens, expired
 * idempotency keys (an expired key is reused by its next request anyway; this frees the rest) and
 * events past their retention, one statement each. Idempotent: a second run deletes nothing.
 */
async function cleanUp(db: Database): Promise<PlatformCleanupResult> {
  const tokenCutoff = sql`now() - ${REFRESH_TOKEN_RETENTION}::interval`;
  return {
    rateLimitsDeleted: await countDeleted(
      db,
      "stale_windows",
      db
        .delete(rateLimits)
        .where(lt(rateLimits.windowStart, sql`now() - ${RATE_LIMIT_RETENTION}::interval`))
        .returning({ key: rateLimits.key }),
    ),
    refreshTokensDeleted: await countDeleted(
      db,
      "dead_tokens",
      db
        .delete(refreshTokens)
        .where(
          or(
            lt(refreshTokens.expiresAt, tokenCutoff),
            lt(refreshTokens.revokedAt, tokenCutoff),
            lt(refreshTokens.spentAt, tokenCutoff),
          ),
        )
        .returning({ id: refreshTokens.id }),
    ),
    idempotencyKeysDeleted: await countDeleted(
      db,
      "expired_keys",
      db
        .delete(idempotencyKeys)
        .where(lt(idempotencyKeys.expiresAt, sql`now()`))
        .returning({ key: idempotencyKeys.key }),
    ),
    eventsDeleted: await countDeleted(
      db,
      "old_events",
      db
        .delete(events)
        .where(lt(events.createdAt, sql`now() - ${EVENT_RETENTION}::interval`))
        .returning({ seq: events.seq }),
    ),
  };
}

/** The daily `platform-cleanup` job. */
export const platformCleanup = globalJob("platform-cleanup", cleanUp);
