import { createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import { tenants } from "../../db/schema";
import { email, timestamp } from "../../shared/schemas";
import { password, user } from "./users.schemas";

/** Request and response shapes of sign-in, registration and sessions; the OpenAPI document is built from them. */

export const registerBody = z.object({
  tenantName: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .describe("The business's name; the user's name when left out (spec 004's clients send email, password and name)"),
  name: z.string().trim().min(1).max(200),
  email,
  password,
});
export const loginBody = z.object({ email, password: z.string().min(1).max(200) });
export const refreshBody = z.object({ refreshToken: z.string().min(1).max(200) });

const tenant = createSelectSchema(tenants).omit({ updatedAt: true }).meta({ id: "Tenant" });

export type TenantRow = z.infer<typeof tenant>;

export const session = z
  .object({
    user,
    tenant,
    accessToken: z.string(),
    accessTokenExpiresAt: timestamp,
    refreshToken: z.string(),
    refreshTokenExpiresAt: timestamp,
    tokenType: z.literal("Bearer"),
  })
  .meta({ id: "Session" });

/** GET /api/auth/me: the signed-in user and their tenant. */
export const account = z.object({ user, tenant });
