import { sql } from "drizzle-orm";
import type { z } from "zod";
import type { Database } from "../../db/client";
import journal from "../../db/migrations/meta/_journal.json";
import { AppError, sqlState } from "../../shared/errors";
import type { health } from "./health.schemas";

/** Spec 001's test-db: the database answers, and how far its migrations are. One statement. */
export async function checkHealth(db: Database): Promise<z.infer<typeof health>> {
  const started = performance.now();
  let applied = 0;
  try {
    const [row] = await db.select({ applied: sql<number>`count(*)::int` }).from(sql`drizzle.__drizzle_migrations`);
    applied = row?.applied ?? 0;
  } catch (error) {
    // 3F000/42P01: no migrations schema or table yet; the database itself answered.
    if (!["3F000", "42P01"].includes(sqlState(error) ?? "")) {
      throw new AppError("SERVICE_UNAVAILABLE", "The database is not reachable");
    }
  }
  const expected = journal.entries.length;
  return {
    status: applied >= expected ? "ok" : "degraded",
    database: { reachable: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 },
    migrations: { applied, expected, upToDate: applied >= expected },
  };
}
