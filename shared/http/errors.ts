import { AppError, type ErrorCode, sqlState } from "../errors";
import { logError } from "../log";

interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown[] };
}

function toAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  switch (sqlState(error)) {
    case "23505":
      return new AppError("CONFLICT", "A record with these values already exists");
    case "23503":
      return new AppError("CONFLICT", "The record refers to, or is referred to by, another record");
    // Postgres gave up one of two transactions that waited on each other: nothing of it was
    // written, and the same request again succeeds.
    case "40P01":
    case "40001":
      return new AppError(
        "CONFLICT",
        "The request collided with a concurrent change and was not applied; send it again",
      );
    default:
      return undefined;
  }
}

/**
 * Maps anything thrown to the envelope; unexpected errors are logged with the request id (the
 * logger keeps a failed query's shape and SQLSTATE, never its values) and never returned.
 */
export function errorResponse(error: unknown, requestId: string, request: { method: string; url: string }): Response {
  const known = toAppError(error);
  if (!known) {
    logError({
      msg: "unhandled error",
      requestId,
      method: request.method,
      path: new URL(request.url).pathname,
      error,
    });
    const body: ErrorBody = {
      error: {
        code: "INTERNAL_ERROR",
        message: `An unexpected error occurred. Quote request id ${requestId} when reporting it.`,
      },
    };
    return Response.json(body, { status: 500 });
  }
  const body: ErrorBody = { error: { code: known.code, message: known.message } };
  if (known.details) body.error.details = known.details;
  const response = Response.json(body, { status: known.status });
  if (known.retryAfter !== undefined) response.headers.set("retry-after", String(known.retryAfter));
  return response;
}
