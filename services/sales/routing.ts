import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import type { z } from "zod";
import type { Database } from "../../db/client";
import { prospects, routingRules, users } from "../../db/schema";
import { shownColumns } from "../../shared/columns";
import type { ServiceContext } from "../../shared/context";
import { notFound, sqlState, unprocessable } from "../../shared/errors";
import { listPage } from "../../shared/pagination";
import { assertReps, REP_ROLES } from "./access";
import type { ProspectInput } from "./prospects.schemas";
import { repIsActive } from "./reps";
import type { createRoutingRuleBody, listRoutingRulesQuery, updateRoutingRuleBody } from "./routing.schemas";

/**
 * Routing rules (spec 001) and the statement that inserts new prospects and routes them.
 *
 * A prospect without an assignee goes to the first active rule, by priority then id, whose conditions
 * all hold — its city among the rule's cities, its budget within the rule's bounds (a prospect with no
 * budget only where the rule has none), its preferred channel among the rule's channels; an empty list
 * or a null bound holds for anything — and that has at least one active rep. The rule gives it to
 * its next rep in turn: each assignment bumps the rule's `assignment_count` to c, and assignment c goes
 * to rep (c − 1) mod n of the rule's n active reps ordered by id. The bump is an UPDATE of the rule's
 * row, so concurrent creates queue on its lock and each gets its own c: twenty at once over four reps
 * give five each. No rule matches: the prospect stays unassigned.
 */

const ruleColumns = shownColumns(routingRules);
const prospectColumns = shownColumns(prospects, "searchVector");

const REP_ROLE_LIST = sql.join(
  REP_ROLES.map((role) => sql`${role}`),
  sql`, `,
);

/**
 * Inserts prospects and routes those without an assignee, in one statement. A batch takes its turns
 * in the order given, each rule bumped once by as many as it assigns. With `skipExisting`, a prospect
 * whose email the tenant has, or an earlier one of the batch has, is left out; without, the unique
 * index refuses it. Answers the inserted rows with each one's position in `items`.
 *
 * Called with one prospect, the statement locks at most one rule, so creates at once cannot
 * deadlock; a batch that may route to several rules must queue first (serializeBatchRouting).
 */
export async function insertRoutedProspects(
  db: Database,
  tenantId: string,
  items: readonly ProspectInput[],
  { skipExisting }: { skipExisting: boolean },
) {
  const ids = items.map(() => randomUUID());
  const input = JSON.stringify(
    items.map((item, ord) => ({
      ord,
      id: ids[ord],
      name: item.name,
      email: item.email ?? null,
      phone: item.phone ?? null,
      whatsapp: item.whatsapp ?? null,
      budget: item.budget ?? null,
      city: item.city ?? null,
      timeline: item.timeline ?? null,
      preferred_property_type: item.preferredPropertyType ?? null,
      bedrooms: item.bedrooms ?? null,
      status: item.status,
      preferred_channel: item.preferredChannel ?? null,
      assigned_to: item.assignedTo ?? null,
    })),
  );
  const given = db.$with("given", {}).as(sql`
    select * from jsonb_to_recordset(${input}::jsonb) as given(ord int, id uuid, name text, email text, phone text,
      whatsapp text, budget numeric, city text, timeline text, preferred_property_type text, bedrooms int, status text,
      preferred_channel text, assigned_to uuid)`);
  // One prospect per email: the first given, and only when the tenant has none with it yet.
  const fresh = db.$with("fresh", {}).as(
    skipExisting
      ? sql`
        select distinct on (lower(email), case when email is null then ord end) * from given
        where not exists (
          select from ${prospects}
          where ${prospects.tenantId} = ${tenantId} and lower(${prospects.email}) = lower(given.email)
        )
        order by lower(email), case when email is null then ord end, ord`
      : sql`select * from given`,
  );
  // The tenant's active rules, each with its reps who still are and are active, in id order.
  const rules = db.$with("rules", {}).as(sql`
    select ${routingRules.id} as id, ${routingRules.priority} as priority, ${routingRules.cities} as cities,
      ${routingRules.minBudget} as min_budget, ${routingRules.maxBudget} as max_budget,
      ${routingRules.channels} as channels,
      array(
        select ${users.id} from ${users}
        where ${users.tenantId} = ${tenantId} and ${users.id} = any(${routingRules.repIds})
          and ${users.role} in (${REP_ROLE_LIST}) and ${repIsActive}
        order by ${users.id}
      ) as reps
    from ${routingRules}
    where ${routingRules.tenantId} = ${tenantId} and ${routingRules.isActive}`);
  // Each prospect to route, its rule, and its turn among the batch's prospects of that rule.
  const turns = db.$with("turns", {}).as(sql`
    select fresh.ord, rule.id as rule_id, row_number() over (partition by rule.id order by fresh.ord) as turn
    from fresh
    cross join lateral (
      select rules.id from rules
      where cardinality(rules.reps) > 0
        and (cardinality(rules.cities) = 0 or lower(fresh.city) = any(rules.cities))
        and (cardinality(rules.channels) = 0 or fresh.preferred_channel = any(rules.channels))
        and case when fresh.budget is null then rules.min_budget is null and rules.max_budget is null
          else fresh.budget >= coalesce(rules.min_budget, fresh.budget)
            and fresh.budget <= coalesce(rules.max_budget, fresh.budget) end
      order by rules.priority, rules.id
      limit 1
    ) rule
    where fresh.assigned_to is null`);
  // Each rule takes its turns under its row lock; a rule deactivated meanwhile assigns nothing.
  const bumped = db.$with("bumped", {}).as(sql`
    update ${routingRules} set assignment_count = ${routingRules.assignmentCount} + taken.count
    from (select rule_id, count(*) as count from turns group by rule_id) taken
    where ${routingRules.tenantId} = ${tenantId} and ${routingRules.id} = taken.rule_id and ${routingRules.isActive}
    returning ${routingRules.id} as id, ${routingRules.assignmentCount} - taken.count as before`);
  const inserted = db.$with("inserted", prospectColumns).as(sql`
    insert into ${prospects} (id, tenant_id, name, email, phone, whatsapp, budget, city, timeline,
      preferred_property_type, bedrooms, status, preferred_channel, assigned_to, routing_rule_id)
    select fresh.id, ${tenantId}::uuid, fresh.name, fresh.email, fresh.phone, fresh.whatsapp, fresh.budget,
      fresh.city, fresh.timeline, fresh.preferred_property_type, fresh.bedrooms, fresh.status,
      fresh.preferred_channel,
      coalesce(
        fresh.assigned_to,
        rules.reps[((bumped.before + turns.turn - 1) % cardinality(rules.reps))::int + 1]
      ),
      bumped.id
    from fresh
    left join turns on turns.ord = fresh.ord
    left join bumped on bumped.id = turns.rule_id
    left join rules on rules.id = bumped.id
    returning *`);

  const row = Object.fromEntries(
    Object.keys(prospectColumns).map((key) => [key, inserted[key as keyof typeof prospectColumns]]),
  ) as { [K in keyof typeof prospectColumns]: (typeof inserted)[K] };
  const rows = await db.with(given, fresh, rules, turns, bumped, inserted).select(row).from(inserted);
  // Ids are given here, so each row's position comes back without another join.
  const positions = new Map<string, number>(ids.map((id, index) => [id, index]));
  return rows
    .map((inserted) => ({ index: positions.get(inserted.id) ?? -1, row: inserted }))
    .sort((a, b) => a.index - b.index);
}

