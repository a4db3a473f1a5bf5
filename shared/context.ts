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

/** One page of a list: its items, the total across all pages, and where the next page starts. */
export interface Page<T> {
  items: T[];
  /** Exact when `totalIsExact`; otherwise a lower bound (shared/pagination.ts EXACT_TOTAL_LIMIT). */
  total: number;
  totalIsExact: boolean;
  hasMore: boolean;
  /** The `cursor` that reads the next page from where this one ends; null on the last page. */
  nextCursor: string | null;
}
