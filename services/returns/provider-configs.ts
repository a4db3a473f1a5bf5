import type { z } from "zod";
import type { Database } from "../../db/client";
import { CONFIG_PROVIDERS } from "../../db/schema";
import type { ServiceContext, UserCaller } from "../../shared/context";
import { conflict, isUniqueViolation, notFound } from "../../shared/errors";
import { recordAudit } from "../platform/audit";
import {
  type Credential,
  createCredential,
  deleteCredential,
  findCredentials,
  listCredentials,
  openCredential,
  updateCredential,
} from "../platform/credentials";
import {
  type createProviderConfigBody,
  isSecretKey,
  type listProviderConfigsQuery,
  type updateProviderConfigBody,
} from "./provider-configs.schemas";

/**
 * Provider configs are the tenant's credentials of the call-provider kinds (CONFIG_PROVIDERS) in the
 * platform's credentials store: `provider` is the kind, `configName` the name, `configData` the
 * fields, secrets (`isSecretKey`) sealed and shown masked. An id of another kind is unknown here.
 */
const ofConfigs = { kind: CONFIG_PROVIDERS };

type Provider = (typeof CONFIG_PROVIDERS)[number];
const view = ({ id, kind, name, data, isActive, createdAt, updatedAt }: Credential) => ({
  id,
  provider: kind as Provider,
  configName: name,
  configData: data,
  isActive,
  createdAt,
  updatedAt,
});

const duplicate = () => conflict("This provider already has a configuration with this name");
const missing = () => notFound("Provider config");

export async function listProviderConfigs(ctx: ServiceContext, query: z.infer<typeof listProviderConfigsQuery>) {
  const page = await listCredentials(
    ctx.db,
    ctx.caller.tenantId,
    { kind: query.provider ?? CONFIG_PROVIDERS, isActive: query.isActive },
    query,
  );
  return { ...page, items: page.items.map(view) };
}

export async function getProviderConfig(ctx: ServiceContext, id: string) {
  const [found] = await findCredentials(ctx.db, ctx.caller.tenantId, { ...ofConfigs, id });
  if (!found) throw missing();
  return view(found);
}

/** The insert and its audit row in one transaction; the audit shows the masked view, never a secret. */
export async function createProviderConfig(
  ctx: ServiceContext<UserCaller>,
  input: z.infer<typeof createProviderConfigBody>,
) {
  const { tenantId } = ctx.caller;
  try {
    return await ctx.db.transaction(async (tx) => {
      const created = await createCredential(
        tx,
        tenantId,
        { kind: input.provider, name: input.configName, data: input.configData, isActive: input.isActive },
        isSecretKey,
      );
      const after = view(created);
      await recordAudit(tx, ctx, tenantId, {
        action: "provider_config.created",
        entityType: "provider_config",
        entityId: created.id,
        after,
      });
      return after;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicate();
    throw error;
  }
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
      const changed = await updateCredential(
        tx,
        tenantId,
        { ...ofConfigs, id },
        { name: input.configName, isActive: input.isActive, data: input.configData },
        isSecretKey,
      );
      if (!changed) throw missing();
      const after = view(changed.after);
      await recordAudit(tx, ctx, tenantId, {
        action: "provider_config.updated",
        entityType: "provider_config",
        entityId: id,
        before: view(changed.before),
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
    const removed = await deleteCredential(tx, tenantId, { ...ofConfigs, id });
    if (!removed) throw missing();
    await recordAudit(tx, ctx, tenantId, {
      action: "provider_config.deleted",
      entityType: "provider_config",
      entityId: id,
      before: view(removed),
    });
  });
}

/**
 * A config with its secrets opened, for the services that call ElevenLabs or Tavus. Never
 * returned by a route.
 */
export async function readProviderConfig(db: Database, tenantId: string, id: string) {
  const opened = await openCredential(db, tenantId, { ...ofConfigs, id });
  return opened ? view(opened) : undefined;
}
