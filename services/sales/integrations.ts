import { and, eq, type SQL, sql } from "drizzle-orm";
import type { z } from "zod";
import { credentials, integrations } from "../../db/schema";
import { shownColumns } from "../../shared/columns";
import type { ServiceContext } from "../../shared/context";
import type { SealedField } from "../../shared/crypto/secrets";
import { conflictOn, notFound, unprocessable } from "../../shared/errors";
import { correlated, listPage } from "../../shared/pagination";
import { deleteCredential, type Fields, maskedSecrets, saveCredential } from "../platform/credentials";
import type { listIntegrationsQuery, saveIntegrationBody, updateIntegrationBody } from "./integrations.schemas";

/**
 * The business's integrations (spec 001). An integration's secrets live in the platform's
 * credentials store (kind `integration`, named by the integration's id), every field of it sealed;
 * each read joins the credential into the integration's own statement and shows its masked hints.
 * A write of an integration and its secrets is one transaction, and so is a delete of both.
 */

const CREDENTIAL_KIND = "integration";
/** Every field of an integration's credential is a secret: its plain settings are the row's `config`. */
const ALL_SECRET = () => true;

/** The integration's credential's sealed fields, read in the integration's statement. */
const storedSecrets = correlated(sql<Record<string, SealedField> | null>`(
  select ${credentials.secrets} from ${credentials}
  where ${credentials.tenantId} = ${integrations.tenantId} and ${credentials.kind} = ${CREDENTIAL_KIND}
    and ${credentials.name} = ${integrations.id}::text)`).as("stored_secrets");

const columns = { ...shownColumns(integrations), storedSecrets };
type Row = Omit<typeof integrations.$inferSelect, "tenantId"> & { storedSecrets: Record<string, SealedField> | null };

/** An integration as answered: its secrets as hints (`written`: those a write just stored). */
function view({ storedSecrets: stored, ...row }: Row, written?: Fields) {
  return { ...row, secrets: written ?? maskedSecrets(stored) };
}

const missing = () => notFound("Integration");
const NAME_TAKEN = { integrations_tenantId_name_unique: "Another integration of this business has that name" };
const ofTenant = (tenantId: string, id: string): SQL =>
  and(eq(integrations.tenantId, tenantId), eq(integrations.id, id))!;

type SecretsChange = z.infer<typeof updateIntegrationBody>["secrets"];

/**
 * Stores the secrets a write names (a string seals one, null removes it; null for all removes the
 * credential), returning every stored secret's hint; undefined when the write names none.
 */
async function writeSecrets(db: ServiceContext["db"], tenantId: string, integrationId: string, change: SecretsChange) {
  if (change === undefined) return undefined;
  const saved = await saveCredential(db, tenantId, { kind: CREDENTIAL_KIND, name: integrationId }, change, ALL_SECRET);
  return saved?.data ?? {};
}

/** By name, one page and its total and each one's secret hints in one statement. */
export async function listIntegrations(ctx: ServiceContext, query: z.infer<typeof listIntegrationsQuery>) {
  const page = await listPage(ctx.db, {
    table: integrations,
    columns,
    where: and(
      eq(integrations.tenantId, ctx.caller.tenantId),
      query.type ? eq(integrations.type, query.type) : undefined,
      query.status ? eq(integrations.status, query.status) : undefined,
    ),
    // The (tenant_id, name) unique index serves it; a business has a handful.
    sort: { by: [integrations.name, integrations.id], direction: "asc" },
    page: query,
  });
  return { ...page, items: page.items.map((row) => view(row)) };
}

export async function getIntegration(ctx: ServiceContext, id: string) {
  const [row] = await ctx.db.select(columns).from(integrations).where(ofTenant(ctx.caller.tenantId, id));
  if (!row) throw missing();
  return view(row);
}

/**
 * Spec 001's "create/update integration", by name: the row is inserted, or the tenant's one of that
 * name gets the fields given (one upsert, so concurrent saves of a name make one integration), then
 * its secrets are written; one transaction. Without `type`, only an existing integration is updated
 * (a new one needs a type: 422). `created` says which happened.
 */
export async function saveIntegration(ctx: ServiceContext, input: z.infer<typeof saveIntegrationBody>) {
  const { tenantId } = ctx.caller;
  const { name, secrets, type, ...given } = input;
  return ctx.db.transaction(async (tx) => {
    const [row] =
      type === undefined
        ? await tx
            .update(integrations)
            .set({ ...given, updatedAt: sql`now()` })
            .where(and(eq(integrations.tenantId, tenantId), eq(integrations.name, name)))
            .returning({ ...columns, created: sql<boolean>`false` })
        : await tx
            .insert(integrations)
            .values({ ...given, tenantId, name, type })
            .onConflictDoUpdate({
              target: [integrations.tenantId, integrations.name],
              set: { ...given, type, updatedAt: sql`now()` },
            })
            // xmax is 0 on a row this statement inserted, and set on one it updated.
            .returning({ ...columns, created: sql<boolean>`(xmax = 0)` });
    if (!row) throw unprocessable("No integration of this business has that name: give its type to create it");
    const { created, ...saved } = row;
    return { created, integration: view(saved, await writeSecrets(tx, tenantId, saved.id, secrets)) };
  });
}

/** The row and then, when the body names secrets, its credential: one transaction. */
export async function updateIntegration(ctx: ServiceContext, id: string, input: z.infer<typeof updateIntegrationBody>) {
  const { tenantId } = ctx.caller;
  const { secrets, ...fields } = input;
  return conflictOn(
    ctx.db.transaction(async (tx) => {
      const [row] = await tx
        .update(integrations)
        .set({ ...fields, updatedAt: sql`now()` })
        .where(ofTenant(tenantId, id))
        .returning(columns);
      if (!row) throw missing();
      return view(row, await writeSecrets(tx, tenantId, id, secrets));
    }),
    NAME_TAKEN,
  );
}

/** Deletes an integration and its credential in one transaction. */
export async function deleteIntegration(ctx: ServiceContext, id: string): Promise<void> {
  const { tenantId } = ctx.caller;
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx.delete(integrations).where(ofTenant(tenantId, id)).returning({ id: integrations.id });
    if (!row) throw missing();
    await deleteCredential(tx, tenantId, { kind: CREDENTIAL_KIND, name: id });
  });
}
