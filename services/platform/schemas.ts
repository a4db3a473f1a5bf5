import { z } from "zod";
import { API_KEY_SCOPES, ROLES } from "../../db/schema";
import { email, timestamp } from "../../shared/schemas";

/** The platform's own request and response shapes. */
export const password = z.string().min(8, "Password must be at least 8 characters").max(200);
export const role = z.enum(ROLES);
export const scope = z.enum(API_KEY_SCOPES);

export const user = z
  .object({
    id: z.uuid(),
    tenantId: z.uuid(),
    email: z.string(),
    name: z.string(),
    role,
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: "User" });

export const tenant = z
  .object({
    id: z.uuid(),
    name: z.string(),
    website: z.string().nullable(),
    subscriptionPlan: z.string(),
    onboarded: z.boolean(),
    createdAt: timestamp,
  })
  .meta({ id: "Tenant" });

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

export type UserRow = z.infer<typeof user>;
export type TenantRow = z.infer<typeof tenant>;
