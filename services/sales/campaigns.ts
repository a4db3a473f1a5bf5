import { and, eq, inArray, or, type SQL, sql } from "drizzle-orm";
import type { z } from "zod";
import type { Database } from "../../db/client";
import {
  appointments,
  type CAMPAIGN_RUN_STATUSES,
  type CampaignStatus,
  CONNECTED_OUTCOMES,
  campaignRuns,
  campaigns,
  conversations,
  prospectConversations,
  QUEUED_LEAD_STATUSES,
  type QueuedLeadStatus,
  queuedLeads,
} from "../../db/schema";
import { shownColumns } from "../../shared/columns";
import type { ServiceContext } from "../../shared/context";
import { conflict, conflictOn, isForeignKeyViolation, notFound, unprocessable } from "../../shared/errors";
import { childPage, correlated, listPage } from "../../shared/pagination";
import { stateMachine } from "../../shared/state-machine";
import type {
  createCampaignBody,
  listCampaignsQuery,
  listRunsQuery,
  updateCampaignBody,
  updateRunBody,
} from "./campaigns.schemas";

/**
 * Campaigns and their runs (spec 001). What a campaign or a run achieved is never stored: it is
 * counted on every read, in the statement that reads the row, from the conversations linked to it
 * (prospect_conversations.campaign_id / campaign_run_id), their inbox outcomes and the appointments
 * they booked (appointments.conversation_id). Every statement is filtered by the caller's tenant.
 */

/**
 * Where a campaign may go: a draft is launched; an active one paused or completed; a paused one
 * resumed or completed. Completed is final. Giving the status a campaign already has changes nothing.
 */
export const campaignStatuses = stateMachine<CampaignStatus>("campaign", {
  draft: ["active"],
  active: ["paused", "completed"],
  paused: ["active", "completed"],
  completed: [],
});

type RunStatus = (typeof CAMPAIGN_RUN_STATUSES)[number];
const runStatuses = stateMachine<RunStatus>("campaign run", { running: ["completed"], completed: [] });

interface Outcomes {
  attempts: number;
  connected: number;
  bookedAppointments: number;
}

/**
 * What the conversations `linked` selects came to, as one JSON object: how many, how many reached
 * the person (CONNECTED_OUTCOMES), and how many appointments they booked. One pass over the linked
 * conversations (index (tenant_id, campaign_id) or (tenant_id, campaign_run_id)), each joined to its
 * inbox conversation and its appointments counted on (tenant_id, conversation_id).
 */
const outcomesOf = (linked: SQL) =>
  correlated(sql<Outcomes>`(
    select json_build_object(
      'attempts', count(*)::int,
      'connected', (count(*) filter (where ${inArray(conversations.outcome, CONNECTED_OUTCOMES)}))::int,
      'bookedAppointments', coalesce(sum((
        select count(*) from ${appointments}
        where ${appointments.tenantId} = ${prospectConversations.tenantId}
          and ${appointments.conversationId} = ${prospectConversations.conversationId}
      )), 0)::int)
    from ${prospectConversations}
    left join ${conversations} on ${conversations.tenantId} = ${prospectConversations.tenantId}
      and ${conversations.id} = ${prospectConversations.conversationId}
    where ${linked})`);

/** The campaign row's queued leads counted by status, every status named (index (tenant_id, campaign_id, status, ...)). */
const leadCountsOfCampaign = correlated(sql<Record<QueuedLeadStatus, number>>`(
  select json_build_object(${sql.join(
    QUEUED_LEAD_STATUSES.map(
      (status) => sql`${status}::text, (count(*) filter (where ${queuedLeads.status} = ${status}))::int`,
    ),
    sql`, `,
  )})
  from ${queuedLeads}
  where ${queuedLeads.tenantId} = ${campaigns.tenantId} and ${queuedLeads.campaignId} = ${campaigns.id})`);

/** A campaign as every route answers it: its columns, its outcomes and its leads' counts, in one statement. */
const campaignWithCounts = {
  ...shownColumns(campaigns),
  outcomes: outcomesOf(
    sql`${prospectConversations.tenantId} = ${campaigns.tenantId} and ${prospectConversations.campaignId} = ${campaigns.id}`,
  ).as("outcomes"),
  leads: leadCountsOfCampaign.as("leads"),
};

const runWithCounts = {
  ...shownColumns(campaignRuns),
  outcomes: outcomesOf(
    sql`${prospectConversations.tenantId} = ${campaignRuns.tenantId} and ${prospectConversations.campaignRunId} = ${campaignRuns.id}`,
  ).as("outcomes"),
};

