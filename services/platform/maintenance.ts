import { lt, or, sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { idempotencyKeys, rateLimits, refreshTokens } from "../../db/schema";
import { globalJob } from "./jobs";

/** Rate-limit windows are at most hours long; a day-old window can only reset to zero. */
const RATE_LIMIT_RETENTION = "1 day";
/**
 * Spent refresh tokens are kept a week so that replaying a rotated token still revokes its family
 * (reuse detection) for that long; after it, the replay is still refused, just not traced.
 */
const REFRESH_TOKEN_RETENTION = "7 days";

export type PlatformCleanupResult = {
  rateLimitsDeleted: number;
  refreshTokensDeleted: number;
  idempotencyKeysDeleted: number;
};

/**
 * The daily platform clean-up: deletes stale rate-limit windows, dead refresh tokens and expired
 * idempotency keys (an expired key is reused by its next request anyway; this frees the rest), one
 * statement each (a delete in a CTE, counted in the same round trip). Idempotent: a second run
 * deletes nothing.
 */
async function cleanUp(db: Database): Promise<PlatformCleanupResult> {
  const staleWindows = db.$with("stale_windows").as(
    db
      .delete(rateLimits)
      .where(lt(rateLimits.windowStart, sql`now() - ${RATE_LIMIT_RETENTION}::interval`))
      .returning({ key: rateLimits.key }),
  );
  const [windows] = await db.with(staleWindows).select({ count: sql<number>`count(*)::int` }).from(staleWindows);

  const cutoff = sql`now() - ${REFRESH_TOKEN_RETENTION}::interval`;
  const deadTokens = db.$with("dead_tokens").as(
    db
      .delete(refreshTokens)
      .where(
        or(lt(refreshTokens.expiresAt, cutoff), lt(refreshTokens.revokedAt, cutoff), lt(refreshTokens.spentAt, cutoff)),
      )
      .returning({ id: refreshTokens.id }),
  );
  const [tokens] = await db.with(deadTokens).select({ count: sql<number>`count(*)::int` }).from(deadTokens);

  const expiredKeys = db
    .$with("expired_keys")
    .as(
      db
        .delete(idempotencyKeys)
        .where(lt(idempotencyKeys.expiresAt, sql`now()`))
        .returning({ key: idempotencyKeys.key }),
    );
  const [keys] = await db.with(expiredKeys).select({ count: sql<number>`count(*)::int` }).from(expiredKeys);

  return {
    rateLimitsDeleted: windows?.count ?? 0,
    refreshTokensDeleted: tokens?.count ?? 0,
    idempotencyKeysDeleted: keys?.count ?? 0,
  };
}

/** The daily `platform-cleanup` job. */
export const platformCleanup = globalJob("platform-cleanup", cleanUp);
