import { and, eq, gt, inArray, or, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import { alias, type PgUpdateSetSource } from "drizzle-orm/pg-core";
import type { z } from "zod";
import type { Database } from "../../db/client";
import {
  appointments,
  conversations,
  detectedEntities,
  type EntityType,
  type HandoffStatus,
  handoffPackages,
  messages,
  properties,
  prospectConversations,
  prospects,
  qualificationScores,
} from "../../db/schema";
import { shownColumns } from "../../shared/columns";
import type { AuthenticatedCaller, ServiceContext, UserCaller } from "../../shared/context";
import { conflict, isForeignKeyViolation, notFound } from "../../shared/errors";
import { fromJsonRows, jsonObjectOf } from "../../shared/json-rows";
import { correlated, listPage } from "../../shared/pagination";
import { type EventType, withEvents } from "../platform/events";
import { ownWorkOf, REP_ROLES, SALES_MANAGERS } from "./access";
import {
  type AiScore,
  aiScoreOf,
  type ConversationFacts,
  conversationContextOf,
  followUpChannel,
  generateHandoff,
  LAST_MESSAGES,
  type Listing,
  MESSAGE_CHARS,
  type QualificationScore,
  SUGGESTION_COUNT,
  salesChannelOf,
  snapshotOf,
  TRANSCRIPT_TAIL,
} from "./handoff-generator";
import {
  type createHandoffBody,
  DEFAULT_TTL_HOURS,
  type fromAppointmentBody,
  type listHandoffsQuery,
} from "./handoffs.schemas";

/**
 * Hand-off packages (spec 001): what a human rep needs to take a prospect over from the AI agent.
 * A package is pending until a rep claims it, claimed until the claimer (or a manager) completes it
 * or releases it back to pending, and expired by the `handoff-expiry` job when nobody claimed it
 * within its time to live. Every change is announced in the tenant's events feed by the change's
 * own statement (`withEvents`): handoff:new, handoff:claimed, handoff:released, handoff:completed
 * (here) and handoff:expired (services/sales/handoff-expiry.ts), each with the package's state
 * (`eventColumns`), never its content.
 *
 * A sales rep sees the pending packages (to claim them) and those they claimed; another's is as
 * unknown to them as another tenant's (404).
 */

const handoffColumns = shownColumns(handoffPackages);
type Handoff = Omit<typeof handoffPackages.$inferSelect, "tenantId">;

/** A rep's view: the pending packages and their own. */
function visibleTo(caller: AuthenticatedCaller): SQL | undefined {
  const rep = ownWorkOf(caller);
  return rep ? or(eq(handoffPackages.status, "pending"), eq(handoffPackages.claimedBy, rep)) : undefined;
}

/**
 * What a package's event carries: its state, never its content. Every member of the tenant reads the
 * feed, while a rep may not see another rep's package (visibleTo), so the prospect's contact details,
 * the needs and the conversation stay behind the routes: a front end reads the package through them.
 */
const eventColumns = {
  id: handoffPackages.id,
  status: handoffPackages.status,
  priority: handoffPackages.priority,
  prospectId: handoffPackages.prospectId,
  appointmentId: handoffPackages.appointmentId,
  claimedBy: handoffPackages.claimedBy,
  claimedAt: handoffPackages.claimedAt,
  expiresAt: handoffPackages.expiresAt,
  createdAt: handoffPackages.createdAt,
  updatedAt: handoffPackages.updatedAt,
};

/** The routes' descriptions of a change's event: what its payload holds, and where the package is read. */
export const announcedAs = (type: EventType) =>
  `Announced as ${type} in the events feed, with the package's state only (${Object.keys(eventColumns).join(", ")}): ` +
  "no personal data, since every member of the tenant reads the feed; the package is read at GET /api/handoffs/:id, " +
  "which applies a rep's visibility.";

/** What a change of packages returns for `withEvents`: the package's tenant and id, and its event's payload. */
export const eventRow = {
  tenantId: sql<string>`${handoffPackages.tenantId}`.as("tenant_id"),
  id: sql<string>`${handoffPackages.id}`.as("id"),
  payload: sql<Record<string, unknown>>`${jsonObjectOf(eventColumns)}`.as("payload"),
};

/**
 * What a route's change returns: beside `eventRow`, the package as the route answers it (`handoff`)
 * and its prospect (`prospect_id`, which a claim assigns to the claimer).
 */
const changedRow = {
  ...eventRow,
  handoff: sql<Record<string, unknown>>`${jsonObjectOf(handoffColumns)}`.as("handoff"),
  prospectId: sql<string>`${handoffPackages.prospectId}`.as("prospect_id"),
};

/** Rows of a raw statement: every driver answers them under `rows`. */
export async function rowsOf<T>(db: Database, statement: SQL): Promise<T[]> {
  return ((await db.execute(statement)) as unknown as { rows: T[] }).rows;
}

/**
 * Runs a change of one package (returning `changedRow`) with its event (`withEvents`), in one
 * statement; the package as the routes answer it, or undefined. `alongside` adds WITH items to
 * that statement: further writes of the same change, which read `changed` (a data-modifying WITH
 * cannot be nested inside `changed` itself), so they happen exactly when the change does.
 */
async function announce(
  db: Database,
  change: SQLWrapper,
  type: EventType,
  alongside?: SQL,
): Promise<Handoff | undefined> {
  const [row] = await rowsOf<{ handoff: Record<string, unknown> }>(
    db,
    sql`${withEvents(change, { type, resourceType: "handoff" })}${alongside ? sql`, ${alongside}` : sql``}
      select handoff from changed`,
  );
  return row && fromJsonRows(handoffColumns, [row.handoff])[0];
}

/** A package as the caller may see it: the package, or only its status when visibleTo hides it. */
type Seen = { status: HandoffStatus; handoff: Record<string, unknown> | null };

function seenBy(caller: AuthenticatedCaller) {
  const visible = visibleTo(caller);
  const handoff = jsonObjectOf(handoffColumns);
  return sql<Seen>`json_build_object('status', ${handoffPackages.status},
    'handoff', ${visible ? sql`case when ${visible} then ${handoff} end` : handoff})`;
}

/**
 * The appointment's existing package, answered with the visibility of GET /api/handoffs/:id: a rep
 * may not see it once another rep claimed it (409, not 404: the appointment is theirs), nor once
 * it expired unclaimed.
 */
function existingPackage({ status, handoff }: Seen): Handoff {
  if (handoff) return fromJsonRows(handoffColumns, [handoff])[0]!;
  throw conflict(
    status === "expired"
      ? "This appointment's hand-off has expired"
      : "This appointment's hand-off is claimed by another rep",
  );
}

/** Newest first; filters status, priority, claimedBy, prospectId. One statement. */
export function listHandoffs(ctx: ServiceContext, query: z.infer<typeof listHandoffsQuery>) {
  const where = and(
    eq(handoffPackages.tenantId, ctx.caller.tenantId),
    query.status ? eq(handoffPackages.status, query.status) : undefined,
    query.priority ? eq(handoffPackages.priority, query.priority) : undefined,
    query.claimedBy ? eq(handoffPackages.claimedBy, query.claimedBy) : undefined,
    query.prospectId ? eq(handoffPackages.prospectId, query.prospectId) : undefined,
    visibleTo(ctx.caller),
  );
  return listPage(ctx.db, {
    table: handoffPackages,
    columns: handoffColumns,
    where,
    sort: { by: [handoffPackages.createdAt, handoffPackages.id], direction: "desc" },
    page: query,
  });
}

export async function getHandoff(ctx: ServiceContext, id: string) {
  const [row] = await ctx.db
    .select(handoffColumns)
    .from(handoffPackages)
    .where(and(eq(handoffPackages.tenantId, ctx.caller.tenantId), eq(handoffPackages.id, id), visibleTo(ctx.caller)));
  if (!row) throw notFound("Hand-off");
  return row;
}

// What a package is made from, read inside one statement (the generator's HandoffSource).

/** A listing's columns: the generator's Listing. */
const listingColumns = {
  id: properties.id,
  name: properties.name,
  city: properties.city,
  type: properties.type,
  bedrooms: properties.bedrooms,
  priceMin: properties.priceMin,
  priceMax: properties.priceMax,
  currency: properties.currency,
  status: properties.status,
};

/** The prospect's latest sales conversation (prospect_conversations, on its (tenant, prospect, created_at) index). */
const latestConversationOf = (tenantId: SQLWrapper, prospectId: SQLWrapper) =>
  correlated(sql`(select ${prospectConversations.conversationId} from ${prospectConversations}
    where ${prospectConversations.tenantId} = ${tenantId} and ${prospectConversations.prospectId} = ${prospectId}
    order by ${prospectConversations.createdAt} desc, ${prospectConversations.conversationId} desc limit 1)`);

/** The conversation `id` names, as ConversationFacts: its end of transcript and last text messages only. */
const conversationOf = (tenantId: SQLWrapper, id: SQLWrapper) =>
  correlated(sql<ConversationFacts | null>`(select json_build_object(
      'id', ${conversations.id}, 'channel', ${conversations.channelType}, 'outcome', ${conversations.outcome},
      'sentiment', ${conversations.sentiment}, 'summary', ${conversations.summary},
      'transcript', right(${conversations.transcript}, ${TRANSCRIPT_TAIL}), 'handoffSuggested', ${conversations.handoffSuggested},
      'lastMessages', (select coalesce(json_agg(json_build_object('sender', last.sender, 'text', last.text) order by last.at, last.id), '[]'::json)
        from (select ${messages.sender} as sender, left(${messages.text}, ${MESSAGE_CHARS}) as text, ${messages.timestamp} as at, ${messages.id} as id
          from ${messages}
          where ${messages.tenantId} = ${conversations.tenantId} and ${messages.conversationId} = ${conversations.id}
            and ${messages.text} is not null
          order by ${messages.timestamp} desc, ${messages.id} desc limit ${LAST_MESSAGES}) last))
    from ${conversations} where ${conversations.tenantId} = ${tenantId} and ${conversations.id} = ${id})`);

/** The latest detected entity of each type (on detected_entities' (tenant, prospect, type, detected_at) index). */
const latestEntitiesOf = (tenantId: SQLWrapper, prospectId: SQLWrapper) =>
  correlated(sql<
    { type: EntityType; value: string }[]
  >`(select coalesce(json_agg(json_build_object('type', latest.type, 'value', latest.value) order by latest.type), '[]'::json)
    from (select distinct on (${detectedEntities.type}) ${detectedEntities.type} as type, ${detectedEntities.value} as value
      from ${detectedEntities}
      where ${detectedEntities.tenantId} = ${tenantId} and ${detectedEntities.prospectId} = ${prospectId}
      order by ${detectedEntities.type}, ${detectedEntities.detectedAt} desc, ${detectedEntities.id} desc) latest)`);

/** The prospect's latest AI score, or null. */
const latestScoreOf = (tenantId: SQLWrapper, prospectId: SQLWrapper) =>
  correlated(sql<AiScore | null>`(select ${jsonObjectOf({
    overall: qualificationScores.overall,
    budget: qualificationScores.budget,
    timeline: qualificationScores.timeline,
    intent: qualificationScores.intent,
    engagement: qualificationScores.engagement,
    notes: qualificationScores.notes,
    scoredAt: qualificationScores.scoredAt,
  })} from ${qualificationScores}
    where ${qualificationScores.tenantId} = ${tenantId} and ${qualificationScores.prospectId} = ${prospectId}
    order by ${qualificationScores.scoredAt} desc, ${qualificationScores.id} desc limit 1)`);

/**
 * The generator's suggestion rule (suggestProperties) in SQL, so only its top SUGGESTION_COUNT
 * leave the database: the same filter, found on the properties' (tenant, lower(city)) index, and
 * the same order.
 */
function suggestionsFor(
  tenantId: SQLWrapper,
  wanted: { city: SQL; budget: SQL; type: SQL; bedrooms: SQL; target: SQL; excluded: SQLWrapper },
) {
  // The ranking keeps the top rows' ids and keys (a top-N sort, however many listings the city has);
  // only those rows are read again to be written as JSON, in the same order.
  const order = (from: string) => sql.raw(`${from}same_type desc, ${from}bedroom_gap, ${from}price_gap, ${from}id`);
  return correlated(sql<
    Listing[]
  >`(select coalesce(json_agg(${jsonObjectOf(listingColumns)} order by ${order("ranked.")}), '[]'::json)
    from (select ${properties.id} as id,
        coalesce(${properties.type} = ${wanted.type}, false) as same_type,
        abs(${properties.bedrooms} - ${wanted.bedrooms}) as bedroom_gap,
        case when ${wanted.target} is null then ${properties.priceMin} else abs(${properties.priceMin} - ${wanted.target}) end as price_gap
      from ${properties}
      where ${properties.tenantId} = ${tenantId} and ${properties.status} = 'available'
        and lower(${properties.city}) = lower(${wanted.city})
        and (${wanted.budget} is null or ${properties.priceMin} <= ${wanted.budget})
        and ${properties.id} is distinct from ${wanted.excluded}
      order by ${order("")} limit ${SUGGESTION_COUNT}) ranked
    join ${properties} on ${properties.tenantId} = ${tenantId} and ${properties.id} = ranked.id)`);
}

const prospectFacts = {
  id: prospects.id,
  name: prospects.name,
  email: prospects.email,
  phone: prospects.phone,
  whatsapp: prospects.whatsapp,
  status: prospects.status,
  budget: prospects.budget,
  city: prospects.city,
  timeline: prospects.timeline,
  preferredPropertyType: prospects.preferredPropertyType,
  bedrooms: prospects.bedrooms,
  preferredChannel: prospects.preferredChannel,
};

/** The property an appointment is a viewing of, beside the properties it is compared with. */
const viewed = alias(properties, "viewed");

/**
 * Everything the appointment's package is made from, and its package if it has one (as the caller
 * may see it), in one statement; undefined when the caller may not see the appointment (a rep: only
 * their own).
 */
async function gatherForAppointment(ctx: ServiceContext, appointmentId: string) {
  const rep = ownWorkOf(ctx.caller);
  const [row] = await ctx.db
    .select({
      appointment: {
        id: appointments.id,
        status: appointments.status,
        scheduledAt: appointments.scheduledAt,
        sourceChannel: appointments.sourceChannel,
      },
      prospect: prospectFacts,
      property: {
        id: viewed.id,
        name: viewed.name,
        city: viewed.city,
        type: viewed.type,
        bedrooms: viewed.bedrooms,
        priceMin: viewed.priceMin,
        priceMax: viewed.priceMax,
        currency: viewed.currency,
        status: viewed.status,
      },
      conversation: conversationOf(
        appointments.tenantId,
        sql`coalesce(${appointments.conversationId}, ${latestConversationOf(appointments.tenantId, appointments.prospectId)})`,
      ),
      entities: latestEntitiesOf(appointments.tenantId, appointments.prospectId),
      aiScore: latestScoreOf(appointments.tenantId, appointments.prospectId),
      listings: suggestionsFor(appointments.tenantId, {
        city: sql`coalesce(${prospects.city}, ${viewed.city})`,
        budget: sql`${prospects.budget}`,
        type: sql`coalesce(${prospects.preferredPropertyType}, ${viewed.type})`,
        bedrooms: sql`coalesce(${prospects.bedrooms}, ${viewed.bedrooms})`,
        target: sql`coalesce(${prospects.budget}, ${viewed.priceMin})`,
        excluded: appointments.propertyId,
      }),
      existing: correlated(sql<Seen | null>`(select ${seenBy(ctx.caller)} from ${handoffPackages}
        where ${handoffPackages.tenantId} = ${appointments.tenantId} and ${handoffPackages.appointmentId} = ${appointments.id})`),
    })
    .from(appointments)
    .innerJoin(prospects, and(eq(prospects.tenantId, appointments.tenantId), eq(prospects.id, appointments.prospectId)))
    .leftJoin(viewed, and(eq(viewed.tenantId, appointments.tenantId), eq(viewed.id, appointments.propertyId)))
    .where(
      and(
        eq(appointments.tenantId, ctx.caller.tenantId),
        eq(appointments.id, appointmentId),
        rep ? eq(appointments.assignedRepId, rep) : undefined,
      ),
    );
  return row;
}

const createdByOf = (caller: AuthenticatedCaller) => (caller.kind === "user" ? caller.userId : null);
const expiresIn = (hours: number) => sql`now() + make_interval(hours => ${hours}::int)`;

/** A write whose prospect or appointment was deleted since it was read: as unknown as it now is. */
async function stillThere<T>(write: Promise<T>, what: string): Promise<T> {
  try {
    return await write;
  } catch (error) {
    throw isForeignKeyViolation(error) ? notFound(what) : error;
  }
}

/**
 * POST /api/handoffs/from-appointment: the appointment's package, generated (handoff-generator.ts)
 * from one statement's read, and inserted with its handoff:new event by a second (`announce`); or
 * the package it already has (`created: false`), answered by the first. The INSERT does nothing on
 * the (tenant, appointment) unique index when a parallel request inserted first, and a third
 * statement then reads that one: never two packages, never two events. An existing package is
 * answered only as GET /api/handoffs/:id would show it to the caller (existingPackage).
 */
export async function handoffFromAppointment(
  ctx: ServiceContext,
  input: z.infer<typeof fromAppointmentBody>,
): Promise<{ handoff: Handoff; created: boolean }> {
  const { tenantId } = ctx.caller;
  const source = await gatherForAppointment(ctx, input.appointmentId);
  if (!source) throw notFound("Appointment");
  if (source.existing) return { handoff: existingPackage(source.existing), created: false };
  const content = generateHandoff({
    ...source,
    appointment: { ...source.appointment, scheduledAt: source.appointment.scheduledAt.toISOString() },
  });
  const insert = ctx.db
    .insert(handoffPackages)
    .values({ ...content, tenantId, createdBy: createdByOf(ctx.caller), expiresAt: expiresIn(input.ttlHours) })
    .onConflictDoNothing({ target: [handoffPackages.tenantId, handoffPackages.appointmentId] })
    .returning(changedRow);
  const created = await stillThere(announce(ctx.db, insert, "handoff:new"), "Appointment");
  if (created) return { handoff: created, created: true };
  // A parallel request's package, committed before the INSERT gave way to it: this statement sees it.
  const [existing] = await ctx.db
    .select({ seen: seenBy(ctx.caller) })
    .from(handoffPackages)
    .where(and(eq(handoffPackages.tenantId, tenantId), eq(handoffPackages.appointmentId, input.appointmentId)));
  if (!existing) throw notFound("Appointment");
  return { handoff: existingPackage(existing.seen), created: false };
}

/**
 * POST /api/handoffs: a package made by hand. One statement resolves the prospect (a rep: only
 * their own), the conversation (one of the prospect's sales conversations), the suggested
 * properties and the prospect's latest AI score; a second inserts it with its handoff:new event.
 */
export async function createHandoff(ctx: ServiceContext, input: z.infer<typeof createHandoffBody>) {
  const { tenantId } = ctx.caller;
  const rep = ownWorkOf(ctx.caller);
  const ids = input.suggestedPropertyIds;
  const [found] = await ctx.db
    .select({
      prospect: prospectFacts,
      conversation: input.conversationId
        ? conversationOf(
            prospects.tenantId,
            sql`(select ${prospectConversations.conversationId} from ${prospectConversations}
              where ${prospectConversations.tenantId} = ${prospects.tenantId} and ${prospectConversations.prospectId} = ${prospects.id}
                and ${prospectConversations.conversationId} = ${input.conversationId})`,
          )
        : sql<null>`null`,
      listings:
        ids.length > 0
          ? correlated(sql<
              Listing[]
            >`(select coalesce(json_agg(${jsonObjectOf(listingColumns)}), '[]'::json) from ${properties}
              where ${properties.tenantId} = ${prospects.tenantId} and ${inArray(properties.id, ids)})`)
          : sql<Listing[]>`'[]'::json`,
      aiScore: input.qualificationScore ? sql<null>`null` : latestScoreOf(prospects.tenantId, prospects.id),
    })
    .from(prospects)
    .where(
      and(
        eq(prospects.tenantId, tenantId),
        eq(prospects.id, input.prospectId),
        rep ? eq(prospects.assignedTo, rep) : undefined,
      ),
    );
  if (!found) throw notFound("Prospect");
  const { prospect, conversation } = found;
  if (input.conversationId && !conversation) throw notFound("Conversation");
  const listings = new Map(found.listings.map((listing) => [listing.id, listing]));
  const suggestedProperties = ids.map((id) => {
    const listing = listings.get(id);
    if (!listing) throw notFound("Property");
    return snapshotOf(listing);
  });
  const qualificationScore: QualificationScore | Record<string, never> = input.qualificationScore
    ? { ...input.qualificationScore, source: "manual", scoredAt: null }
    : found.aiScore
      ? aiScoreOf(found.aiScore)
      : {};
  const sourceChannel = input.sourceChannel ?? salesChannelOf(conversation?.channel);
  const insert = ctx.db
    .insert(handoffPackages)
    .values({
      tenantId,
      prospectId: prospect.id,
      conversationId: conversation?.id ?? null,
      prospectName: prospect.name,
      prospectPhone: prospect.phone,
      prospectEmail: prospect.email,
      prospectWhatsapp: prospect.whatsapp,
      priority: input.priority,
      reason: input.reason,
      summary: input.summary,
      detectedNeeds: input.detectedNeeds,
      nextSteps: input.nextSteps,
      suggestedProperties,
      qualificationScore,
      conversationContext: conversation ? conversationContextOf(conversation) : null,
      sourceChannel,
      suggestedFollowUpChannel:
        input.suggestedFollowUpChannel ??
        followUpChannel(prospect.preferredChannel, sourceChannel, conversation?.channel),
      createdBy: createdByOf(ctx.caller),
      expiresAt: expiresIn(input.ttlHours),
    })
    .returning(changedRow);
  const created = await stillThere(announce(ctx.db, insert, "handoff:new"), "Prospect");
  if (!created) throw new Error("hand-off insert returned no row");
  return created;
}

/**
 * The moves a person makes (handoff-expiry makes the last, pending → expired): claim, pending →
 * claimed (anyone of the sales team, while the package has not expired); release, claimed →
 * pending, and complete, claimed → completed (the claimer, or a manager).
 */
const MOVES: Record<
  "claim" | "release" | "complete",
  {
    from: HandoffStatus;
    done: string;
    event: EventType;
    set(userId: string): PgUpdateSetSource<typeof handoffPackages>;
    /** More writes of the same statement (announce's `alongside`). */
    alongside?(ctx: ServiceContext<UserCaller>): SQL | undefined;
  }
> = {
  claim: {
    from: "pending",
    done: "claimed",
    event: "handoff:claimed",
    set: (userId) => ({ status: "claimed", claimedBy: userId, claimedAt: sql`now()` }),
    alongside: takeProspect,
  },
  release: {
    from: "claimed",
    done: "released",
    event: "handoff:released",
    // Pending again, for at least a default time to live: past its old expiresAt it could never be
    // claimed again, only expired by the next handoff-expiry run.
    set: () => ({
      status: "pending",
      claimedBy: null,
      claimedAt: null,
      expiresAt: sql`greatest(${handoffPackages.expiresAt}, ${expiresIn(DEFAULT_TTL_HOURS)})`,
    }),
  },
  complete: {
    from: "claimed",
    done: "completed",
    event: "handoff:completed",
    set: () => ({ status: "completed", completedAt: sql`now()` }),
  },
};
type Move = keyof typeof MOVES;

/**
 * A claim's second write: the claimer takes the prospect over, since a sales rep sees only the
 * prospects assigned to them and a package is no use without its prospect and conversations. As a
 * reassignment by hand (PATCH /api/prospects/:id), it no longer names the routing rule that routed
 * it; a prospect already the claimer's is left as it is. It reads the claim's `changed`, so the
 * prospect moves when, and only when, the claim does, in the claim's own statement. Only a rep
 * role is given prospects (REP_ROLES), as everywhere: an owner's or admin's claim leaves the
 * assignment as it is. A release does not take the prospect back: the rep keeps what they worked on.
 */
function takeProspect({ db, caller }: ServiceContext<UserCaller>): SQL | undefined {
  if (!(REP_ROLES as readonly string[]).includes(caller.role)) return undefined;
  const update = db
    .update(prospects)
    .set({ assignedTo: caller.userId, routingRuleId: null, updatedAt: sql`now()` })
    .where(
      and(
        eq(prospects.tenantId, caller.tenantId),
        eq(prospects.id, sql`(select prospect_id from changed)`),
        sql`${prospects.assignedTo} is distinct from ${caller.userId}`,
      ),
    );
  return sql`taken as (${update.getSQL()})`;
}

/**
 * One conditional UPDATE moves the package and appends its event, in one statement (`announce`);
 * when it matched nothing, one read says why: 404 when the caller may not see it, else 409
 * naming its status. A claim's loser learns it lost (409) even though the package, now another
 * rep's, is no longer theirs to see.
 */
async function move(ctx: ServiceContext<UserCaller>, id: string, name: Move) {
  const { tenantId, userId, role } = ctx.caller;
  const { from, event, set, alongside } = MOVES[name];
  const mine = and(eq(handoffPackages.tenantId, tenantId), eq(handoffPackages.id, id));
  const byClaimerOrManager = (SALES_MANAGERS as readonly string[]).includes(role)
    ? undefined
    : eq(handoffPackages.claimedBy, userId);
  const update = ctx.db
    .update(handoffPackages)
    .set({ ...set(userId), updatedAt: sql`now()` })
    .where(
      and(
        mine,
        eq(handoffPackages.status, from),
        name === "claim" ? gt(handoffPackages.expiresAt, sql`now()`) : byClaimerOrManager,
      ),
    )
    .returning(changedRow);
  const moved = await announce(ctx.db, update, event, alongside?.(ctx));
  if (moved) return moved;
  const [current] = await ctx.db
    .select({ status: handoffPackages.status, claimedBy: handoffPackages.claimedBy })
    .from(handoffPackages)
    .where(and(mine, name === "claim" ? undefined : visibleTo(ctx.caller)));
  if (!current) throw notFound("Hand-off");
  throw refusal(name, current, userId);
}

/** Why a move matched a package the caller may ask about but did not move it: always a 409, naming its status. */
function refusal(name: Move, current: { status: HandoffStatus; claimedBy: string | null }, userId: string) {
  switch (current.status) {
    case "pending":
      return conflict(
        name === "claim"
          ? "This hand-off has expired: its time to live is over"
          : `This hand-off is pending: only a claimed one can be ${MOVES[name].done}`,
      );
    case "claimed":
      if (name !== "claim") return conflict("This hand-off changed meanwhile; read it again");
      return conflict(
        current.claimedBy === userId
          ? "You have already claimed this hand-off"
          : "Someone else has already claimed this hand-off",
      );
    default:
      return conflict(`This hand-off is ${current.status}: it can no longer be ${MOVES[name].done}`);
  }
}

export const claimHandoff = (ctx: ServiceContext<UserCaller>, id: string) => move(ctx, id, "claim");
export const releaseHandoff = (ctx: ServiceContext<UserCaller>, id: string) => move(ctx, id, "release");
export const completeHandoff = (ctx: ServiceContext<UserCaller>, id: string) => move(ctx, id, "complete");
