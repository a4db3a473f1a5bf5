import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import { connect, type Database, type DatabaseHandle, migrationsFolder } from "../../db/client";
import { createScratchDatabase } from "../../db/scratch";

/**
 * A database of the test's own, empty and unmigrated: a scratch database on the test server, or a
 * fresh in-process PGlite without one. A migration test writes rows the shared database's tests
 * must never see, into tables they no longer have.
 */
export async function ownDatabase(prefix: string): Promise<{ handle: DatabaseHandle; drop(): Promise<void> }> {
  const server = inject("databaseUrl");
  if (!server) {
    const handle = await connect(undefined);
    return { handle, drop: () => handle.close() };
  }
  const scratch = await createScratchDatabase(server, prefix);
  const handle = await connect(scratch.url);
  return {
    handle,
    drop: async () => {
      await handle.close();
      await scratch.drop();
    },
  };
}

/**
 * A copy of the migrations folder up to and including `tag`, as a deployed database had them
 * before a later migration; remove() deletes it.
 */
export function migrationsThrough(tag: string): { folder: string; remove(): void } {
  const folder = mkdtempSync(join(tmpdir(), "frontdesk-migrations-"));
  const journal = JSON.parse(readFileSync(join(migrationsFolder, "meta/_journal.json"), "utf8"));
  const upTo = journal.entries.findIndex((entry: { tag: string }) => entry.tag === tag);
  if (upTo < 0) throw new Error(`no migration ${tag}`);
  const kept: { tag: string }[] = journal.entries.slice(0, upTo + 1);
  for (const file of readdirSync(migrationsFolder)) {
    if (kept.some((entry) => file === `${entry.tag}.sql`)) cpSync(join(migrationsFolder, file), join(folder, file));
  }
  cpSync(join(migrationsFolder, "meta"), join(folder, "meta"), { recursive: true });
  writeFileSync(join(folder, "meta/_journal.json"), JSON.stringify({ ...journal, entries: kept }));
  return { folder, remove: () => rmSync(folder, { recursive: true, force: true }) };
}

/** Applies the migrations of `folder` not yet applied, with the handle's driver's migrator. */
export async function migrateFrom(handle: DatabaseHandle, folder: string): Promise<void> {
  const migrator =
    handle.driver === "pglite"
      ? await import("drizzle-orm/pglite/migrator")
      : handle.driver === "neon-serverless"
        ? await import("drizzle-orm/neon-serverless/migrator")
        : await import("drizzle-orm/node-postgres/migrator");
  await (migrator.migrate as (db: Database, config: { migrationsFolder: string }) => Promise<void>)(handle.db, {
    migrationsFolder: folder,
  });
}
