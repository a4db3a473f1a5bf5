import { z } from "zod";

// The generic zod pieces every module's request and response shapes are built from (and the OpenAPI document with them).

/** The `:id` of a path, a UUID. */
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
export const timestamp = z.date();

/** `limit` (1–100, default 20) and `offset` for every list; extend with the list's own filters. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).default(0),
});
