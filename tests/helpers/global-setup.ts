import type { TestProject } from "vitest/node";
import { connect } from "../../db/client";
import { createScratchDatabase } from "../../db/scratch";

/**
 * With a Postgres server (TEST_DATABASE_URL or DATABASE_URL), each run gets a fresh database,
 * migrated once here and dropped at the end. Without one, every worker uses in-process PGlite.
 */
export default async function setup(project: TestProject) {
  const serverUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (!serverUrl) return;
  const scratch = await createScratchDatabase(serverUrl, "frontdesk_test");
  process.env.DATABASE_URL = scratch.url;
  project.provide("databaseUrl", scratch.url);
  const handle = await connect(scratch.url);
  await handle.migrate();
  await handle.close();
  return scratch.drop;
}

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string | undefined;
  }
}
