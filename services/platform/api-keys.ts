import { and, eq, isNull, sql } from "drizzle-orm";
import type { z } from "zod";
import { apiKeys } from "../../db/schema";
import { API_KEY_PREFIX } from "../../shared/auth/authenticate";
import { randomToken, sha256 } from "../../shared/auth/tokens";
import { shownColumns } from "../../shared/columns";
import type { ServiceContext, UserCaller } from "../../shared/context";
import { notFound } from "../../shared/errors";
import { listPage } from "../../shared/pagination";
import type { createApiKeyBody, listApiKeysQuery } from "./api-keys.schemas";
import { recordAudit } from "./audit";

/** What a caller may see of a key: never its hash. */
const columns = shownColumns(apiKeys, "keyHash");

/** The key is random, shown once and stored only as its SHA-256; `fd_` makes it recognisable to secret scanners. */
export async function createApiKey(ctx: ServiceContext<UserCaller>, input: z.infer<typeof createApiKeyBody>) {
  const key = `${API_KEY_PREFIX}${randomToken()}`;
  return ctx.db.transaction(async (tx) => {
    const [created] = await tx
      .insert(apiKeys)
      .values({
        tenantId: ctx.caller.tenantId,
        name: input.name,
        prefix: key.slice(0, 10),
        keyHash: sha256(key),
        scopes: input.scopes,
        createdBy: ctx.caller.userId,
        expiresAt: input.expiresAt,
      })
      .returning(columns);
    if (!created) throw new Error("api key insert returned no row");
    await recordAudit(tx, ctx, ctx.caller.tenantId, {
      action: "api_key.created",
      entityType: "api_key",
      entityId: created.id,
      after: created,
    });
    return { ...created, key };
  });
}

export async function listApiKeys(ctx: ServiceContext, query: z.infer<typeof listApiKeysQuery>) {
  const where = and(
    eq(apiKeys.tenantId, ctx.caller.tenantId),
    query.includeRevoked ? undefined : isNull(apiKeys.revokedAt),
  );
  return listPage(ctx.db, {
    table: apiKeys,
    columns: columns,
    where,
    sort: { by: [apiKeys.createdAt, apiKeys.id], direction: "desc" },
    page: query,
  });
}

/**
 * Revoking twice is harmless and audited once: only a key not yet revoked changes (a concurrent
 * revoke waits on the row and then matches nothing); a key of another tenant is not found.
 */
export async function revokeApiKey(ctx: ServiceContext<UserCaller>, id: string): Promise<void> {
  const ofCaller = and(eq(apiKeys.id, id), eq(apiKeys.tenantId, ctx.caller.tenantId));
  await ctx.db.transaction(async (tx) => {
    const [revoked] = await tx
      .update(apiKeys)
      .set({ revokedAt: sql`now()` })
      .where(and(ofCaller, isNull(apiKeys.revokedAt)))
      .returning(columns);
    if (revoked) {
      await recordAudit(tx, ctx, ctx.caller.tenantId, {
        action: "api_key.revoked",
        entityType: "api_key",
        entityId: id,
        after: revoked,
      });
      return;
    }
    const [existing] = await tx.select({ id: apiKeys.id }).from(apiKeys).where(ofCaller);
    if (!existing) throw notFound("API key");
  });
}
