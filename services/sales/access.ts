import { and, eq, inArray } from "drizzle-orm";
import { type Role, users } from "../../db/schema";
import type { AuthenticatedCaller, ServiceContext } from "../../shared/context";
import { notFound } from "../../shared/errors";

/**
 * Who does what in sales (spec 001; the README's permission table). Route declarations name these
 * lists, route() enforces them, and the security matrix proves them. A sales rep is further limited,
 * row by row, to their own work (`ownWorkOf`): another rep's prospect is as unknown to them as
 * another tenant's.
 */

/** Manage campaigns, routing rules, integrations and every rep's work. */
export const SALES_MANAGERS = ["owner", "admin", "sales_manager"] as const satisfies readonly Role[];
/** Work prospects, appointments and hand-offs: the managers, and reps on their own. */
export const SALES_TEAM = [...SALES_MANAGERS, "sales_rep"] as const satisfies readonly Role[];
/** Read the sales team's work without changing it: the team, QA supervisors and compliance officers. */
export const SALES_READERS = [...SALES_TEAM, "qa_supervisor", "compliance_officer"] as const satisfies readonly Role[];
/** Read the team (GET /api/reps): the managers, QA supervisors and compliance officers; a rep sees only their own work. */
export const REP_READERS = [
  ...SALES_MANAGERS,
  "qa_supervisor",
  "compliance_officer",
] as const satisfies readonly Role[];
/** Manage the listings: the managers and operations. */
export const PROPERTY_MANAGERS = [...SALES_MANAGERS, "operations"] as const satisfies readonly Role[];
/** Roles whose users can be given prospects, appointments and routing rules' turns. */
export const REP_ROLES = ["sales_rep", "sales_manager"] as const satisfies readonly Role[];

/** The user whose own work the caller is limited to: a sales rep's own id; undefined for everyone else. */
export function ownWorkOf(caller: AuthenticatedCaller): string | undefined {
  return caller.kind === "user" && caller.role === "sales_rep" ? caller.userId : undefined;
}

/**
 * Checks that every id names a user of the caller's tenant with a rep role; one that does not
 * (another tenant's user included) is 404, like an unknown id. One statement.
 */
export async function assertReps(ctx: ServiceContext, ids: readonly string[]): Promise<void> {
  const wanted = [...new Set(ids)];
  if (wanted.length === 0) return;
  const found = await ctx.db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.tenantId, ctx.caller.tenantId), inArray(users.id, wanted), inArray(users.role, REP_ROLES)));
  if (found.length !== wanted.length) throw notFound("Rep");
}
