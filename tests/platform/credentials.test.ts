import { eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Database, getDb, migrationsFolder } from "../../db/client";
import { credentials, tenants } from "../../db/schema";
import { registerTenant } from "../../scripts/dev/fixtures";
import {
  createCredential,
  findCredentials,
  openCredential,
  openCredentials,
  resealCredentials,
  saveCredential,
  updateCredential,
} from "../../services/platform/credentials";
import { currentKeyId, type SealedField, sealSecret } from "../../shared/crypto/secrets";
import { migrateFrom, migrationsThrough, ownDatabase } from "../helpers/migrations";

const RETELL_KEY = "key_retell_plaintext_0123456789";
const TOKEN = "EAAG-whatsapp-access-token-abcd1234";

async function rawRow(db: Database, id: string) {
  const [row] = await db.select().from(credentials).where(eq(credentials.id, id));
  if (!row) throw new Error(`no credential ${id}`);
  return row;
}

describe("the credentials store", () => {
  it("seals secrets at rest under the current key's id and masks them on read", async () => {
    const db = await getDb();
    const owner = await registerTenant("cred-seal");
    const created = await createCredential(
      db,
      owner.tenantId,
      { kind: "retellConfig", name: "default", data: { apiKey: RETELL_KEY, region: "eu" } },
      ["apiKey"],
    );
    expect(created.data).toEqual({ apiKey: "••••6789", region: "eu" });

    const row = await rawRow(db, created.id);
    expect(JSON.stringify(row)).not.toContain(RETELL_KEY);
    expect(row.data).toEqual({ region: "eu" });
    expect(row.secrets.apiKey).toMatchObject({ keyId: currentKeyId(), hint: "••••6789" });
    expect(row.secrets.apiKey?.sealed).toMatch(/^v1\./);
    expect(currentKeyId()).toMatch(/^[\w-]{8}$/);
    expect(process.env.ENCRYPTION_KEY).not.toContain(currentKeyId());

    const [read] = await findCredentials(db, owner.tenantId, { kind: "retellConfig" });
    expect(read?.data).toEqual({ apiKey: "••••6789", region: "eu" });
    expect((await openCredential(db, owner.tenantId, { kind: "retellConfig" }))?.data).toEqual({
      apiKey: RETELL_KEY,
      region: "eu",
    });
    // Another tenant has none, and a kind is only what its reader names.
    const other = await registerTenant("cred-seal-other");
    expect(await openCredential(db, other.tenantId, { kind: "retellConfig" })).toBeUndefined();
    expect(await findCredentials(db, owner.tenantId, { kind: "elevenlabs", id: created.id })).toEqual([]);
  });

  it("merges writes: a value sets, null removes, an omitted secret is kept; no field left deletes", async () => {
    const db = await getDb();
    const owner = await registerTenant("cred-merge");
    const secrets = ["accessToken", "appSecret"];
    const ref = { kind: "whatsappConfig" };
    await saveCredential(db, owner.tenantId, ref, { phoneNumberId: "1", accessToken: TOKEN }, secrets);
    const kept = await saveCredential(db, owner.tenantId, ref, { phoneNumberId: "2", appSecret: "s3cret" }, secrets);
    expect(kept?.data).toEqual({ phoneNumberId: "2", accessToken: "••••1234", appSecret: "••••" });
    // Two writers of different fields at once both keep theirs (the merge happens in SQL).
    await Promise.all([
      saveCredential(db, owner.tenantId, ref, { businessAccountId: "b" }, secrets),
      saveCredential(db, owner.tenantId, ref, { apiVersion: "v21.0" }, secrets),
    ]);
    const opened = await openCredential(db, owner.tenantId, ref);
    expect(opened?.data).toEqual({
      phoneNumberId: "2",
      businessAccountId: "b",
      apiVersion: "v21.0",
      accessToken: TOKEN,
      appSecret: "s3cret",
    });
    const removed = await saveCredential(
      db,
      owner.tenantId,
      ref,
      { phoneNumberId: null, businessAccountId: null, apiVersion: null, accessToken: null },
      secrets,
    );
    expect(removed?.data).toEqual({ appSecret: "••••" });
    expect(await saveCredential(db, owner.tenantId, ref, { appSecret: null }, secrets)).toBeNull();
    expect(await findCredentials(db, owner.tenantId, { kind: "whatsappConfig" })).toEqual([]);

    const made = await createCredential(
      db,
      owner.tenantId,
      { kind: "tavus", name: "main", data: { token: TOKEN, replicaId: "r1" } },
      (key) => key === "token",
    );
    const changed = await updateCredential(
      db,
      owner.tenantId,
      { kind: ["tavus"], id: made.id },
      { name: "primary", data: { replicaId: "r2" } },
      (key) => key === "token",
    );
    expect(changed?.before.data).toEqual({ token: "••••1234", replicaId: "r1" });
    expect(changed?.after).toMatchObject({ name: "primary", data: { token: "••••1234", replicaId: "r2" } });
    expect(await updateCredential(db, owner.tenantId, { kind: ["elevenlabs"], id: made.id }, {}, [])).toBeUndefined();
  });
});

