import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { databaseUrl, driverFor, getDb } from "../../db/client";
import { tenants } from "../../db/schema";
import { errorResponse } from "../../shared/http/errors";

const request = { method: "POST", url: "http://localhost/api/anything" };

describe("errorResponse", () => {
  // Needs two connections: PGlite has one, and cannot deadlock.
  it.skipIf(driverFor(databaseUrl()) === "pglite")(
    "answers a transaction Postgres aborted as a deadlock with a 409 to retry, not a 500",
    async () => {
      const db = await getDb();
      const [one, two] = await db
        .insert(tenants)
        .values([{ name: "deadlock one" }, { name: "deadlock two" }])
        .returning({ id: tenants.id });
      // Each transaction locks one row, waits until the other has its own, then asks for the other's.
      let bothLocked: () => void = () => {};
      const locked = new Promise<void>((resolve) => {
        let count = 0;
        bothLocked = () => {
          count += 1;
          if (count === 2) resolve();
        };
      });
      const crossing = (first: string, second: string) =>
        db.transaction(async (tx) => {
          await tx.update(tenants).set({ name: sql`name` }).where(eq(tenants.id, first));
          bothLocked();
          await locked;
          await tx.update(tenants).set({ name: sql`name` }).where(eq(tenants.id, second));
        });
      const results = await Promise.allSettled([crossing(one!.id, two!.id), crossing(two!.id, one!.id)]);
      const failure = results.find((result) => result.status === "rejected");
      expect(failure, "Postgres aborts one of the two").toBeDefined();
      const response = errorResponse((failure as PromiseRejectedResult).reason, "req-1", request);
      expect(response.status).toBe(409);
      expect((await response.json()).error).toMatchObject({
        code: "CONFLICT",
        message: expect.stringContaining("again"),
      });
    },
  );
});
