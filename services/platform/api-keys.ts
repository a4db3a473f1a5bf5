import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import { apiKeys } from "../../db/schema";
import { API_KEY_PREFIX } from "../../shared/auth/authenticate";
import { randomToken, sha256 } from "../../shared/auth/tokens";
import type { ServiceContext, UserCaller } from "../../shared/context";
import { notFound } from "../../shared/errors";
import { listPage } from "../../shared/pagination";
import { pageQuery } from "../../shared/schemas";
import { recordAudit } from "./audit";
import { scope } from "./schemas";

export const createApiKeyBody = z.object({
  name: z.string().trim().min(1).max(100),
  scopes: z
    .array(scope)
    .min(1)
    .max(10)
    .transform((scopes) => [...new Set(scopes)]),
  expiresAt: z.coerce
    .date()
    .refine((date) => date.getTime() > Date.now(), "expiresAt must be in the future")
    .optional(),
});

export const apiKey = z
  .object({
    id: z.uuid(),
    name: z.string(),
    prefix: z.string().describe("The key's first characters, to tell keys apart"),
    scopes: z.array(scope),
    createdBy: z.uuid().nullable(),
    lastUsedAt: z.date().nullable(),
    expiresAt: z.date().nullable(),
    revokedAt: z.date().nullable(),
    createdAt: z.date(),
  })
  .meta({ id: "ApiKey" });

export const createdApiKey = apiKey
  .extend({ key: z.string().describe("The full key. It is shown only in this response; store it now.") })
  .meta({ id: "CreatedApiKey" });

export const listApiKeysQuery = pageQuery.extend({
  includeRevoked: z.stringbool().default(false),
});

const columns = {
  id: apiKeys.id,
  name: apiKeys.name,
  prefix: apiKeys.prefix,
  scopes: apiKeys.scopes,
  createdBy: apiKeys.createdBy,
  lastUsedAt: apiKeys.lastUsedAt,
  expiresAt: apiKeys.expiresAt,
  revokedAt: apiKeys.revokedAt,
  createdAt: apiKeys.createdAt,
};

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
    orderBy: [desc(apiKeys.createdAt), desc(apiKeys.id)],
    limit: query.limit,
    offset: query.offset,
  });
}

/** Revoking twice is harmless; a key of another tenant is not found. */
export async function revokeApiKey(ctx: ServiceContext<UserCaller>, id: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const [revoked] = await tx
      .update(apiKeys)
      .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, now())` })
      .where(and(eq(apiKeys.id, id), eq(apiKeys.tenantId, ctx.caller.tenantId)))
      .returning(columns);
    if (!revoked) throw notFound("API key");
    await recordAudit(tx, ctx, ctx.caller.tenantId, {
      action: "api_key.revoked",
      entityType: "api_key",
      entityId: id,
      after: revoked,
    });
  });
}
