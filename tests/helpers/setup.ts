import { afterAll, beforeAll, inject } from "vitest";
import { closeDatabase, getDatabase } from "../../db/client";
import { installEmbeddedDatabase } from "../../scripts/dev/embedded-database";

const databaseUrl = inject("databaseUrl");
if (databaseUrl) process.env.DATABASE_URL = databaseUrl;
// Without a server every worker runs in-process PGlite, which production code never loads.
installEmbeddedDatabase();

beforeAll(async () => {
  const handle = await getDatabase();
  // A server database was migrated once by the global setup; each PGlite worker starts empty.
  if (handle.driver === "pglite") await handle.migrate();
});

afterAll(async () => {
  await closeDatabase();
});
