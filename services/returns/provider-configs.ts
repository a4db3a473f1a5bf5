import { and, asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../../db/client";
import { providerConfigs } from "../../db/schema";
import type { ServiceContext, UserCaller } from "../../shared/context";
import { hintOf, mergeFields, openField, revealFields } from "../../shared/crypto/secrets";
import { conflict, isUniqueViolation, notFound } from "../../shared/errors";
import { toPage, totalCount } from "../../shared/pagination";
import { pageQuery, timestamp } from "../../shared/schemas";
import { recordAudit } from "../platform/audit";
import { configProvider } from "./session-schemas";

/**
 * A tenant's settings for a call provider (ElevenLabs, Tavus): `configData` is free-form, but its
 * secrets are sealed at rest with shared/crypto (AES-256-GCM) and only ever shown masked
 * ("••••abcd", as /api/settings does).
 *
 * Which keys are secrets: a top-level key of `configData` whose name, lowercased with `_` and `-`
 * removed, is or ends with `apikey`, `secret`, `token` or `password` — `apiKey`, `api_key`,
 * `secret`, `token`, `accessToken`, `webhook_secret`, `clientSecret`, `password`. A secret's value
 * must be a string. Secret-named keys nested deeper are refused (400) rather than stored in clear.
 */
const SECRET_SUFFIXES = ["apikey", "secret", "token", "password"];
export const isSecretKey = (key: string) => {
  const normalised = key.toLowerCase().replace(/[_-]/g, "");
  return SECRET_SUFFIXES.some((suffix) => normalised.endsWith(suffix));
};

function nestedSecretPaths(value: unknown, path: string[]): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => nestedSecretPaths(item, [...path, String(index)]));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, item]) =>
    isSecretKey(key) ? [[...path, key].join(".")] : nestedSecretPaths(item, [...path, key]),
  );
}

const MAX_CONFIG_BYTES = 32 * 1024;

/** `configData` as written: secrets are strings (or null to remove, on PATCH) at the top level. */
function configDataInput(allowNull: boolean) {
  return z
    .record(z.string().min(1).max(100), z.unknown())
    .superRefine((data, issue) => {
      if (JSON.stringify(data).length > MAX_CONFIG_BYTES) {
        issue.addIssue({ code: "custom", message: `At most ${MAX_CONFIG_BYTES} bytes of JSON` });
      }
      for (const [key, value] of Object.entries(data)) {
        if (value === null && allowNull) continue;
        if (isSecretKey(key)) {
          if (typeof value !== "string" || value.length === 0 || value.length > 4000) {
            issue.addIssue({ code: "custom", path: [key], message: "A secret must be a string of 1–4000 characters" });
          }
        } else {
          for (const path of nestedSecretPaths(value, [key])) {
            issue.addIssue({
              code: "custom",
              path: path.split("."),
              message: "Secrets (apiKey, secret, token, password…) belong at the top level of configData",
            });
          }
        }
      }
    })
    .describe(
      "Provider settings. Top-level keys named like apiKey, api_key, secret, token, accessToken or password " +
        "are secrets: encrypted at rest, write-only, shown masked.",
    );
}

const configName = z.string().trim().min(1).max(100);

export const createProviderConfigBody = z
  .object({
    provider: configProvider,
    configName,
    configData: configDataInput(false).default({}),
    isActive: z.boolean().default(true),
  })
  .strict();

export const updateProviderConfigBody = z
  .object({
    configName,
    configData: configDataInput(true).describe(
      "Merges key by key: a key left out is kept (secrets included), null removes it.",
    ),
    isActive: z.boolean(),
  })
  .partial()
  .strict()
  .refine((value) => Object.keys(value).length > 0, "Give at least one field to change");

export const listProviderConfigsQuery = pageQuery
  .extend({
    provider: configProvider.optional(),
    isActive: z
      .enum(["true", "false"])
      .transform((value) => value === "true")
      .optional(),
  })
  .strict();

