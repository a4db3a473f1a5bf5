import type { Database } from "../db/client";
import type { ApiKeyScope, Role } from "../db/schema";

export type UserCaller = { kind: "user"; tenantId: string; userId: string; role: Role };
type ApiKeyCaller = { kind: "apiKey"; tenantId: string; apiKeyId: string; scopes: ApiKeyScope[] };
type PublicCaller = { kind: "public" };
export type AuthenticatedCaller = UserCaller | ApiKeyCaller;
export type Caller = AuthenticatedCaller | PublicCaller;

/**
 * What a service call knows of the request: the database, who is asking, and the ids needed
 * for audit and rate limiting. Services receive this, never a Request.
 */
export interface ServiceContext<C extends Caller = AuthenticatedCaller> {
  db: Database;
  caller: C;
  requestId: string;
  ip: string;
}

/** One page of a list and the total across all pages. */
export interface Page<T> {
  items: T[];
  total: number;
}
