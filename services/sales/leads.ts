import { and, asc, eq, sql } from "drizzle-orm";
import type { z } from "zod";
import { campaignRuns, campaigns, prospects, queuedLeads } from "../../db/schema";
import { shownColumns } from "../../shared/columns";
import type { ServiceContext } from "../../shared/context";
import { AppError, conflict, isForeignKeyViolation, notFound } from "../../shared/errors";
import { childPage, correlated } from "../../shared/pagination";
import { ownWorkOf } from "./access";
import { campaignOf } from "./campaigns";
import type { listLeadsQuery, nextLeadsBody, queueLeadsBody } from "./leads.schemas";

/**
 * A campaign's queued leads (spec 001): prospects queued to be contacted, handed out by a running
 * run to one caller at a time. The outcome of an attempt is recorded with the conversation it made
 * (POST /api/prospects/:id/conversations with its queuedLeadId and the claim's attempt), which
 * moves the lead on, but only while that claim holds.
 */

/**
 * How long a claimed lead is held for its caller, who reports the attempt within it: a claim not
 * reported by then is handed out again, and its late report is refused. Long enough for a call.
 */
export const CLAIM_MINUTES = 60;

/** Campaigns whose queue takes prospects: a paused or completed one queues nothing. */
const QUEUEING = ["draft", "active"] as const;

const leadColumns = shownColumns(queuedLeads);

/** The name of the lead row's prospect. */
const prospectNameOfLead = correlated(sql<string>`(
  select ${prospects.name} from ${prospects}
  where ${prospects.tenantId} = ${queuedLeads.tenantId} and ${prospects.id} = ${queuedLeads.prospectId})`);

/**
 * A campaign's leads, soonest due first; filter by status. One statement (an unknown campaign is a
 * 404). A sales rep sees only the leads of prospects assigned to them.
 */
export async function listLeads(ctx: ServiceContext, campaignId: string, query: z.infer<typeof listLeadsQuery>) {
  const { tenantId } = ctx.caller;
  const rep = ownWorkOf(ctx.caller);
  const page = await childPage(ctx.db, {
    parent: { table: campaigns, where: campaignOf(ctx, campaignId) },
    children: {
      table: queuedLeads,
      where: and(
        eq(queuedLeads.tenantId, tenantId),
        eq(queuedLeads.campaignId, campaignId),
        query.status ? eq(queuedLeads.status, query.status) : undefined,
        rep
          ? sql`exists (select from ${prospects} where ${prospects.tenantId} = ${queuedLeads.tenantId}
              and ${prospects.id} = ${queuedLeads.prospectId} and ${prospects.assignedTo} = ${rep})`
          : undefined,
      ),
      columns: { ...leadColumns, prospectName: prospectNameOfLead.as("prospect_name") },
    },
    sort: { by: [queuedLeads.nextAttemptAt, queuedLeads.id], direction: "asc" },
    page: query,
  });
  if (!page) throw notFound("Campaign");
  return page;
}

/** What the queueing statement found (queueLeads). */
const queueing = {
  campaignStatus: sql<string | null>`campaign_status`.as("campaign_status"),
  /** The ids asked for that are no prospect of the tenant; null when none. */
  missing: sql<string[] | null>`missing`.as("missing"),
  found: sql<number>`found`.as("found"),
};

/**
 * Queues prospects in a campaign, in one statement: the campaign is read under a share lock (a pause
 * waits for the statement, or wins before it and nothing is queued), every id is resolved in the
 * tenant, and only when the campaign queues and every id is a prospect are the new ones inserted;
 * those already queued are skipped (unique campaign and prospect). An unknown id is a 404 naming its
 * place in the body (never the id: another tenant's must not be told apart from a typo), a paused
 * or completed campaign a 409.
 */
export async function queueLeads(ctx: ServiceContext, campaignId: string, input: z.infer<typeof queueLeadsBody>) {
  const { tenantId } = ctx.caller;
  const { db } = ctx;
  const wanted = db
    .$with("wanted", {})
    .as(
      sql`select distinct value::uuid as id from jsonb_array_elements_text(${JSON.stringify(input.prospectIds)}::jsonb)`,
    );
  const campaign = db.$with("campaign", {}).as(sql`
    select ${campaigns.id} as id, ${campaigns.status} as status from ${campaigns}
    where ${campaignOf(ctx, campaignId)} for share`);
  const found = db.$with("found", {}).as(sql`
    select ${prospects.id} as id from ${prospects}
    where ${prospects.tenantId} = ${tenantId} and ${prospects.id} in (select id from wanted)`);
  const checked = db.$with("checked", queueing).as(sql`
    select (select status from campaign) as campaign_status,
      (select json_agg(id) from wanted where id not in (select id from found)) as missing,
      (select count(*)::int from found) as found`);
  const inserted = db.$with("inserted", {}).as(sql`
    insert into ${queuedLeads} (tenant_id, campaign_id, prospect_id)
    select ${tenantId}::uuid, campaign.id, found.id from campaign, found, checked
    where campaign.status in (${sql.join(
      QUEUEING.map((status) => sql`${status}`),
      sql`, `,
    )}) and checked.missing is null
    on conflict (campaign_id, prospect_id) do nothing
    returning id`);
  let result: { campaignStatus: string | null; missing: string[] | null; found: number; queued: number } | undefined;
  try {
    [result] = await db
      .with(wanted, campaign, found, checked, inserted)
      .select({
        campaignStatus: checked.campaignStatus,
        missing: checked.missing,
        found: checked.found,
        queued: sql<number>`(select count(*)::int from inserted)`.as("queued"),
      })
      .from(checked);
  } catch (error) {
    // A prospect deleted between the check and the insert.
    if (isForeignKeyViolation(error)) throw notFound("Prospect");
    throw error;
  }
  if (!result?.campaignStatus) throw notFound("Campaign");
  if (result.missing) {
    const missing = new Set(result.missing);
    throw new AppError(
      "NOT_FOUND",
      "Prospect not found",
      input.prospectIds.flatMap((id, index) =>
        missing.has(id) ? [{ path: `body.prospectIds.${index}`, message: "No such prospect" }] : [],
      ),
    );
  }
  if (!(QUEUEING as readonly string[]).includes(result.campaignStatus)) {
    throw conflict(
      result.campaignStatus === "paused"
        ? "The campaign is paused and queues nothing; set its status to active to resume it"
        : "The campaign is completed and queues nothing; create a new campaign",
    );
  }
  return { queued: result.queued, skipped: result.found - result.queued };
}