/** connected / attempts as a fraction to 4 decimals (3 of 7 is 0.4286), 0 with no attempts. */
const connectRate = ({ connected, attempts }: Outcomes) =>
  attempts === 0 ? 0 : Math.round((connected / attempts) * 10_000) / 10_000;

/** A row with its outcomes spelled out as spec 001's fields. */
function withRates<T extends { outcomes: Outcomes }>({ outcomes, ...row }: T) {
  return { ...row, ...outcomes, connectRate: connectRate(outcomes) };
}

/** The campaign `id` in the caller's tenant, as the campaign's and its leads' statements find it. */
export const campaignOf = (ctx: ServiceContext, id: string) =>
  and(eq(campaigns.tenantId, ctx.caller.tenantId), eq(campaigns.id, id));

const userOf = (ctx: ServiceContext) => (ctx.caller.kind === "user" ? ctx.caller.userId : null);

const NEEDS_CHANNEL = "An active campaign needs at least one channel";

/** Newest first; filter by status. One statement, each campaign's counts computed beside it. */
export async function listCampaigns(ctx: ServiceContext, query: z.infer<typeof listCampaignsQuery>) {
  const page = await listPage(ctx.db, {
    table: campaigns,
    columns: campaignWithCounts,
    where: and(
      eq(campaigns.tenantId, ctx.caller.tenantId),
      query.status ? eq(campaigns.status, query.status) : undefined,
    ),
    sort: { by: [campaigns.createdAt, campaigns.id], direction: "desc" },
    page: query,
  });
  return { ...page, items: page.items.map(withRates) };
}

export async function getCampaign(ctx: ServiceContext, id: string) {
  const [row] = await ctx.db.select(campaignWithCounts).from(campaigns).where(campaignOf(ctx, id));
  if (!row) throw notFound("Campaign");
  return withRates(row);
}

/** One statement. An active campaign needs a channel to reach its prospects by (422). */
export async function createCampaign(ctx: ServiceContext, input: z.infer<typeof createCampaignBody>) {
  if (input.status === "active" && input.channels.length === 0) throw unprocessable(NEEDS_CHANNEL);
  const [row] = await ctx.db
    .insert(campaigns)
    .values({ ...input, tenantId: ctx.caller.tenantId, createdBy: userOf(ctx) })
    .returning(campaignWithCounts);
  if (!row) throw new Error("campaign insert returned no row");
  return withRates(row);
}

/**
 * Changes the fields given with one conditional UPDATE: a new status must follow from the current one
 * (`campaignStatuses`), and a campaign that is active afterwards must have a channel. Completing a
 * campaign ends its running run in the same transaction (no lead is handed out for it any more).
 * When nothing changed, one read tells 404 from 422 (the rule refused) and from 409 (it changed meanwhile).
 */
export async function updateCampaign(ctx: ServiceContext, id: string, input: z.infer<typeof updateCampaignBody>) {
  const target = input.status;
  const statusAfter = target ? sql`${target}::text` : sql`${campaigns.status}`;
  const hasChannel = input.channels ? sql`${input.channels.length > 0}` : sql`cardinality(${campaigns.channels}) > 0`;
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(campaigns)
      .set({ ...input, updatedAt: sql`now()` })
      .where(
        and(
          campaignOf(ctx, id),
          target
            ? or(inArray(campaigns.status, campaignStatuses.predecessorsOf(target)), eq(campaigns.status, target))
            : undefined,
          sql`(${statusAfter} <> 'active' or ${hasChannel})`,
        ),
      )
      .returning(campaignWithCounts);
    if (!row) throw await updateRefusal(tx, ctx, id, input);
    if (target === "completed") {
      await tx
        .update(campaignRuns)
        .set({ status: "completed", endedAt: sql`now()` })
        .where(
          and(
            eq(campaignRuns.tenantId, ctx.caller.tenantId),
            eq(campaignRuns.campaignId, id),
            eq(campaignRuns.status, "running"),
          ),
        );
    }
    return withRates(row);
  });
}

/** Why updateCampaign changed nothing, read after the fact. */
async function updateRefusal(db: Database, ctx: ServiceContext, id: string, input: z.infer<typeof updateCampaignBody>) {
  const [current] = await db
    .select({ status: campaigns.status, channels: campaigns.channels })
    .from(campaigns)
    .where(campaignOf(ctx, id));
  if (!current) return notFound("Campaign");
  const target = input.status;
  if (target && target !== current.status && !campaignStatuses.predecessorsOf(target).includes(current.status)) {
    return campaignStatuses.refuse(current.status, target);
  }
  if ((target ?? current.status) === "active" && (input.channels ?? current.channels).length === 0) {
    return unprocessable(NEEDS_CHANNEL);
  }
  return conflict("The campaign changed meanwhile; retry");
}

