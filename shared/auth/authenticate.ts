import { and, eq, gt, isNull, or, sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { type ApiKeyScope, apiKeys, type Role } from "../../db/schema";
import type { AuthenticatedCaller, Caller } from "../context";
import { forbidden, unauthorized } from "../errors";
import { sha256, verifyAccessToken } from "./tokens";

/**
 * Who may call an operation: the public, or members with given roles and/or API keys with given
 * scopes. `anonymous` lets a request with no credentials at all through as the public as well (the
 * handler decides what the public sees: spec 001's anonymous read of a business's listings);
 * credentials that are sent are still checked, and a bad one is still a 401.
 */
export type Access = "public" | { roles?: readonly Role[]; scopes?: readonly ApiKeyScope[]; anonymous?: true };

export const API_KEY_PREFIX = "fd_";

/**
 * Resolves the caller from `Authorization: Bearer <jwt>` (no query) or `x-api-key` (one
 * statement that also records the key's last use). Public operations ignore credentials.
 */
export async function authenticate(
  request: Request,
  access: Access,
  database: () => Promise<Database>,
): Promise<Caller> {
  if (access === "public") return { kind: "public" };
  const authorization = request.headers.get("authorization");
  if (authorization !== null) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match?.[1]) throw unauthorized("Authorization header must be 'Bearer <token>'");
    return { kind: "user", ...(await verifyAccessToken(match[1])) };
  }
  const key = request.headers.get("x-api-key");
  if (key !== null) return authenticateApiKey(await database(), key);
  if (access.anonymous) return { kind: "public" };
  throw unauthorized();
}

async function authenticateApiKey(db: Database, key: string): Promise<AuthenticatedCaller> {
  if (!key.startsWith(API_KEY_PREFIX)) throw unauthorized("Invalid API key");
  const [row] = await db
    .update(apiKeys)
    .set({ lastUsedAt: sql`now()` })
    .where(
      and(
        eq(apiKeys.keyHash, sha256(key)),
        isNull(apiKeys.revokedAt),
        or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, sql`now()`)),
      ),
    )
    .returning({ id: apiKeys.id, tenantId: apiKeys.tenantId, scopes: apiKeys.scopes });
  if (!row) throw unauthorized("Invalid API key");
  return { kind: "apiKey", tenantId: row.tenantId, apiKeyId: row.id, scopes: row.scopes };
}

export function authorize(caller: Caller, access: Access): void {
  if (access === "public" || (access.anonymous && caller.kind === "public")) return;
  if (caller.kind === "user") {
    if (access.roles && !access.roles.includes(caller.role)) throw forbidden();
  } else if (caller.kind === "apiKey") {
    if (!access.scopes?.some((scope) => caller.scopes.includes(scope))) {
      throw forbidden(
        access.scopes
          ? `This API key needs one of the scopes: ${access.scopes.join(", ")}`
          : "API keys cannot call this operation",
      );
    }
  } else {
    throw unauthorized();
  }
}
