import pg from "pg";
import type { TestProject } from "vitest/node";

/**
 * With a Postgres server (TEST_DATABASE_URL or DATABASE_URL), each run gets a fresh database,
 * migrated once here and dropped at the end. Without one, every worker uses in-process PGlite.
 */
export default async function setup(project: TestProject) {
  const serverUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (!serverUrl) return;
  const name = `frontdesk_test_${Date.now()}_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  process.env.DATABASE_URL = url.toString();
  project.provide("databaseUrl", url.toString());
  const { connect } = await import("../../db/client");
  const handle = await connect(url.toString());
  await handle.migrate();
  await handle.close();

  return async () => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    await client.query(`drop database if exists ${name} with (force)`);
    await client.end();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string | undefined;
  }
}