/**
 * Deletes a draft that never reached anyone (its queued leads go with it), in one statement. A
 * campaign that ran, or has conversations, is history: 409, complete it instead.
 */
export async function deleteCampaign(ctx: ServiceContext, id: string) {
  const inUse = conflict(
    "Only a draft campaign with no conversations can be deleted; set its status to completed to end it",
  );
  try {
    const [row] = await ctx.db
      .delete(campaigns)
      .where(and(campaignOf(ctx, id), eq(campaigns.status, "draft")))
      .returning({ id: campaigns.id });
    if (row) return;
  } catch (error) {
    if (isForeignKeyViolation(error)) throw inUse;
    throw error;
  }
  const [current] = await ctx.db.select({ id: campaigns.id }).from(campaigns).where(campaignOf(ctx, id));
  throw current ? inUse : notFound("Campaign");
}

/**
 * Starts a run of an active campaign, in one statement: the insert reads the campaign under a share
 * lock, so a pause or completion waits for it (or wins before it, and no run starts). At most one
 * run of a campaign is running (the partial unique index campaign_runs_one_running_key): a second
 * start, however concurrent, is a 409.
 */
export async function startRun(ctx: ServiceContext, campaignId: string) {
  const [row] = await conflictOn(
    ctx.db
      .insert(campaignRuns)
      .select(
        // Drizzle's INSERT ... SELECT takes every column of the table, in its order.
        ctx.db
          .select({
            id: sql`gen_random_uuid()`.as("id"),
            tenantId: campaigns.tenantId,
            campaignId: campaigns.id,
            status: sql`'running'`.as("status"),
            startedBy: sql`${userOf(ctx)}::uuid`.as("started_by"),
            startedAt: sql`now()`.as("started_at"),
            endedAt: sql`null::timestamptz`.as("ended_at"),
            createdAt: sql`now()`.as("created_at"),
          })
          .from(campaigns)
          .where(and(campaignOf(ctx, campaignId), eq(campaigns.status, "active")))
          .for("share"),
      )
      .returning(runWithCounts),
    { campaign_runs_one_running_key: "The campaign already has a running run; complete it before starting another" },
  );
  if (row) return withRates(row);
  const [current] = await ctx.db
    .select({ status: campaigns.status })
    .from(campaigns)
    .where(campaignOf(ctx, campaignId));
  if (!current) throw notFound("Campaign");
  throw conflict(`The campaign is ${current.status}: only an active campaign runs; set its status to active first`);
}

/** A campaign's runs, latest first, with their counts; filter by status. One statement (an unknown campaign is a 404). */
export async function listRuns(ctx: ServiceContext, campaignId: string, query: z.infer<typeof listRunsQuery>) {
  const { tenantId } = ctx.caller;
  const page = await childPage(ctx.db, {
    parent: { table: campaigns, where: campaignOf(ctx, campaignId) },
    children: {
      table: campaignRuns,
      where: and(
        eq(campaignRuns.tenantId, tenantId),
        eq(campaignRuns.campaignId, campaignId),
        query.status ? eq(campaignRuns.status, query.status) : undefined,
      ),
      columns: runWithCounts,
    },
    sort: { by: [campaignRuns.startedAt, campaignRuns.id], direction: "desc" },
    page: query,
  });
  if (!page) throw notFound("Campaign");
  return { ...page, items: page.items.map(withRates) };
}

const runOf = (ctx: ServiceContext, id: string) =>
  and(eq(campaignRuns.tenantId, ctx.caller.tenantId), eq(campaignRuns.id, id));

export async function getRun(ctx: ServiceContext, id: string) {
  const [row] = await ctx.db.select(runWithCounts).from(campaignRuns).where(runOf(ctx, id));
  if (!row) throw notFound("Campaign run");
  return withRates(row);
}

/**
 * Ends a running run (one conditional UPDATE; a completed run is final, 422). Leads it holds stay
 * claimed until their claim expires, then the next run may hand them out.
 */
export async function updateRun(ctx: ServiceContext, id: string, input: z.infer<typeof updateRunBody>) {
  const [row] = await ctx.db
    .update(campaignRuns)
    .set({ status: input.status, endedAt: sql`now()` })
    .where(and(runOf(ctx, id), inArray(campaignRuns.status, runStatuses.predecessorsOf(input.status))))
    .returning(runWithCounts);
  if (row) return withRates(row);
  const [current] = await ctx.db.select({ status: campaignRuns.status }).from(campaignRuns).where(runOf(ctx, id));
  if (!current) throw notFound("Campaign run");
  throw runStatuses.refuse(current.status, input.status);
}
