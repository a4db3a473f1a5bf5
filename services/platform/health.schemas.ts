import { z } from "zod";

/** The answer of GET /api/health; the OpenAPI document is built from it. */

export const health = z
  .object({
    status: z.enum(["ok", "degraded"]).describe("degraded: the database answers but migrations are missing"),
    database: z.object({ reachable: z.literal(true), latencyMs: z.number() }),
    migrations: z.object({
      applied: z.number().int(),
      expected: z.number().int().describe("Migrations shipped with this build"),
      upToDate: z.boolean(),
    }),
  })
  .meta({ id: "Health" });
