import { and, eq, isNull, or, type SQL, sql } from "drizzle-orm";
import { type AnyPgColumn, alias, type PgTable } from "drizzle-orm/pg-core";
import type { z } from "zod";
import {
  agentActions,
  agentPlanSteps,
  detectedEntities,
  type EntityType,
  PROPERTY_TYPES,
  type PropertyType,
  prospectConversations,
  prospects,
  qualificationScores,
} from "../../db/schema";
import { shownColumns } from "../../shared/columns";
import type { ServiceContext } from "../../shared/context";
import { notFound } from "../../shared/errors";
import { fromJsonRows, jsonObjectOf } from "../../shared/json-rows";
import { correlated } from "../../shared/pagination";
import { updateConversation } from "../inbox/conversations";
import { ownWorkOf } from "./access";
import { ACTIVITY_LIMITS, type prospectFields, type recordAgentActivityBody } from "./agent-activity.schemas";
import { updateProspectBody } from "./prospects.schemas";

/**
 * What the AI agent records during a sales conversation (spec 001's agent actions, detected
 * entities, qualification scores, plan steps and live conversation state), and what it detects
 * filling the prospect's empty fields. Every statement is filtered by the caller's tenant; a
 * conversation with no sales link (an inbox conversation of no prospect) is unknown here.
 */

const pc = prospectConversations;
type ProspectFields = z.infer<typeof prospectFields>;
type FilledField = keyof ProspectFields;

const MULTIPLIERS: Record<string, number> = {
  "": 0,
  k: 3,
  thousand: 3,
  m: 6,
  mn: 6,
  million: 6,
  b: 9,
  bn: 9,
  billion: 9,
};
const BUDGET = /^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s*([a-z]*)$/;

/**
 * A budget as people say it, as the decimal string prospects.budget stores: "2,000,000", "2000000",
 * "2m", "2.5M", "500k", "1.2 million". Digits are shifted, never multiplied as floats, so "1.15m" is
 * exactly 1150000. Anything else (a range, a currency, more than cents) is undefined: kept as the
 * entity, not put on the prospect. How large a budget may be is the prospects API's bound (fillsOf).
 */
function parseBudget(value: string): string | undefined {
  const match = BUDGET.exec(value.trim().toLowerCase());
  if (!match) return undefined;
  const [, whole = "", fraction = "", unit = ""] = match;
  const shift = MULTIPLIERS[unit];
  if (shift === undefined) return undefined;
  const digits = `${whole.replaceAll(",", "")}${fraction}`;
  const decimals = fraction.length - shift;
  if (decimals > 2) return undefined;
  const cents = BigInt(digits) * 10n ** BigInt(2 - decimals);
  return `${cents / 100n}.${(cents % 100n).toString().padStart(2, "0")}`;
}

/** "Villas", "villa", "APARTMENT" → one of PROPERTY_TYPES; anything else undefined. */
function parsePropertyType(value: string): PropertyType | undefined {
  const word = value.trim().toLowerCase();
  return PROPERTY_TYPES.find((type) => word === type || word === `${type}s`);
}

/** "3", "3 bedrooms", "3BR" → 3; anything else undefined. How many is the prospects API's bound (fillsOf). */
function parseBedrooms(value: string): number | undefined {
  const match = /^(\d{1,3})\s*(?:bedrooms?|beds?|br|bhk)?$/i.exec(value.trim());
  return match ? Number(match[1]) : undefined;
}

const asText = (value: string) => value;

/** The prospect field each entity type fills, and how its value reads as that field's. */
const FILLS: Partial<
  Record<EntityType, { field: FilledField; parse: (value: string) => string | number | undefined }>
> = {
  budget: { field: "budget", parse: parseBudget },
  timeline: { field: "timeline", parse: asText },
  city: { field: "city", parse: asText },
  property_type: { field: "preferredPropertyType", parse: parsePropertyType },
  bedrooms: { field: "bedrooms", parse: parseBedrooms },
};

const prospectColumns = {
  budget: prospects.budget,
  timeline: prospects.timeline,
  city: prospects.city,
  preferredPropertyType: prospects.preferredPropertyType,
  bedrooms: prospects.bedrooms,
};

type Body = z.infer<typeof recordAgentActivityBody>;

/**
 * The time of the `index`th record a body lists without one: the clock's, read row by row, not the
 * transaction's (the same for every row), plus `index` microseconds, so a body's records are listed
 * in the order given even on a clock too coarse to tell them apart (PGlite's).
 */
const inOrder = (index: number) => sql`clock_timestamp() + ${index} * interval '1 microsecond'`;