// Rotation and migration each get a database of their own (ownDatabase): a rotation re-seals every
// tenant's secrets, which must not touch what the other test files are doing in the shared one.

const OLD_KEY = "the-old-encryption-key-0123456789-abcdefghij";
const NEW_KEY = "the-new-encryption-key-9876543210-zyxwvutsrq";
const TEST_KEY = process.env.ENCRYPTION_KEY;

function useKeys(current: string, previous?: string[]) {
  process.env.ENCRYPTION_KEY = current;
  if (previous) process.env.ENCRYPTION_KEYS_PREVIOUS = previous.join(",");
  else delete process.env.ENCRYPTION_KEYS_PREVIOUS;
}

/** A value sealed the way it was before key ids: the same ciphertext, no `keyId` beside it. */
function legacySeal(plaintext: string): SealedField {
  const { keyId: _keyId, ...legacy } = sealSecret(plaintext);
  return legacy;
}

/**
 * `db` whose first credentials UPDATE runs `meanwhile` just before it is sent: a write that lands
 * between a rotation batch's read and its write.
 */
function racing(db: Database, meanwhile: () => Promise<unknown>): Database {
  let pending: (() => Promise<unknown>) | undefined = meanwhile;
  const delay = async () => {
    const run = pending;
    pending = undefined;
    await run?.();
  };
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(object, property) {
        const value = Reflect.get(object, property, object);
        if (typeof value !== "function") return value;
        if (property === "then") {
          return (resolve: (v: unknown) => void, reject: (e: unknown) => void) =>
            delay().then(() => value.call(object, resolve, reject), reject);
        }
        return (...args: unknown[]) => {
          const result = value.apply(object, args);
          return result === object ? wrap(object) : result && typeof result === "object" ? wrap(result) : result;
        };
      },
    });
  return new Proxy(db, {
    get(object, property) {
      const value = Reflect.get(object, property, object);
      if (property === "update") return (...args: unknown[]) => wrap(value.apply(object, args));
      return typeof value === "function" ? value.bind(object) : value;
    },
  });
}

