import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "../../db/client";
import { events, idempotencyKeys, rateLimits, refreshTokens } from "../../db/schema";
import { registerTenant } from "../../scripts/dev/fixtures";
import { platformCleanup } from "../../services/platform/maintenance";
import { sha256 } from "../../shared/auth/tokens";

const deadline = () => Date.now() + 25_000;

describe("the platform-cleanup job", () => {
  it("deletes refresh tokens a week past expiry, revocation or use, expired idempotency keys, events past a week, keeps live ones, and is idempotent", async () => {
    const db = await getDb();
    const owner = await registerTenant("cleanup");
    const live = sha256(owner.refreshToken);
    const weekAgo = sql`now() - interval '8 days'`;
    const old = { tenantId: owner.tenantId, userId: owner.userId, familyId: crypto.randomUUID() };
    const inserted = await db
      .insert(refreshTokens)
      .values([
        { ...old, tokenHash: "cleanup-expired", expiresAt: weekAgo },
        { ...old, tokenHash: "cleanup-revoked", expiresAt: sql`now() + interval '1 day'`, revokedAt: weekAgo },
        { ...old, tokenHash: "cleanup-spent", expiresAt: sql`now() + interval '1 day'`, spentAt: weekAgo },
        { ...old, tokenHash: "cleanup-spent-today", expiresAt: sql`now() + interval '1 day'`, spentAt: sql`now()` },
      ])
      .returning({ tokenHash: refreshTokens.tokenHash });
    expect(inserted).toHaveLength(4);
    await db.insert(rateLimits).values({ key: "cleanup:stale", hits: 3, windowStart: weekAgo });
    const key = { tenantId: owner.tenantId, operation: "POST /api/orders", requestHash: "x" };
    await db.insert(idempotencyKeys).values([
      { ...key, key: "cleanup-expired", expiresAt: sql`now() - interval '1 second'` },
      { ...key, key: "cleanup-live", expiresAt: sql`now() + interval '1 day'` },
    ]);

    const event = { tenantId: owner.tenantId, type: "message:new", resourceType: "message", payload: {} };
    await db.insert(events).values([
      { ...event, seq: 1, resourceId: "cleanup-old", createdAt: sql`now() - interval '8 days'` },
      { ...event, seq: 2, resourceId: "cleanup-recent", createdAt: sql`now() - interval '6 days'` },
    ]);

    const first = await platformCleanup.run(db, { deadline: deadline() });
    expect(first.refreshTokensDeleted).toBeGreaterThanOrEqual(3);
    expect(first.rateLimitsDeleted).toBeGreaterThanOrEqual(1);
    expect(first.idempotencyKeysDeleted).toBeGreaterThanOrEqual(1);
    expect(first.eventsDeleted).toBeGreaterThanOrEqual(1);

    const left = await db
      .select({ tokenHash: refreshTokens.tokenHash })
      .from(refreshTokens)
      .where(eq(refreshTokens.userId, owner.userId));
    expect(left.map(({ tokenHash }) => tokenHash).sort()).toEqual(["cleanup-spent-today", live].sort());
    expect(await db.select().from(rateLimits).where(eq(rateLimits.key, "cleanup:stale"))).toEqual([]);
    const keysLeft = await db
      .select({ key: idempotencyKeys.key })
      .from(idempotencyKeys)
      .where(eq(idempotencyKeys.tenantId, owner.tenantId));
    expect(keysLeft).toEqual([{ key: "cleanup-live" }]);
    const eventsLeft = await db
      .select({ resourceId: events.resourceId })
      .from(events)
      .where(eq(events.tenantId, owner.tenantId));
    expect(eventsLeft).toEqual([{ resourceId: "cleanup-recent" }]);

    const second = await platformCleanup.run(db, { deadline: deadline() });
    expect(second).toEqual({
      rateLimitsDeleted: 0,
      refreshTokensDeleted: 0,
      idempotencyKeysDeleted: 0,
      eventsDeleted: 0,
    });
  });
});
