import type { AuthenticatedCaller } from "../../shared/context";
import { notFound } from "../../shared/errors";

/**
 * A business a spec 000 or 001 client named (`businessId`/`business_id`) must be the caller's own
 * tenant: another one is answered as an unknown one, 404, never 403.
 */
export function assertOwnBusiness(caller: AuthenticatedCaller, businessId: string | undefined): void {
  if (businessId !== undefined && businessId !== caller.tenantId) throw notFound("Business");
}
