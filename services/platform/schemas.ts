import { z } from "zod";
import { API_KEY_SCOPES, ROLES } from "../../db/schema";

/** Shared pieces of the platform's request and response shapes; the OpenAPI document is built from them. */
export const uuid = z.uuid();
export const idParams = z.object({ id: z.uuid() });
/** An ISO 8601 date or date-time, as a Date. */
export const isoDateInput = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((value) => new Date(value));
/** A link a caller gives us: http(s) only (javascript:, data:, ftp: and the like are refused), 2048 characters at most. */
export const httpUrl = z
  .string()
  .trim()
  .max(2048)
  .pipe(z.url({ protocol: /^https?$/, hostname: z.regexes.hostname }));
/** A bigint identity id in a path: a positive integer of at most 15 digits (inside JS's safe range). */
export const serialId = z
  .string()
  .regex(/^[1-9][0-9]{0,14}$/, "Must be a positive integer")
  .transform(Number);
export const email = z
  .email()
  .max(254)
  .transform((value) => value.toLowerCase());
export const password = z.string().min(8, "Password must be at least 8 characters").max(200);
export const role = z.enum(ROLES);
export const scope = z.enum(API_KEY_SCOPES);
export const timestamp = z.date();

/** `limit` (1–100, default 20) and `offset` for every list; extend with the list's own filters. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).default(0),
});

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