/** What the claiming statement found of the run (nextLeads). */
const runState = { runStatus: sql<string>`run_status`.as("run_status") };
const prospectContact = {
  name: prospects.name,
  email: prospects.email,
  phone: prospects.phone,
  whatsapp: prospects.whatsapp,
  preferredChannel: prospects.preferredChannel,
};

/**
 * Hands out up to `limit` due leads of a running run's active campaign, in one statement: those
 * queued whose next attempt is due, and those whose claim expired unreported, soonest due first,
 * locked FOR UPDATE SKIP LOCKED, so concurrent callers get disjoint leads and never wait on one
 * another. Each claimed lead becomes `contacting`, held for CLAIM_MINUTES, with its attempt counted
 * (`attempts`, which names the claim its report must carry) and the run noted; a lead whose expired claim was its last attempt is `exhausted` instead (it
 * takes a place in the limit). The campaign row is read under a share lock, so a pause waits for the
 * claims in flight and none follows it. A run not running is a 409; a campaign not active hands out
 * nothing (an empty list).
 */
export async function nextLeads(ctx: ServiceContext, runId: string, input: z.infer<typeof nextLeadsBody>) {
  const { tenantId } = ctx.caller;
  const { db } = ctx;
  const run = db.$with("run", runState).as(sql`
    select r.campaign_id, r.status as run_status, c.status as campaign_status, c.max_attempts
    from ${campaignRuns} r
    join ${campaigns} c on c.tenant_id = r.tenant_id and c.id = r.campaign_id
    where r.tenant_id = ${tenantId} and r.id = ${runId}
    for share of c`);
  const due = db.$with("due", {}).as(sql`
    select l.id from ${queuedLeads} l join run on l.campaign_id = run.campaign_id
    where l.tenant_id = ${tenantId} and run.run_status = 'running' and run.campaign_status = 'active'
      and ((l.status = 'queued' and l.next_attempt_at <= now()) or (l.status = 'contacting' and l.claimed_until < now()))
    order by l.next_attempt_at, l.id
    limit ${input.limit}
    for update of l skip locked`);
  const claimed = db.$with("claimed", leadColumns).as(sql`
    update ${queuedLeads} l set status = 'contacting', attempts = l.attempts + 1, last_attempt_at = now(),
      claimed_until = now() + make_interval(mins => ${CLAIM_MINUTES}), run_id = ${runId}, updated_at = now()
    from due, run
    where l.tenant_id = ${tenantId} and l.id = due.id and l.attempts < run.max_attempts
    returning l.*`);
  const spent = db.$with("spent", {}).as(sql`
    update ${queuedLeads} l set status = 'exhausted', claimed_until = null, updated_at = now()
    from due, run
    where l.tenant_id = ${tenantId} and l.id = due.id and l.attempts >= run.max_attempts
    returning l.id`);
  // The claimed lead's columns, read through the CTE (so its timestamps come back as Dates).
  const lead = Object.fromEntries(
    Object.keys(leadColumns).map((key) => [key, claimed[key as keyof typeof leadColumns]]),
  ) as {
    [K in keyof typeof leadColumns]: (typeof claimed)[K];
  };
  // `spent` runs though nothing reads it: Postgres runs every data-modifying WITH to completion.
  const rows = await db
    .with(run, due, claimed, spent)
    .select({ runStatus: run.runStatus, lead, prospect: prospectContact })
    .from(run)
    .leftJoin(claimed, sql`true`)
    .leftJoin(prospects, and(eq(prospects.tenantId, tenantId), eq(prospects.id, claimed.prospectId)))
    .orderBy(asc(claimed.nextAttemptAt), asc(claimed.id));
  const [first] = rows;
  if (!first) throw notFound("Campaign run");
  if (first.runStatus !== "running") {
    throw conflict("The run is completed and hands out no leads; start a new run of the campaign");
  }
  return rows.flatMap(({ lead, prospect }) => (lead?.id && prospect ? [{ ...lead, prospect }] : []));
}