/**
 * Queues a batch that may route to several rules behind the tenant's other batches, until its
 * transaction ends. A batch's insert bumps its rules in whatever order the plan reaches them, so
 * two batches at once could each hold a rule the other waits for. Locking the rules beforehand
 * in id order would miss a rule activated or created between that lock and the insert, which the
 * insert then bumps out of order; one transaction-scoped lock per tenant covers every rule the
 * insert can bump, whenever it came to be. A single create bumps one rule and waits for nothing
 * after, so it needs no such lock and cannot close a cycle with a batch.
 */
export async function serializeBatchRouting(db: Database, tenantId: string): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`routing:${tenantId}`}, 0))`);
}

/** In the order they are tried: priority, then id. One statement. */
export function listRoutingRules(ctx: ServiceContext, query: z.infer<typeof listRoutingRulesQuery>) {
  return listPage(ctx.db, {
    table: routingRules,
    columns: ruleColumns,
    where: and(
      eq(routingRules.tenantId, ctx.caller.tenantId),
      query.isActive === undefined ? undefined : eq(routingRules.isActive, query.isActive),
    ),
    sort: { by: [routingRules.priority, routingRules.id], direction: "asc" },
    page: query,
  });
}

const ruleOf = (ctx: ServiceContext, id: string) =>
  and(eq(routingRules.tenantId, ctx.caller.tenantId), eq(routingRules.id, id));

export async function getRoutingRule(ctx: ServiceContext, id: string) {
  const [row] = await ctx.db.select(ruleColumns).from(routingRules).where(ruleOf(ctx, id));
  if (!row) throw notFound("Routing rule");
  return row;
}

/** Checks the reps in the tenant (404 otherwise) and inserts the rule, in one transaction. */
export function createRoutingRule(ctx: ServiceContext, input: z.infer<typeof createRoutingRuleBody>) {
  return ctx.db.transaction(async (tx) => {
    await assertReps({ ...ctx, db: tx }, input.repIds);
    const [row] = await tx
      .insert(routingRules)
      .values({ ...input, tenantId: ctx.caller.tenantId })
      .returning(ruleColumns);
    if (!row) throw new Error("routing rule insert returned no row");
    return row;
  });
}

/**
 * Changes only the fields given; new reps are checked in the tenant first, in the same transaction.
 * The rule keeps its assignment count, so the turn moves on from where it was. A bound that would
 * pass the stored other bound is a 422.
 */
export function updateRoutingRule(ctx: ServiceContext, id: string, input: z.infer<typeof updateRoutingRuleBody>) {
  return ctx.db.transaction(async (tx) => {
    if (input.repIds) await assertReps({ ...ctx, db: tx }, input.repIds);
    const [row] = await tx
      .update(routingRules)
      .set({ ...input, updatedAt: sql`now()` })
      .where(ruleOf(ctx, id))
      .returning(ruleColumns)
      .catch((error) => {
        // routing_rules_budget_check: the bound given against the one stored.
        throw sqlState(error) === "23514" ? unprocessable("maxBudget must be at least minBudget") : error;
      });
    if (!row) throw notFound("Routing rule");
    return row;
  });
}

/** Prospects it assigned keep their rep (and the rule's id, which then names no rule). */
export async function deleteRoutingRule(ctx: ServiceContext, id: string) {
  const [row] = await ctx.db.delete(routingRules).where(ruleOf(ctx, id)).returning({ id: routingRules.id });
  if (!row) throw notFound("Routing rule");
}
