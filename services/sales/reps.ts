import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { z } from "zod";
import { prospects, salesReps, users } from "../../db/schema";
import type { ServiceContext } from "../../shared/context";
import { notFound } from "../../shared/errors";
import { correlated, listPage } from "../../shared/pagination";
import { REP_ROLES } from "./access";
import type { listRepsQuery } from "./reps.schemas";

/**
 * The sales team as routing sees it: the tenant's users with a rep role, each active unless a manager
 * said otherwise (a `sales_reps` row; none means active). Routing rules pass inactive reps over.
 */

/** Whether the user of the enclosing query's `users` row takes new prospects. */
export const repIsActive: SQL<boolean> = sql<boolean>`coalesce((
  select ${salesReps.isActive} from ${salesReps}
  where ${salesReps.tenantId} = ${users.tenantId} and ${salesReps.userId} = ${users.id}
), true)`;

const repColumns = {
  id: users.id,
  name: users.name,
  email: users.email,
  role: users.role,
  createdAt: users.createdAt,
  isActive: correlated(repIsActive).as("is_active"),
  assignedProspects: correlated(
    sql<number>`(select count(*)::int from ${prospects}
      where ${prospects.tenantId} = ${users.tenantId} and ${prospects.assignedTo} = ${users.id})`,
  ).as("assigned_prospects"),
};

const repsOf = (tenantId: string) => and(eq(users.tenantId, tenantId), inArray(users.role, REP_ROLES));

/** Oldest first, with each rep's standing and how many prospects they hold. One statement. */
export function listReps(ctx: ServiceContext, query: z.infer<typeof listRepsQuery>) {
  return listPage(ctx.db, {
    table: users,
    columns: repColumns,
    where: and(
      repsOf(ctx.caller.tenantId),
      query.isActive === undefined ? undefined : sql`${repIsActive} = ${query.isActive}`,
    ),
    sort: { by: [users.createdAt, users.id], direction: "asc" },
    page: query,
  });
}

/**
 * Sets whether a rep takes new prospects, in one statement: the standing is upserted only for a
 * user of the tenant with a rep role (anyone else, another tenant's user included, is a 404), and
 * the rep is answered as the list shows them. Prospects they already hold stay theirs.
 */
export async function updateRep(ctx: ServiceContext, id: string, input: { isActive: boolean }) {
  const { tenantId } = ctx.caller;
  const standing = ctx.db.$with("standing").as(
    ctx.db
      .insert(salesReps)
      .select(
        ctx.db
          .select({
            tenantId: users.tenantId,
            userId: users.id,
            isActive: sql<boolean>`${input.isActive}::boolean`.as("is_active"),
            createdAt: sql<Date>`now()`.as("created_at"),
            updatedAt: sql<Date>`now()`.as("updated_at"),
          })
          .from(users)
          .where(and(repsOf(tenantId), eq(users.id, id))),
      )
      .onConflictDoUpdate({
        target: [salesReps.tenantId, salesReps.userId],
        set: { isActive: input.isActive, updatedAt: sql`now()` },
      })
      .returning({ userId: salesReps.userId, isActive: salesReps.isActive }),
  );
  const [row] = await ctx.db
    .with(standing)
    .select({ ...repColumns, isActive: standing.isActive })
    .from(users)
    .innerJoin(standing, eq(standing.userId, users.id))
    .where(eq(users.tenantId, tenantId));
  if (!row) throw notFound("Rep");
  return row;
}