/**
 * The values entities give the prospect's fields: per field, the last entity of its type that reads
 * as one and that the prospects API takes for it (a person's PATCH, so an entity never stores what
 * a person could not: a 500-character "city" stays the entity alone rather than being cut to fit).
 */
function fillsOf(entities: Body["entities"] = []): Partial<ProspectFields> {
  const fills: Partial<Record<FilledField, unknown>> = {};
  for (const entity of entities) {
    const fill = FILLS[entity.type];
    const value = fill?.parse(entity.value);
    if (!fill || value === undefined) continue;
    const taken = updateProspectBody.safeParse({ [fill.field]: value });
    if (taken.success) fills[fill.field] = taken.data[fill.field];
  }
  return fills as Partial<ProspectFields>;
}

/** The live state a `state` body sets: ending sets endedAt (the first end kept), resuming clears it. */
function stateChange(state: NonNullable<Body["state"]>) {
  return {
    ...(state.isLive === undefined
      ? {}
      : { isLive: state.isLive, endedAt: state.isLive ? null : sql`coalesce(${pc.endedAt}, now())` }),
    ...(state.stage === undefined ? {} : { stage: state.stage }),
    ...(state.data === undefined ? {} : { state: state.data }),
  };
}

/**
 * Records the body in one transaction: the live state (the link's row is updated first, and stays
 * locked, so one conversation's recordings queue), the conversation's fields (through the inbox,
 * which announces `conversation:updated`), actions, entities, a score, plan steps upserted by
 * position, and the prospect's empty fields filled from the entities with `coalesce` (a value
 * already there, a person's included, is never overwritten, even one written meanwhile).
 */
export async function recordAgentActivity(ctx: ServiceContext, conversationId: string, body: Body) {
  const { tenantId } = ctx.caller;
  const { actions = [], entities = [], score, planSteps = [], state, ...fields } = body;
  return ctx.db.transaction(async (tx) => {
    const [link] = await tx
      .update(pc)
      .set({ ...(state ? stateChange(state) : {}), updatedAt: sql`now()` })
      .from(prospects)
      .where(
        and(
          eq(pc.tenantId, tenantId),
          eq(pc.conversationId, conversationId),
          eq(prospects.tenantId, pc.tenantId),
          eq(prospects.id, pc.prospectId),
        ),
      )
      .returning({
        prospectId: pc.prospectId,
        isLive: pc.isLive,
        stage: pc.stage,
        state: pc.state,
        endedAt: pc.endedAt,
        ...prospectColumns,
      });
    if (!link) throw notFound("Sales conversation");
    const { prospectId, isLive, stage, state: data, endedAt, ...before } = link;
    const owned = { tenantId, conversationId, prospectId };

    const conversationFields = Object.keys(fields).filter((key) => fields[key as keyof typeof fields] !== undefined);
    if (conversationFields.length > 0) await updateConversation({ ...ctx, db: tx }, conversationId, fields);
    if (actions.length > 0) {
      await tx
        .insert(agentActions)
        .values(
          actions.map((action, index) => ({ ...action, ...owned, occurredAt: action.occurredAt ?? inOrder(index) })),
        );
    }
    if (entities.length > 0) {
      await tx
        .insert(detectedEntities)
        .values(entities.map((entity, index) => ({ ...entity, ...owned, detectedAt: inOrder(index) })));
    }
    if (score) await tx.insert(qualificationScores).values({ ...score, ...owned });
    if (planSteps.length > 0) {
      await tx
        .insert(agentPlanSteps)
        .values(planSteps.map((step) => ({ ...step, ...owned })))
        .onConflictDoUpdate({
          target: [agentPlanSteps.conversationId, agentPlanSteps.position],
          set: { description: sql`excluded.description`, status: sql`excluded.status`, updatedAt: sql`now()` },
        });
    }

    const fills = fillsOf(entities);
    const named = Object.keys(fills) as FilledField[];
    let prospect: ProspectFields = before;
    if (named.length > 0) {
      const empty = or(...named.map((field) => isNull(prospects[field])));
      const [filled] = await tx
        .update(prospects)
        .set({
          ...Object.fromEntries(named.map((field) => [field, sql`coalesce(${prospects[field]}, ${fills[field]})`])),
          updatedAt: sql`case when ${empty} then now() else ${prospects.updatedAt} end`,
        })
        .where(and(eq(prospects.tenantId, tenantId), eq(prospects.id, prospectId)))
        .returning(prospectColumns);
      if (!filled) throw notFound("Prospect");
      prospect = filled;
    }
    return {
      conversationId,
      prospectId,
      recorded: {
        actions: actions.length,
        entities: entities.length,
        scores: score ? 1 : 0,
        planSteps: planSteps.length,
        conversationFields,
      },
      state: { isLive, stage, state: data, endedAt },
      prospect,
      // Filled here: empty before, and now the entity's value (not a value someone wrote meanwhile).
      filled: named.filter((field) => before[field] === null && prospect[field] === fills[field]),
    };
  });
}

