/**
 * In-process PGlite: the database `connect()` opens without a URL in the test workers and the
 * local scripts that install it. It lives here, outside the functions' import graph, so PGlite
 * never reaches a deployed bundle (tests/platform/bundles.test.ts); db/client.ts knows only
 * node-postgres and Neon, and fails without a URL unless this was installed.
 */
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { type DatabaseHandle, drizzleConfig, migrationsFolder, useEmbeddedDatabase } from "../../db/client";

/** A PGlite database in `dataDir` (PGLITE_DATA_DIR, or in memory), with Drizzle's statement counter. */
async function connectEmbedded(dataDir = process.env.PGLITE_DATA_DIR || "memory://"): Promise<DatabaseHandle> {
  const client = new PGlite(dataDir);
  const db = drizzle({ client, ...drizzleConfig });
  return {
    db,
    driver: "pglite",
    migrate: () => migrate(db, { migrationsFolder }),
    close: () => client.close(),
  };
}

/** From now on, `connect()` and `getDatabase()` without a database URL open in-process PGlite. */
export function installEmbeddedDatabase(): void {
  useEmbeddedDatabase(() => connectEmbedded());
}
