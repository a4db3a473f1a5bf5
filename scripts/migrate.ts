/**
 * `npm run db:migrate`: applies the committed SQL migrations to DATABASE_URL (or Netlify DB's
 * NETLIFY_DATABASE_URL), or to the in-process PGlite in PGLITE_DATA_DIR. `npm run build` (Netlify's
 * build command) runs it, so a deploy migrates before it goes live.
 */
import { connect, databaseUrl, driverFor } from "../db/client";
import { installEmbeddedDatabase } from "./dev/embedded-database";

const url = databaseUrl();
const pgliteDir = process.env.PGLITE_DATA_DIR;
if (!url && !pgliteDir) {
  // Migrating a throwaway in-memory database would report success and do nothing useful.
  console.error(
    "db:migrate needs DATABASE_URL (or NETLIFY_DATABASE_URL, or PGLITE_DATA_DIR); `npm start` migrates its local database itself.",
  );
  process.exit(1);
}

if (!url) installEmbeddedDatabase();
const started = performance.now();
const handle = await connect(url);
try {
  await handle.migrate();
  const target = url ? new URL(url).host : pgliteDir;
  console.log(`migrations applied to ${target} (${driverFor(url)}) in ${Math.round(performance.now() - started)} ms`);
} finally {
  await handle.close();
}
