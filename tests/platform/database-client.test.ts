/**
 * db/client.ts knows node-postgres and Neon only. In-process PGlite is installed into it by the
 * test workers and local scripts (scripts/dev/embedded-database.ts); a deployed function without
 * a database URL fails with a message saying what to set.
 */
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { connect, statementCounter, useEmbeddedDatabase } from "../../db/client";
import { installEmbeddedDatabase } from "../../scripts/dev/embedded-database";

const urlVariables = ["DATABASE_URL", "NETLIFY_DATABASE_URL"] as const;

function withoutDatabaseUrl(): () => void {
  const saved = urlVariables.map((name) => [name, process.env[name]] as const);
  for (const name of urlVariables) delete process.env[name];
  return () => {
    for (const [name, value] of saved) if (value !== undefined) process.env[name] = value;
  };
}

describe("connect() without a database URL", () => {
  afterEach(() => installEmbeddedDatabase());

  it("fails with a clear error when no in-process database is installed, as in production", async () => {
    const restore = withoutDatabaseUrl();
    try {
      useEmbeddedDatabase(undefined);
      await expect(connect()).rejects.toThrow(/No database configured: set DATABASE_URL \(or NETLIFY_DATABASE_URL\)/);
    } finally {
      restore();
    }
  });

  it("opens the installed in-process PGlite, counting its statements", async () => {
    const restore = withoutDatabaseUrl();
    installEmbeddedDatabase();
    const handle = await connect().finally(restore);
    try {
      expect(handle.driver).toBe("pglite");
      const before = statementCounter.count;
      const result = await handle.db.execute(sql`select 1 as one`);
      expect(result).toMatchObject({ rows: [{ one: 1 }] });
      expect(statementCounter.count).toBe(before + 1);
    } finally {
      await handle.close();
    }
  });
});