/** The conversation's records of each kind, as the read shows them (the conversation and prospect are the read's own). */
const action = alias(agentActions, "action");
const entity = alias(detectedEntities, "entity");
const scored = alias(qualificationScores, "scored");
const step = alias(agentPlanSteps, "step");
const listed = {
  actions: shownColumns(action, "conversationId", "prospectId"),
  entities: shownColumns(entity, "conversationId", "prospectId"),
  scores: shownColumns(scored, "conversationId", "prospectId"),
  planSteps: shownColumns(step, "conversationId", "prospectId"),
};

const ofConversation = (table: typeof agentActions | typeof detectedEntities | typeof qualificationScores) =>
  and(
    eq(table.tenantId, pc.tenantId),
    eq(table.conversationId, pc.conversationId),
    // Scores are indexed by prospect: the conversation's are found among its prospect's.
    eq(table.prospectId, pc.prospectId),
  );

/**
 * Up to `limit` of the conversation's rows of `table`, the first in `pick` order, as a JSON array in
 * `order` (over `row`, the alias the picked rows are read through).
 */
function recordsOf(
  table: PgTable,
  where: SQL | undefined,
  pick: SQL,
  limit: number,
  rows: { row: PgTable; columns: Record<string, AnyPgColumn>; order: SQL },
) {
  return correlated(sql<unknown[]>`(
    select coalesce(json_agg(${jsonObjectOf(rows.columns)} order by ${rows.order}), '[]'::json)
    from (select * from ${table} where ${where} order by ${pick} limit ${limit}) as ${rows.row}
  )`);
}

/**
 * The conversation's live state and what the AI agent recorded in it, in one statement: the latest
 * actions and entities (oldest first), the latest scores (newest first; the first is the current
 * one) and the plan by position, each capped (ACTIVITY_LIMITS). A sales rep reads only the
 * conversations of their own prospects; any other conversation is a 404.
 */
export async function getAgentActivity(ctx: ServiceContext, conversationId: string) {
  const rep = ownWorkOf(ctx.caller);
  const [row] = await ctx.db
    .select({
      conversationId: pc.conversationId,
      prospectId: pc.prospectId,
      isLive: pc.isLive,
      stage: pc.stage,
      state: pc.state,
      endedAt: pc.endedAt,
      actions: recordsOf(
        agentActions,
        ofConversation(agentActions),
        sql`${agentActions.occurredAt} desc, ${agentActions.id} desc`,
        ACTIVITY_LIMITS.actions,
        { row: action, columns: listed.actions, order: sql`${action.occurredAt}, ${action.id}` },
      ),
      entities: recordsOf(
        detectedEntities,
        ofConversation(detectedEntities),
        sql`${detectedEntities.detectedAt} desc, ${detectedEntities.id} desc`,
        ACTIVITY_LIMITS.entities,
        { row: entity, columns: listed.entities, order: sql`${entity.detectedAt}, ${entity.id}` },
      ),
      scores: recordsOf(
        qualificationScores,
        ofConversation(qualificationScores),
        sql`${qualificationScores.scoredAt} desc, ${qualificationScores.id} desc`,
        ACTIVITY_LIMITS.scores,
        { row: scored, columns: listed.scores, order: sql`${scored.scoredAt} desc, ${scored.id} desc` },
      ),
      planSteps: recordsOf(
        agentPlanSteps,
        and(eq(agentPlanSteps.tenantId, pc.tenantId), eq(agentPlanSteps.conversationId, pc.conversationId)),
        sql`${agentPlanSteps.position}`,
        ACTIVITY_LIMITS.planSteps,
        { row: step, columns: listed.planSteps, order: sql`${step.position}` },
      ),
    })
    .from(pc)
    .innerJoin(prospects, and(eq(prospects.tenantId, pc.tenantId), eq(prospects.id, pc.prospectId)))
    .where(
      and(
        eq(pc.tenantId, ctx.caller.tenantId),
        eq(pc.conversationId, conversationId),
        rep ? eq(prospects.assignedTo, rep) : undefined,
      ),
    );
  if (!row) throw notFound("Sales conversation");
  const scores = fromJsonRows(listed.scores, row.scores);
  return {
    ...row,
    actions: fromJsonRows(listed.actions, row.actions),
    entities: fromJsonRows(listed.entities, row.entities),
    score: scores[0] ?? null,
    scores,
    planSteps: fromJsonRows(listed.planSteps, row.planSteps),
  };
}
