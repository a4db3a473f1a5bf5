import { createHash } from "node:crypto";
import { and, eq, lt, sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { idempotencyKeys } from "../../db/schema";
import { AppError, conflict, unprocessable } from "../errors";

/**
 * Retried writes (DESIGN §3), with Stripe's semantics: the first answer to a tenant's
 * `Idempotency-Key` is stored for 24 hours, and a retry with the same key and the same request
 * gets that answer again (with `Idempotent-Replayed: true`) instead of a second write; the same key
 * with another request is a 422.
 *
 * The key is claimed, the operation run and its answer stored in ONE transaction. Two requests with
 * one key at the same moment therefore make one write: the second's claim waits on the first's
 * uncommitted row, then finds its stored answer. Unlike Stripe, a failed operation (an error
 * thrown, 4xx or 5xx) stores nothing: its transaction rolled back, nothing was written, so a
 * retry with the key runs again. An operation that wrote something and still answers an error
 * returns that answer rather than throwing it (a WhatsApp send Meta refused: the message stored
 * failed, a 502), and it is kept like any other, so a retry does not send again.
 */

/** How long an answer is kept; after it the key may be used again for anything. */
const IDEMPOTENCY_KEY_LIFETIME = "24 hours";

const KEY_PATTERN = /^[\x20-\x7e]{1,255}$/;

/** The request's `Idempotency-Key`, or undefined without one; anything but 1–255 printable ASCII characters is a 400. */
export function idempotencyKeyOf(request: Request): string | undefined {
  const key = request.headers.get("idempotency-key");
  if (key === null) return undefined;
  if (!KEY_PATTERN.test(key)) {
    throw new AppError("VALIDATION_FAILED", "The Idempotency-Key header is invalid", [
      { path: "headers.idempotency-key", message: "Must be 1 to 255 printable ASCII characters" },
    ]);
  }
  return key;
}

/** JSON with object keys sorted at every depth, so `{"a":1,"b":2}` and `{"b":2,"a":1}` are one request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** SHA-256 of what makes two requests the same: method, path, query (in any order) and body (keys in any order). */
export function requestHash(method: string, url: URL, body: unknown): string {
  const query = [...url.searchParams].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash("sha256")
    .update(canonicalJson([method, url.pathname, query, body ?? null]))
    .digest("hex");
}

export interface IdempotentRequest {
  tenantId: string;
  key: string;
  /** "POST /api/orders": a key names one request to one operation. */
  operation: string;
  requestHash: string;
}

/**
 * Answers `request` once per key: claims the key and runs `answer` on the transaction, storing its
 * status and JSON body; or replays what the key's first request stored. An expired key is claimed
 * anew. Errors from `answer` roll everything back, the claim included.
 */
export function answerOnce(
  db: Database,
  request: IdempotentRequest,
  answer: (db: Database) => Promise<Response>,
): Promise<Response> {
  const { tenantId, key, operation, requestHash } = request;
  const expiresAt = sql`now() + ${IDEMPOTENCY_KEY_LIFETIME}::interval`;
  return db.transaction(async (tx) => {
    // A live key of another transaction blocks here until it commits (then: no row) or rolls back (then: claimed).
    const [claimed] = await tx
      .insert(idempotencyKeys)
      .values({ tenantId, key, operation, requestHash, expiresAt })
      .onConflictDoUpdate({
        target: [idempotencyKeys.tenantId, idempotencyKeys.key],
        set: {
          operation,
          requestHash,
          responseStatus: null,
          responseBody: null,
          createdAt: sql`now()`,
          expiresAt,
        },
        setWhere: lt(idempotencyKeys.expiresAt, sql`now()`),
      })
      .returning({ key: idempotencyKeys.key });
    if (!claimed) return replay(tx, request);

    const response = await answer(tx);
    const text = await response.text();
    await tx
      .update(idempotencyKeys)
      .set({ responseStatus: response.status, responseBody: text === "" ? null : JSON.parse(text) })
      .where(and(eq(idempotencyKeys.tenantId, tenantId), eq(idempotencyKeys.key, key)));
    return new Response(text === "" ? null : text, { status: response.status, headers: response.headers });
  });
}

/** The stored answer to the key's first request, if this is the same request. */
async function replay(db: Database, request: IdempotentRequest): Promise<Response> {
  // A new statement, so it sees the row the claim waited for (READ COMMITTED).
  const [stored] = await db
    .select({
      operation: idempotencyKeys.operation,
      requestHash: idempotencyKeys.requestHash,
      status: idempotencyKeys.responseStatus,
      body: idempotencyKeys.responseBody,
    })
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.tenantId, request.tenantId), eq(idempotencyKeys.key, request.key)));
  // Only if the clean-up deleted the expired row in between: a retry claims the key.
  if (stored?.status == null) throw conflict("The Idempotency-Key was released meanwhile; retry the request");
  if (stored.operation !== request.operation || stored.requestHash !== request.requestHash) {
    throw unprocessable("Idempotency-Key reused with a different request");
  }
  const headers = { "idempotent-replayed": "true" };
  return stored.body === null
    ? new Response(null, { status: stored.status, headers })
    : Response.json(stored.body, { status: stored.status, headers });
}
