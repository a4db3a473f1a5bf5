import { and, asc, eq, gt, inArray, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../../db/client";
import { credentials } from "../../db/schema";
import type { Page } from "../../shared/context";
import {
  currentKeyId,
  isSealedField,
  openSecret,
  resealSecret,
  type SealedField,
  sealSecret,
} from "../../shared/crypto/secrets";
import { listPage, type PageQuery } from "../../shared/pagination";

/**
 * The platform's credentials store (DESIGN §1, §3): every provider credential of a tenant, whichever
 * module uses it, is one row of `credentials`, found by its kind and name.
 *
 * A credential's fields are plain or secret. Which ones are secret is the writer's rule
 * (`SecretKeys`); a secret is written as a string, sealed at once (AES-256-GCM under ENCRYPTION_KEY,
 * the key's id kept beside it; see `resealCredentials`), and never read back by a route: reads show
 * a masked hint ("••••abcd") in its place. Writes merge field by field, in SQL, so two writers never
 * lose each other's fields: a value sets a field, null removes it, a field left out is kept (a secret
 * included). Only `openCredential(s)` opens secrets, for a service about to call the provider; what
 * they return must never reach a response.
 *
 * Kinds are an open set; each module names its own and documents them where it does:
 * - a settings section's name (`retellConfig`, `whatsappConfig`, `webhookConfig`; see
 *   db/schema/settings-section.ts), one credential per tenant named `default`;
 * - returns' call providers (`elevenlabs`, `tavus`; db/schema/returns.ts), named by the tenant.
 * A module reads only the kinds it names, so another module's credential is unknown to it (a 404).
 */

/** A kind: camelCase or lower case, with `.`, `_` or `-` between words (`retellConfig`, `whatsapp.channel`). */
const credentialKind = z
  .string()
  .max(64)
  .regex(/^[a-z][A-Za-z0-9]*(?:[._-][A-Za-z0-9]+)*$/, "A kind such as retellConfig or whatsapp.channel");

/** The name of a kind's only credential when a tenant has one (a settings section). */
export const DEFAULT_NAME = "default";

export type Fields = Record<string, unknown>;

/** Which top-level fields of a write are secrets: their names, or a rule on the name. */
export type SecretKeys = readonly string[] | ((key: string) => boolean);

/** A credential as reads show it (`data`: plain fields, and a masked hint for each secret), or opened. */
export interface Credential {
  id: string;
  kind: string;
  name: string;
  data: Fields;
  isActive: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** Which of a tenant's credentials: always of the kinds named (one or several), and optionally narrower. */
export interface CredentialFilter {
  kind: string | readonly string[];
  id?: string;
  name?: string;
  isActive?: boolean;
}

/** One credential: by id among the kinds named, or by kind and name (`default` when left out). */
export type CredentialRef = { kind: string | readonly string[]; id: string } | { kind: string; name?: string };

const columns = {
  id: credentials.id,
  kind: credentials.kind,
  name: credentials.name,
  data: credentials.data,
  secrets: credentials.secrets,
  isActive: credentials.isActive,
  createdAt: credentials.createdAt,
  updatedAt: credentials.updatedAt,
};
type Row = { [K in keyof typeof columns]: (typeof columns)[K]["_"]["data"] };

const kindsOf = (kind: string | readonly string[]): readonly string[] => (typeof kind === "string" ? [kind] : kind);

function matching(tenantId: string | undefined, filter: CredentialFilter): SQL {
  const kinds = kindsOf(filter.kind);
  return and(
    tenantId === undefined ? undefined : eq(credentials.tenantId, tenantId),
    kinds.length === 1 ? eq(credentials.kind, kinds[0]!) : inArray(credentials.kind, [...kinds]),
    filter.id === undefined ? undefined : eq(credentials.id, filter.id),
    filter.name === undefined ? undefined : eq(credentials.name, filter.name),
    filter.isActive === undefined ? undefined : eq(credentials.isActive, filter.isActive),
  )!;
}

const refFilter = (ref: CredentialRef): CredentialFilter =>
  "id" in ref ? ref : { kind: ref.kind, name: ref.name ?? DEFAULT_NAME };

const revealAll = (secrets: Record<string, SealedField> | null, reveal: (field: SealedField) => string): Fields =>
  Object.fromEntries(
    Object.entries(secrets ?? {}).map(([key, field]) => [key, isSealedField(field) ? reveal(field) : "••••"]),
  );

function view(row: Row, reveal: (field: SealedField) => string): Credential {
  const { secrets, data, ...rest } = row;
  return { ...rest, data: { ...data, ...revealAll(secrets, reveal) } };
}
const hintOf = (field: SealedField) => field.hint;
const masked = (row: Row) => view(row, hintOf);
const opened = (row: Row) => view(row, openSecret);

/**
 * A credential's stored secrets (its `secrets` column, read by a module's own query: a join in one
 * statement) as reads show them: each one's masked hint.
 */
export const maskedSecrets = (secrets: Record<string, SealedField> | null): Fields => revealAll(secrets, hintOf);

/** A write split into plain fields to set, secrets sealed, and fields to remove. */
interface Split {
  data: Fields;
  secrets: Record<string, SealedField>;
  removed: string[];
}

function split(change: Fields, secretKeys: SecretKeys): Split {
  const isSecret = typeof secretKeys === "function" ? secretKeys : (key: string) => secretKeys.includes(key);
  const result: Split = { data: {}, secrets: {}, removed: [] };
  for (const [key, value] of Object.entries(change)) {
    if (value === undefined) continue;
    if (value === null) result.removed.push(key);
    else if (!isSecret(key)) result.data[key] = value;
    else if (typeof value === "string") result.secrets[key] = sealSecret(value);
    else throw new TypeError(`The secret ${key} must be a string`);
  }
  return result;
}

const jsonb = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;
const textArray = (keys: string[]) => sql`array(select jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb))`;
/** The stored JSON after a write: fields removed (or moved between plain and secret), then set. */
const mergedData = (change: Split) =>
  sql`(${credentials.data} - ${textArray([...change.removed, ...Object.keys(change.secrets)])}) || ${jsonb(change.data)}`;
const mergedSecrets = (change: Split) =>
  sql`(${credentials.secrets} - ${textArray([...change.removed, ...Object.keys(change.data)])}) || ${jsonb(change.secrets)}`;

function selectRows(db: Database, where: SQL) {
  return db
    .select(columns)
    .from(credentials)
    .where(where)
    .orderBy(asc(credentials.kind), asc(credentials.name), asc(credentials.id));
}

/** One page of the tenant's credentials, masked, by kind, name and id; with its total, in one statement. */
export async function listCredentials(
  db: Database,
  tenantId: string,
  filter: CredentialFilter,
  page: PageQuery,
): Promise<Page<Credential>> {
  const result = await listPage(db, {
    table: credentials,
    where: matching(tenantId, filter),
    columns,
    sort: { by: [credentials.kind, credentials.name, credentials.id], direction: "asc" },
    page,
  });
  return { ...result, items: result.items.map(masked) };
}

/**
 * The tenant's credentials the filter selects, masked, by kind and name, in one statement. `lock`
 * holds them (FOR UPDATE) until the transaction ends.
 */
export async function findCredentials(
  db: Database,
  tenantId: string,
  filter: CredentialFilter,
  options: { lock?: boolean } = {},
): Promise<Credential[]> {
  const query = selectRows(db, matching(tenantId, filter));
  return (await (options.lock ? query.for("update") : query)).map(masked);
}

/**
 * The credential with its secrets opened, for a service about to call the provider; undefined when
 * the tenant has none. Throws when a secret does not open (sealed under a key no longer configured).
 * Never return it from a route.
 */
export async function openCredential(
  db: Database,
  tenantId: string,
  ref: CredentialRef,
): Promise<Credential | undefined> {
  const [row] = await selectRows(db, matching(tenantId, refFilter(ref))).limit(1);
  return row ? opened(row) : undefined;
}

/** What `openCredentials` gives for each credential: opened, or the error that kept it shut. */
export type OpenedCredential = { tenantId: string } & (
  | { credential: Credential; error?: undefined }
  | { credential?: undefined; error: Error }
);

/**
 * The credentials the filter selects of one tenant (an id) or of every tenant `tenants` selects (a
 * subquery of tenant ids: a webhook finding its tenants by an upstream id), opened, in one statement.
 * One that does not open comes back with its error, so it cannot fail the others. Never return them.
 */
export async function openCredentials(
  db: Database,
  tenants: string | SQLWrapper,
  filter: CredentialFilter,
): Promise<OpenedCredential[]> {
  const rows = await db
    .select({ tenantId: credentials.tenantId, row: columns })
    .from(credentials)
    .where(
      and(
        typeof tenants === "string" ? eq(credentials.tenantId, tenants) : inArray(credentials.tenantId, tenants),
        matching(undefined, filter),
      ),
    )
    .orderBy(asc(credentials.tenantId), asc(credentials.kind), asc(credentials.name));
  return rows.map(({ tenantId, row }) => {
    try {
      return { tenantId, credential: opened(row) };
    } catch (error) {
      return { tenantId, error: error instanceof Error ? error : new Error(String(error)) };
    }
  });
}

/** The ids of the tenants holding a credential the filter selects, with the secret `secret` set: a subquery. */
export function tenantsWithCredential(db: Database, filter: CredentialFilter, secret?: string) {
  return db
    .selectDistinct({ tenantId: credentials.tenantId })
    .from(credentials)
    .where(
      and(matching(undefined, filter), secret === undefined ? undefined : sql`${credentials.secrets} ? ${secret}`),
    );
}

/**
 * Adds a credential, sealing the fields `secretKeys` names (null fields are left out). A second one
 * of the same kind and name throws Postgres' unique violation (`isUniqueViolation`): the caller's 409.
 */
export async function createCredential(
  db: Database,
  tenantId: string,
  input: { kind: string; name: string; data: Fields; isActive?: boolean },
  secretKeys: SecretKeys,
): Promise<Credential> {
  const { data, secrets } = split(input.data, secretKeys);
  const [row] = await db
    .insert(credentials)
    .values({
      tenantId,
      kind: credentialKind.parse(input.kind),
      name: input.name,
      data,
      secrets,
      isActive: input.isActive,
    })
    .returning(columns);
  if (!row) throw new Error("credential insert returned no row");
  return masked(row);
}

/**
 * Changes one credential: renames it, (de)activates it, merges `data` field by field. The row is read
 * under lock first, so run it in the transaction that audits the change; undefined when there is no
 * such credential. A rename onto a taken name throws the unique violation, as `createCredential` does.
 */
export async function updateCredential(
  db: Database,
  tenantId: string,
  ref: CredentialRef,
  change: { name?: string; isActive?: boolean; data?: Fields },
  secretKeys: SecretKeys,
): Promise<{ before: Credential; after: Credential } | undefined> {
  const [before] = await selectRows(db, matching(tenantId, refFilter(ref)))
    .limit(1)
    .for("update");
  if (!before) return undefined;
  const fields = change.data ? split(change.data, secretKeys) : undefined;
  const [row] = await db
    .update(credentials)
    .set({
      name: change.name,
      isActive: change.isActive,
      data: fields ? mergedData(fields) : undefined,
      secrets: fields ? mergedSecrets(fields) : undefined,
      updatedAt: sql`now()`,
    })
    .where(eq(credentials.id, before.id))
    .returning(columns);
  if (!row) throw new Error("credential update returned no row");
  return { before: masked(before), after: masked(row) };
}

/**
 * Writes the tenant's credential of a kind and name (a settings section), creating it when missing:
 * `data` merges field by field; null, or removing its last field, deletes it. Returns it masked, or
 * null when it is gone. One upsert, so concurrent writers of different fields both keep theirs.
 */
export async function saveCredential(
  db: Database,
  tenantId: string,
  ref: { kind: string; name?: string },
  data: Fields | null,
  secretKeys: SecretKeys,
): Promise<Credential | null> {
  const where = matching(tenantId, refFilter(ref));
  if (data === null) {
    await db.delete(credentials).where(where);
    return null;
  }
  const fields = split(data, secretKeys);
  const [row] = await db
    .insert(credentials)
    .values({
      tenantId,
      kind: credentialKind.parse(ref.kind),
      name: ref.name ?? DEFAULT_NAME,
      data: fields.data,
      secrets: fields.secrets,
    })
    .onConflictDoUpdate({
      target: [credentials.tenantId, credentials.kind, credentials.name],
      set: { data: mergedData(fields), secrets: mergedSecrets(fields), updatedAt: sql`now()` },
    })
    .returning(columns);
  if (!row) throw new Error("credential upsert returned no row");
  if (Object.keys(row.data).length > 0 || Object.keys(row.secrets).length > 0) return masked(row);
  await db
    .delete(credentials)
    .where(
      and(eq(credentials.id, row.id), sql`${credentials.data} = '{}'::jsonb and ${credentials.secrets} = '{}'::jsonb`),
    );
  return null;
}

/** Deletes one credential; returns it masked (for the audit), or undefined when there was none. */
export async function deleteCredential(
  db: Database,
  tenantId: string,
  ref: CredentialRef,
): Promise<Credential | undefined> {
  const [row] = await db
    .delete(credentials)
    .where(matching(tenantId, refFilter(ref)))
    .returning(columns);
  return row ? masked(row) : undefined;
}

/** What a `resealCredentials` run did. */
export interface ResealResult {
  /** The id of ENCRYPTION_KEY, which every re-sealed field now names. */
  keyId: string;
  /** Credentials found with a secret under another key (or sealed before key ids). */
  checked: number;
  /** Of those, the credentials written, and their fields re-sealed. */
  updated: number;
  resealed: number;
  /** Credentials that changed between the read and the write, and were read and re-sealed again. */
  retried: number;
  /** Secrets no configured key opens: left as they are (and counted again by the next run). */
  unreadable: number;
}

const MAX_ATTEMPTS = 5;

/**
 * Re-seals every stored secret that is not sealed under ENCRYPTION_KEY (`npm run secrets:rotate`).
 * Credentials are read in batches by id; a batch is written by one statement that changes a row only
 * if its secrets are still those the batch read (a write in between is never lost: that row is read
 * and re-sealed again). Reads keep working throughout, since ENCRYPTION_KEYS_PREVIOUS still opens
 * what is not re-sealed yet. Idempotent: a second run finds nothing to do.
 */
export async function resealCredentials(
  db: Database,
  options: { batchSize?: number; onBatch?: (progress: ResealResult) => void } = {},
): Promise<ResealResult> {
  const keyId = currentKeyId();
  const result: ResealResult = { keyId, checked: 0, updated: 0, resealed: 0, retried: 0, unreadable: 0 };
  const stale = sql`exists (select from jsonb_each(${credentials.secrets}) as secret(key, value) where secret.value ->> 'keyId' is distinct from ${keyId})`;
  const read = (where: SQL | undefined, limit: number) =>
    db
      .select({ id: credentials.id, secrets: credentials.secrets })
      .from(credentials)
      .where(and(stale, where))
      .orderBy(asc(credentials.id))
      .limit(limit);

  const batchSize = options.batchSize ?? 100;
  let after: string | undefined;
  for (;;) {
    const batch = await read(after === undefined ? undefined : gt(credentials.id, after), batchSize);
    if (batch.length === 0) break;
    after = batch.at(-1)!.id;
    result.checked += batch.length;
    let pending = batch;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const changes = pending.map((row) => ({ id: row.id, previous: row.secrets, ...resealAll(row.secrets) }));
      const writes = changes.filter((change) => change.resealed > 0);
      for (const change of changes) if (change.resealed === 0) result.unreadable += change.unreadable;
      if (writes.length === 0) break;
      const written = new Set(
        (
          await db
            .update(credentials)
            .set({ secrets: sql`resealed.next`, updatedAt: sql`${credentials.updatedAt}` })
            .from(
              sql`jsonb_to_recordset(${JSON.stringify(writes.map(({ id, previous, next }) => ({ id, previous, next })))}::jsonb) as resealed(id uuid, previous jsonb, next jsonb)`,
            )
            .where(and(eq(credentials.id, sql`resealed.id`), eq(credentials.secrets, sql`resealed.previous`)))
            .returning({ id: credentials.id })
        ).map((row) => row.id),
      );
      for (const change of writes) {
        if (!written.has(change.id)) continue;
        result.updated++;
        result.resealed += change.resealed;
        result.unreadable += change.unreadable;
      }
      const changed = writes.filter((change) => !written.has(change.id)).map((change) => change.id);
      if (changed.length === 0) break;
      if (attempt === MAX_ATTEMPTS) throw new Error(`Credentials kept changing while being re-sealed: ${changed}`);
      result.retried += changed.length;
      // Read again: those still not all under the current key are re-sealed from what they are now.
      pending = await read(inArray(credentials.id, changed), changed.length);
    }
    options.onBatch?.({ ...result });
  }
  return result;
}

function resealAll(secrets: Record<string, SealedField>) {
  const next: Record<string, SealedField> = {};
  let resealed = 0;
  let unreadable = 0;
  for (const [key, field] of Object.entries(secrets)) {
    let fresh: SealedField | undefined;
    try {
      fresh = isSealedField(field) ? resealSecret(field) : undefined;
    } catch {
      unreadable++;
    }
    if (fresh) resealed++;
    next[key] = fresh ?? field;
  }
  return { next, resealed, unreadable };
}