export const providerConfig = z
  .object({
    id: z.uuid(),
    provider: configProvider,
    configName: z.string(),
    configData: z.record(z.string(), z.unknown()).describe("Secrets appear as a masked hint such as ••••abcd"),
    isActive: z.boolean(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: "ProviderConfig" });

type StoredData = Record<string, unknown>;

// Only keys named as secrets are revealed: a user-written object shaped like a sealed field under
// another key stays as it is.
const maskData = (data: unknown) => revealFields((data ?? {}) as StoredData, hintOf, isSecretKey);
/** Applies a write to the stored data: secrets sealed, null removes, omitted keys stay. */
const mergeData = (current: StoredData, change: Record<string, unknown>) => mergeFields(current, change, isSecretKey);

const storedColumns = {
  id: providerConfigs.id,
  provider: providerConfigs.provider,
  configName: providerConfigs.configName,
  configData: providerConfigs.configData,
  isActive: providerConfigs.isActive,
  createdAt: providerConfigs.createdAt,
  updatedAt: providerConfigs.updatedAt,
};
const view = <T extends { configData: unknown }>({ configData, ...row }: T) => ({
  ...row,
  configData: maskData(configData),
});

const duplicate = () => conflict("This provider already has a configuration with this name");

export async function listProviderConfigs(ctx: ServiceContext, query: z.infer<typeof listProviderConfigsQuery>) {
  const where = and(
    eq(providerConfigs.tenantId, ctx.caller.tenantId),
    query.provider ? eq(providerConfigs.provider, query.provider) : undefined,
    query.isActive === undefined ? undefined : eq(providerConfigs.isActive, query.isActive),
  );
  const rows = await ctx.db
    .select({ ...storedColumns, total: totalCount })
    .from(providerConfigs)
    .where(where)
    .orderBy(asc(providerConfigs.provider), asc(providerConfigs.configName), asc(providerConfigs.id))
    .limit(query.limit)
    .offset(query.offset);
  const page = await toPage(rows, query, () => ctx.db.$count(providerConfigs, where));
  return { ...page, items: page.items.map(view) };
}

export async function getProviderConfig(ctx: ServiceContext, id: string) {
  const [row] = await ctx.db
    .select(storedColumns)
    .from(providerConfigs)
    .where(and(eq(providerConfigs.tenantId, ctx.caller.tenantId), eq(providerConfigs.id, id)));
  if (!row) throw notFound("Provider config");
  return view(row);
}

/** The insert and its audit row in one transaction; the audit shows the masked view, never a secret. */
export async function createProviderConfig(
  ctx: ServiceContext<UserCaller>,
  input: z.infer<typeof createProviderConfigBody>,
) {
  const { tenantId } = ctx.caller;
  try {
    return await ctx.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(providerConfigs)
        .values({
          tenantId,
          provider: input.provider,
          configName: input.configName,
          configData: mergeData({}, input.configData),
          isActive: input.isActive,
        })
        .returning(storedColumns);
      if (!row) throw new Error("provider config insert returned no row");
      const after = view(row);
      await recordAudit(tx, ctx, tenantId, {
        action: "provider_config.created",
        entityType: "provider_config",
        entityId: row.id,
        after,
      });
      return after;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicate();
    throw error;
  }
}

async function lockConfig(tx: Database, tenantId: string, id: string) {
  const [row] = await tx
    .select(storedColumns)
    .from(providerConfigs)
    .where(and(eq(providerConfigs.tenantId, tenantId), eq(providerConfigs.id, id)))
    .for("update");
  if (!row) throw notFound("Provider config");
  return row;
}

/** Read under lock, merge, write, audit: one transaction. */
export async function updateProviderConfig(
  ctx: ServiceContext<UserCaller>,
  id: string,
  input: z.infer<typeof updateProviderConfigBody>,
) {
  const { tenantId } = ctx.caller;
  try {
    return await ctx.db.transaction(async (tx) => {
      const before = await lockConfig(tx, tenantId, id);
      const [row] = await tx
        .update(providerConfigs)
        .set({
          configName: input.configName,
          isActive: input.isActive,
          configData: input.configData ? mergeData(before.configData as StoredData, input.configData) : undefined,
          updatedAt: sql`now()`,
        })
        .where(and(eq(providerConfigs.tenantId, tenantId), eq(providerConfigs.id, id)))
        .returning(storedColumns);
      if (!row) throw notFound("Provider config");
      const after = view(row);
      await recordAudit(tx, ctx, tenantId, {
        action: "provider_config.updated",
        entityType: "provider_config",
        entityId: id,
        before: view(before),
        after,
      });
      return after;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicate();
    throw error;
  }
}

/** The delete (returning what it removed) and its audit row in one transaction. */
export async function deleteProviderConfig(ctx: ServiceContext<UserCaller>, id: string): Promise<void> {
  const { tenantId } = ctx.caller;
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .delete(providerConfigs)
      .where(and(eq(providerConfigs.tenantId, tenantId), eq(providerConfigs.id, id)))
      .returning(storedColumns);
    if (!row) throw notFound("Provider config");
    await recordAudit(tx, ctx, tenantId, {
      action: "provider_config.deleted",
      entityType: "provider_config",
      entityId: id,
      before: view(row),
    });
  });
}

/**
 * A config with its secrets decrypted, for the services that call ElevenLabs or Tavus. Never
 * returned by a route.
 */
export async function readProviderConfig(db: Database, tenantId: string, id: string) {
  const [row] = await db
    .select(storedColumns)
    .from(providerConfigs)
    .where(and(eq(providerConfigs.tenantId, tenantId), eq(providerConfigs.id, id)));
  if (!row) return undefined;
  return { ...row, configData: revealFields(row.configData as StoredData, openField, isSecretKey) };
}