describe("rotating ENCRYPTION_KEY (npm run secrets:rotate)", () => {
  let own: Awaited<ReturnType<typeof ownDatabase>>;
  beforeAll(async () => {
    own = await ownDatabase("frontdesk_credentials");
    await own.handle.migrate();
  });
  afterAll(async () => {
    await own?.drop();
  });
  afterEach(() => useKeys(TEST_KEY!));

  it("reads old-key values after the switch, re-seals all in batches, then needs only the new key", async () => {
    const { db } = own.handle;
    const [tenant] = await db.insert(tenants).values({ name: "Rotation" }).returning({ id: tenants.id });
    const tenantId = tenant!.id;

    useKeys(OLD_KEY);
    const oldKeyId = currentKeyId();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const made = await createCredential(
        db,
        tenantId,
        { kind: "tavus", name: `config-${i}`, data: { apiKey: `tavus-key-${i}-0123456789`, replicaId: `r${i}` } },
        ["apiKey"],
      );
      ids.push(made.id);
    }
    const [legacy] = await db
      .insert(credentials)
      .values({ tenantId, kind: "retellConfig", name: "default", secrets: { apiKey: legacySeal(RETELL_KEY) } })
      .returning({ id: credentials.id });

    // The new key alone cannot open what the old one sealed; beside it, the old key can.
    useKeys(NEW_KEY);
    await expect(openCredential(db, tenantId, { kind: "tavus", name: "config-0" })).rejects.toThrow(oldKeyId);
    useKeys(NEW_KEY, [OLD_KEY]);
    const newKeyId = currentKeyId();
    expect(newKeyId).not.toBe(oldKeyId);
    expect((await openCredential(db, tenantId, { kind: "tavus", name: "config-0" }))?.data.apiKey).toBe(
      "tavus-key-0-0123456789",
    );
    expect((await openCredential(db, tenantId, { kind: "retellConfig" }))?.data.apiKey).toBe(RETELL_KEY);
    // A write after the switch seals under the new key and keeps the old-key secret beside it.
    await saveCredential(db, tenantId, { kind: "tavus", name: "config-1" }, { webhookSecret: "whsec-1234567890" }, [
      "apiKey",
      "webhookSecret",
    ]);
    expect((await rawRow(db, ids[1]!)).secrets).toMatchObject({
      apiKey: { keyId: oldKeyId },
      webhookSecret: { keyId: newKeyId },
    });

    const before = await rawRow(db, ids[0]!);
    const batches: number[] = [];
    const first = await resealCredentials(db, { batchSize: 3, onBatch: (progress) => batches.push(progress.checked) });
    expect(first).toEqual({ keyId: newKeyId, checked: 8, updated: 8, resealed: 8, retried: 0, unreadable: 0 });
    expect(batches).toEqual([3, 6, 8]);
    const rows = await db.select().from(credentials).where(eq(credentials.tenantId, tenantId));
    for (const row of rows) {
      for (const field of Object.values(row.secrets)) expect(field.keyId).toBe(newKeyId);
    }
    const after = await rawRow(db, ids[0]!);
    expect(after.secrets.apiKey?.sealed).not.toBe(before.secrets.apiKey?.sealed);
    expect(after.secrets.apiKey?.hint).toBe(before.secrets.apiKey?.hint);
    expect(after.data).toEqual(before.data);
    expect(after.updatedAt).toEqual(before.updatedAt);

    // Idempotent: a second run finds nothing to do and writes nothing.
    expect(await resealCredentials(db, { batchSize: 3 })).toEqual({
      keyId: newKeyId,
      checked: 0,
      updated: 0,
      resealed: 0,
      retried: 0,
      unreadable: 0,
    });

    // From now on the old key can go.
    useKeys(NEW_KEY);
    const opened = await openCredentials(db, tenantId, { kind: ["tavus", "retellConfig"] });
    expect(opened.map((entry) => entry.error)).toEqual(opened.map(() => undefined));
    expect(opened.map((entry) => entry.credential?.data.apiKey).sort()).toEqual(
      [RETELL_KEY, ...ids.map((_, i) => `tavus-key-${i}-0123456789`)].sort(),
    );
    expect(legacy).toBeDefined();
  });

  it("never loses a write that lands between a batch's read and its write, and leaves what no key opens", async () => {
    const { db } = own.handle;
    const [tenant] = await db.insert(tenants).values({ name: "Rotation race" }).returning({ id: tenants.id });
    const tenantId = tenant!.id;
    const secretKeys = ["apiKey", "token"];
    useKeys(OLD_KEY);
    const made = await createCredential(
      db,
      tenantId,
      { kind: "elevenlabs", name: "race", data: { apiKey: "eleven-old-0123456789", voiceId: "v1" } },
      secretKeys,
    );
    useKeys("a-key-nobody-keeps-any-longer-0123456789");
    const [lost] = await db
      .insert(credentials)
      .values({ tenantId, kind: "elevenlabs", name: "lost", secrets: { token: sealSecret("gone-0123456789") } })
      .returning({ id: credentials.id });

    useKeys(NEW_KEY, [OLD_KEY]);
    const result = await resealCredentials(
      racing(db, () =>
        saveCredential(
          db,
          tenantId,
          { kind: "elevenlabs", name: "race" },
          { token: "token-new-0123456789" },
          secretKeys,
        ),
      ),
    );
    expect(result).toMatchObject({ checked: 2, updated: 1, resealed: 1, retried: 1, unreadable: 1 });
    const opened = await openCredential(db, tenantId, { kind: "elevenlabs", name: "race" });
    expect(opened?.data).toEqual({ apiKey: "eleven-old-0123456789", token: "token-new-0123456789", voiceId: "v1" });
    expect(Object.values((await rawRow(db, made.id)).secrets).map((field) => field.keyId)).toEqual([
      currentKeyId(),
      currentKeyId(),
    ]);
    // The unreadable one is left as it was, and reported again by the next run.
    expect((await rawRow(db, lost!.id)).secrets.token?.keyId).not.toBe(currentKeyId());
    expect(await resealCredentials(db)).toMatchObject({ checked: 1, updated: 0, unreadable: 1 });
    const [shut] = await openCredentials(db, tenantId, { kind: "elevenlabs", name: "lost" });
    expect(shut?.error?.message).toMatch(/neither ENCRYPTION_KEY nor in ENCRYPTION_KEYS_PREVIOUS/);
  });
});

