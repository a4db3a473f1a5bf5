/**
 * `npm run db:migrate`: applies the committed SQL migrations to DATABASE_URL (or Netlify DB's
 * NETLIFY_DATABASE_URL). It is Netlify's build command, so a deploy migrates before it goes live.
 */
import { connect, databaseUrl, driverFor } from "../db/client";

const url = databaseUrl();
const pgliteDir = process.env.PGLITE_DATA_DIR;
if (!url && !pgliteDir) {
  // Migrating a throwaway in-memory database would report success and do nothing useful.
  console.error(
    "db:migrate needs DATABASE_URL (or NETLIFY_DATABASE_URL, or PGLITE_DATA_DIR); `npm start` migrates its local database itself.",
  );
  process.exit(1);
}

const started = performance.now();
const handle = await connect(url);
try {
  await handle.migrate();
  const target = url ? new URL(url).host : pgliteDir;
  console.log(`migrations applied to ${target} (${driverFor(url)}) in ${Math.round(performance.now() - started)} ms`);
} finally {
  await handle.close();
}
