import { createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import { ROLES, users } from "../../db/schema";
import { email, pageQuery } from "../../shared/schemas";

/** Request and response shapes of the tenant's users; the OpenAPI document is built from them. */
export const password = z.string().min(8, "Password must be at least 8 characters").max(200);
const role = z.enum(ROLES);

/** A user as the API shows one: every column but the password hash. */
export const user = createSelectSchema(users, { role }).omit({ passwordHash: true }).meta({ id: "User" });

export type UserRow = z.infer<typeof user>;

export const listUsersQuery = pageQuery.extend({
  role: role.optional(),
  search: z.string().trim().min(1).max(200).optional().describe("Matches name or email"),
});
export const createUserBody = z.object({ email, name: z.string().trim().min(1).max(200), role, password });
export const updateUserBody = z
  .object({ email, name: z.string().trim().min(1).max(200), role, password })
  .partial()
  .refine((value) => Object.keys(value).length > 0, "Give at least one field to change");
