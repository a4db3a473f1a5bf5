/**
 * The one error type services throw. Services name what went wrong; shared/http maps each
 * code to its status, so business logic never speaks HTTP.
 */
export const ERROR_STATUS = {
  INVALID_JSON: 400,
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE: 422,
  /** A free-form WhatsApp message more than 24 hours after the customer last wrote: only a template may go. */
  OUTSIDE_SERVICE_WINDOW: 422,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  /** A provider (Meta's Graph API) refused or failed the request; `details` carry its error. */
  UPSTREAM_FAILED: 502,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorDetail {
  path?: string;
  message: string;
  [key: string]: unknown;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    /** Seconds until a rate-limited caller may try again. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = "AppError";
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export const notFound = (what: string) => new AppError("NOT_FOUND", `${what} not found`);
export const forbidden = (message = "You do not have permission to do this") => new AppError("FORBIDDEN", message);
export const conflict = (message: string) => new AppError("CONFLICT", message);
export const unprocessable = (message: string) => new AppError("UNPROCESSABLE", message);
export const unauthorized = (message = "Authentication required") => new AppError("UNAUTHORIZED", message);

/** A field of the driver's error (its SQLSTATE `code`, its `constraint`), through Drizzle's wrapping as `cause`. */
function driverField(error: unknown, key: "code" | "constraint", valid: (value: string) => boolean) {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const value = (current as Record<string, unknown>)[key];
    if (typeof value === "string" && valid(value)) return value;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Postgres reports the SQLSTATE on the driver error, which Drizzle wraps as `cause`. */
export const sqlState = (error: unknown): string | undefined =>
  driverField(error, "code", (code) => /^[0-9A-Z]{5}$/.test(code));

export const isUniqueViolation = (error: unknown) => sqlState(error) === "23505";
export const isForeignKeyViolation = (error: unknown) => sqlState(error) === "23503";

/**
 * Runs a write, answering a unique violation with the 409 that says which value is taken: the
 * message `conflicts` gives for the violated constraint (by name), or `conflicts` itself when it is
 * one message for any. Any other error, a violation of a constraint not named included, passes.
 */
export async function conflictOn<T>(write: PromiseLike<T>, conflicts: string | Record<string, string>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const constraint = driverField(error, "constraint", () => true) ?? "";
    const message =
      typeof conflicts === "string"
        ? conflicts
        : Object.hasOwn(conflicts, constraint)
          ? conflicts[constraint]
          : undefined;
    if (message === undefined) throw error;
    throw conflict(message);
  }
}
