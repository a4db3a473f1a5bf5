import { z } from "zod";
import { findJsonProblem, MAX_JSON_DEPTH, textProblem } from "./json";

// The generic zod pieces every module's request and response shapes are built from (and the OpenAPI document with them).

/** The `:id` of a path, a UUID. */
export const idParams = z.object({ id: z.uuid() });

/** The instants a `timestamptz` column stores and a JS Date represents alike: years 0001 to 9999, UTC. */
const EARLIEST = new Date("0001-01-01T00:00:00.000Z");
const LATEST = new Date("9999-12-31T23:59:59.999Z");
/**
 * An ISO 8601 date (`2024-05-31`, midnight UTC) or date-time with an offset (`2024-05-31T09:00:00Z`,
 * `...+02:00`), in years 0001–9999, as a Date: the only way a date comes into the API. Other
 * spellings Date would take (`Dec 25 2999`, `1`, `+275760-09-13`) are refused, not guessed at.
 */
export const isoDateInput = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()], {
    error: "Must be an ISO 8601 date (2024-05-31) or date-time with offset (2024-05-31T09:00:00Z)",
  })
  .transform((value) => new Date(value))
  .pipe(
    z.date().min(EARLIEST, "Must be in the years 0001–9999 (UTC)").max(LATEST, "Must be in the years 0001–9999 (UTC)"),
  )
  .describe("ISO 8601 date, or date-time with offset (Z or ±hh:mm), in the years 0001–9999");
/** An instant as Retell sends it, in epoch milliseconds: an integer from 2000 through 9999. */
export const epochMillis = z
  .number()
  .int()
  .min(Date.UTC(2000, 0, 1))
  .max(LATEST.getTime());
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

/**
 * An amount a caller gives for a `numeric(integerDigits + 2, 2)` column: a decimal string ("12.50",
 * preferred) or a JSON number that is exactly such a decimal (12.5), never signed. A number is read
 * by the text JavaScript writes for it, so 0.1 + 0.2 (0.30000000000000004) and 1e21 are refused
 * rather than rounded: money never passes through a float. Answered as `decimalText`.
 */
export function decimalAmount({ integerDigits }: { integerDigits: number }) {
  const max = `${"9".repeat(integerDigits)}.99`;
  const plainDecimal = new RegExp(`^(0|[1-9][0-9]{0,${integerDigits - 1}})(\\.[0-9]{1,2})?$`);
  return z
    .union([z.string(), z.number().transform(String)])
    .pipe(z.string().regex(plainDecimal, `Must be an amount from 0 to ${max} with at most 2 decimals, e.g. "12.50"`))
    .describe(`A decimal amount, 0 to ${max}, at most 2 decimals: a string ("12.50") or a number (12.5)`);
}

/** How a numeric column is answered: the text Postgres writes ("12.50"), never a float. */
export const decimalText = z.string().describe('A decimal string with 2 decimals, e.g. "12.50"');

/** Currency codes the runtime knows (ISO 4217, active ones), so "USX" is refused. */
const CURRENCIES = new Set(Intl.supportedValuesOf("currency"));
/** An ISO 4217 currency code a caller gives, in either case; it comes out upper case, as stored. */
export const currencyCode = z
  .string()
  .regex(/^[A-Za-z]{3}$/, "Must be a three-letter ISO 4217 code")
  .transform((code) => code.toUpperCase())
  .refine((code) => CURRENCIES.has(code), "Not an ISO 4217 currency code")
  .describe("ISO 4217 code, e.g. USD (either case; stored upper case)");

export const email = z
  .email()
  .max(254)
  .transform((value) => value.toLowerCase());
export const timestamp = z.date();

/** An overview's window: the last `days` UTC days, today included. */
export const windowDays = z.coerce
  .number()
  .int()
  .min(1)
  .max(365)
  .default(30)
  .describe("Length of the window in UTC days, today included (1–365, default 30)");

/** Text a person typed: trimmed, not empty, at most `max` characters. */
export const trimmedText = (max: number) => z.string().trim().min(1).max(max);

/** A yes-or-no filter of a query string: `true` or `false`, as a boolean. */
export const booleanQuery = z
  .enum(["true", "false"])
  .transform((value) => value === "true")
  .describe("true or false");

/**
 * Text a `text` column stores as given: no NUL, no lone surrogate. route() refuses both in any
 * request already; this is for text from elsewhere (a provider's API) and says so in the schema.
 */
export const storableText = z.string().superRefine((text, ctx) => {
  const problem = textProblem(text);
  if (problem) ctx.addIssue({ code: "invalid_format", format: "text", message: `Text ${problem}` });
});

/**
 * Checks a free-form JSON value: what Postgres stores, nothing deeper or larger than allowed. Its
 * issues stop the refinements after it, which may recurse (JSON.stringify does).
 */
export function boundedJson(maxBytes?: number) {
  return (value: unknown, ctx: z.RefinementCtx) => {
    const problem = findJsonProblem(value);
    if (problem) {
      ctx.addIssue({ code: "custom", path: problem.path, message: problem.message, continue: false });
    } else if (maxBytes !== undefined && new TextEncoder().encode(JSON.stringify(value)).byteLength > maxBytes) {
      ctx.addIssue({ code: "custom", message: `At most ${maxBytes} bytes of JSON`, continue: false });
    }
  };
}

/** Any JSON value (a provider's transcript, analysis) that Postgres stores, nested at most MAX_JSON_DEPTH levels. */
export const jsonValue = () =>
  z.unknown().superRefine(boundedJson()).describe(`Any JSON, nested at most ${MAX_JSON_DEPTH} levels`);

/**
 * Free-form JSON a caller attaches (metadata, configData, a provider's payload): a plain object,
 * at most `maxBytes` serialised (64 KB unless given), nested at most MAX_JSON_DEPTH levels, whose
 * text Postgres stores.
 */
export const jsonObject = ({
  maxBytes = 64 * 1024,
  key = z.string().max(200),
}: {
  maxBytes?: number;
  key?: z.ZodString;
} = {}) => z.record(key, z.unknown()).superRefine(boundedJson(maxBytes));

/**
 * An enum a client may spell in either case (spec 002 and 003 clients send `OPEN`, `WHATSAPP`): both
 * spellings are documented, and the value comes out as stored, lower case.
 */
export function anyCaseEnum<const T extends readonly [string, ...string[]]>(values: T) {
  const upper = values.map((value) => value.toUpperCase());
  return z.enum([...values, ...upper] as [string, ...string[]]).transform((value) => value.toLowerCase() as T[number]);
}

/**
 * `limit` (1–100, default 20) and `offset`, `page` or `cursor` for every list; extend with the list's own
 * filters. A cursor reads on from where a page ended at the cost of the first page, however deep.
 */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).default(0),
  page: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .optional()
    .describe("Spec 003's page number, from 1: the same as offset (page - 1) × limit; give one or the other"),
  cursor: z
    .string()
    .max(2048)
    .regex(/^[A-Za-z0-9_-]+$/, "Must be a cursor this API returned (base64url)")
    .optional()
    .describe(
      "`pagination.nextCursor` of the previous page: the next page, read on from where that one ended (with `offset` 0). Opaque; valid only for the same sort",
    ),
});