describe("migrations 0005 and 0006: the old secret stores move into credentials", () => {
  const BEFORE_MOVE = "0004_credentials";
  let own: Awaited<ReturnType<typeof ownDatabase>>;
  let partial: ReturnType<typeof migrationsThrough>;
  beforeAll(async () => {
    own = await ownDatabase("frontdesk_credentials");
    // The migrations up to the store's table, as a deployed database had them before the move
    // (migrationsThrough throws on an unknown tag).
    partial = migrationsThrough(BEFORE_MOVE);
  });
  afterAll(async () => {
    await own?.drop();
    partial?.remove();
  });

  it("copies every settings section and provider config, sealed values as they were", async () => {
    const { db } = own.handle;
    await migrateFrom(own.handle, partial.folder);
    // Raw SQL: the schema's tenants table has columns (last_event_seq) these older migrations predate.
    const inserted = await db.execute(
      sql`insert into tenants (name) values ('Migrated A'), ('Migrated B') returning id`,
    );
    const [tenantA, tenantB] = (inserted as unknown as { rows: { id: string }[] }).rows.map((row) => row.id) as [
      string,
      string,
    ];
    const retell = legacySeal(RETELL_KEY);
    const token = legacySeal(TOKEN);
    const eleven = legacySeal("xi-elevenlabs-key-0123456789abcd");
    const hook = legacySeal("whsec_tavus_secret_9876543210wxyz");
    const configId = "7b0f6f8e-4c1e-4a8e-9a55-3f5c2b1d0a11";
    const inactiveId = "0e9f5a0c-2b7d-4f43-8f0e-6a1d2c3b4e55";
    await db.execute(sql`
      insert into tenant_settings (tenant_id, whatsapp_config, webhook_config, retell_config, updated_at) values
        (${tenantA}, ${JSON.stringify({ phoneNumberId: "1098765", accessToken: token })}::jsonb,
          ${JSON.stringify({ enabled: true })}::jsonb, ${JSON.stringify({ apiKey: retell })}::jsonb,
          '2026-01-02T03:04:05Z'),
        (${tenantB}, null, '{}'::jsonb, null, '2026-02-03T04:05:06Z')`);
    await db.execute(sql`
      insert into provider_configs (id, tenant_id, provider, config_name, config_data, is_active, created_at, updated_at) values
        (${configId}, ${tenantA}, 'elevenlabs', 'default',
          ${JSON.stringify({ apiKey: eleven, webhook_secret: hook, voiceId: "rachel", note: { sealed: "x", hint: "y" } })}::jsonb,
          true, '2026-01-01T00:00:00Z', '2026-01-05T00:00:00Z'),
        (${inactiveId}, ${tenantB}, 'tavus', 'video', '{}'::jsonb, false, '2026-01-03T00:00:00Z', '2026-01-04T00:00:00Z')`);

    await migrateFrom(own.handle, migrationsFolder);

    const moved = await db
      .select()
      .from(credentials)
      .where(sql`${credentials.tenantId} in (${tenantA}, ${tenantB})`)
      .orderBy(credentials.tenantId, credentials.kind);
    const byKey = new Map(moved.map((row) => [`${row.tenantId === tenantA ? "A" : "B"}:${row.kind}`, row]));
    expect([...byKey.keys()].sort()).toEqual(
      ["A:elevenlabs", "A:retellConfig", "A:webhookConfig", "A:whatsappConfig", "B:tavus", "B:webhookConfig"].sort(),
    );
    expect(byKey.get("A:whatsappConfig")).toMatchObject({
      name: "default",
      data: { phoneNumberId: "1098765" },
      secrets: { accessToken: token },
      isActive: true,
      updatedAt: new Date("2026-01-02T03:04:05Z"),
    });
    expect(byKey.get("A:webhookConfig")).toMatchObject({ data: { enabled: true }, secrets: {} });
    expect(byKey.get("A:retellConfig")).toMatchObject({ data: {}, secrets: { apiKey: retell } });
    expect(byKey.get("B:webhookConfig")).toMatchObject({ data: {}, secrets: {} });
    expect(byKey.get("A:elevenlabs")).toMatchObject({
      id: configId,
      name: "default",
      // A sealed-looking object under a name that is no secret's stays plain, as the old read showed it.
      data: { voiceId: "rachel", note: { sealed: "x", hint: "y" } },
      secrets: { apiKey: eleven, webhook_secret: hook },
      isActive: true,
      createdAt: new Date("2026-01-01T00:00:00Z"),
      updatedAt: new Date("2026-01-05T00:00:00Z"),
    });
    expect(byKey.get("B:tavus")).toMatchObject({
      id: inactiveId,
      name: "video",
      data: {},
      secrets: {},
      isActive: false,
    });

    // The store reads them as the old routes did: masked, and opened by whichever key sealed them.
    const [whatsapp] = await findCredentials(db, tenantA, { kind: "whatsappConfig" });
    expect(whatsapp?.data).toEqual({ phoneNumberId: "1098765", accessToken: "••••1234" });
    expect((await openCredential(db, tenantA, { kind: ["elevenlabs"], id: configId }))?.data).toMatchObject({
      apiKey: "xi-elevenlabs-key-0123456789abcd",
      webhook_secret: "whsec_tavus_secret_9876543210wxyz",
    });

    const left = await db.execute(
      sql`select count(*)::int as n from information_schema.tables where table_name in ('tenant_settings', 'provider_configs')`,
    );
    expect((left as unknown as { rows: { n: number }[] }).rows[0]?.n).toBe(0);
  });
});
