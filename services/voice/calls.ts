import { and, eq, gte, lt, type SQL, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type { z } from "zod";
import { agents, calls } from "../../db/schema";
import { shownColumns } from "../../shared/columns";
import type { ServiceContext } from "../../shared/context";
import { notFound } from "../../shared/errors";
import { childPage } from "../../shared/pagination";
import type { CallOverview, CallSort, callHistoryQuery, overviewQuery } from "./calls.schemas";

/** The voice module's reads (spec 004): an agent, its call history, one call, the dashboard overview. */

/** call_count is call history's total (listAgentCalls), not part of an agent's answer. */
const agentColumns = shownColumns(agents, "callCount");
/** What a list shows of a call: the heavy transcript stays behind GET /api/calls/:callId. */
const callListColumns = shownColumns(calls, "transcript", "transcriptObject");

/** The column behind each of call history's sorts. */
const SORT_COLUMNS: Record<CallSort, AnyPgColumn> = {
  date: calls.startedAt,
  duration: calls.durationMs,
  cost: calls.costCents,
};

/** Retell's durations are in ms; dashboards show seconds. */
const withSeconds = <T extends { durationMs: number | null }>(row: T) => ({
  ...row,
  durationSeconds: row.durationMs === null ? null : Math.round(row.durationMs / 1000),
});

export async function getAgent(ctx: ServiceContext, agentId: string) {
  const [agent] = await ctx.db
    .select(agentColumns)
    .from(agents)
    .where(and(eq(agents.tenantId, ctx.caller.tenantId), eq(agents.agentId, agentId)));
  if (!agent) throw notFound("Agent");
  return agent;
}

/**
 * One page of an agent's calls in one statement (childPage: the tenant's agent row joined to the
 * page; no agent row is a 404). Each sort reads its index on (tenant_id, agent_id, column, id), so
 * a page costs the same at any number of calls, by cursor or by offset; the id breaks ties, and
 * calls without the sorted value come last in both directions. The total is the agent's
 * call_count, kept exact by triggers on calls (migration 0009_agent_call_count).
 */
export async function listAgentCalls(ctx: ServiceContext, agentId: string, query: z.infer<typeof callHistoryQuery>) {
  const { tenantId } = ctx.caller;
  const page = await childPage(ctx.db, {
    parent: {
      table: agents,
      where: and(eq(agents.tenantId, tenantId), eq(agents.agentId, agentId)),
      childCount: agents.callCount,
    },
    children: {
      table: calls,
      where: and(eq(calls.tenantId, tenantId), eq(calls.agentId, agentId)),
      columns: callListColumns,
    },
    sort: { by: [SORT_COLUMNS[query.sortBy], calls.id], direction: query.order },
    page: query,
  });
  if (!page) throw notFound("Agent");
  return { ...page, items: page.items.map(withSeconds) };
}

export async function getCall(ctx: ServiceContext, callId: string) {
  const [row] = await ctx.db
    .select({
      ...callListColumns,
      transcript: calls.transcript,
      transcriptObject: calls.transcriptObject,
      agentName: agents.agentName,
    })
    .from(calls)
    .leftJoin(agents, and(eq(agents.tenantId, calls.tenantId), eq(agents.agentId, calls.agentId)))
    .where(and(eq(calls.tenantId, ctx.caller.tenantId), eq(calls.callId, callId)));
  if (!row) throw notFound("Call");
  return withSeconds(row);
}

const DAY_MS = 86_400_000;
const isoDay = (date: Date) => date.toISOString().slice(0, 10);
const int = (expression: SQL) => sql<number>`(${expression})::int`.mapWith(Number);

/**
 * The dashboard's figures for the calls that started in the last `days` UTC days (today
 * included), in one statement: the window's calls are read once into a CTE, aggregated there,
 * and the per-day series and the disconnection reasons come back as JSON beside the totals.
 */
export async function getOverview(ctx: ServiceContext, query: z.infer<typeof overviewQuery>): Promise<CallOverview> {
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  const from = new Date(today - (query.days - 1) * DAY_MS);
  const until = new Date(today + DAY_MS);

  const scoped = ctx.db.$with("scoped").as(
    ctx.db
      .select({
        day: sql<string>`(${calls.startedAt} at time zone 'UTC')::date`.as("day"),
        durationMs: calls.durationMs,
        costCents: calls.costCents,
        analyzed: calls.analyzed,
        callSuccessful: calls.callSuccessful,
        userSentiment: calls.userSentiment,
        disconnectionReason: calls.disconnectionReason,
      })
      .from(calls)
      .where(
        and(
          eq(calls.tenantId, ctx.caller.tenantId),
          query.agentId ? eq(calls.agentId, query.agentId) : undefined,
          gte(calls.startedAt, from),
          lt(calls.startedAt, until),
        ),
      ),
  );
  const sentiment = (value: string) => int(sql`count(*) filter (where ${scoped.userSentiment} = ${value})`);

  const [row] = await ctx.db
    .with(scoped)
    .select({
      totalCalls: int(sql`count(*)`),
      totalDurationMs: sql<number>`coalesce(sum(${scoped.durationMs}), 0)::bigint`.mapWith(Number),
      averageDurationMs: sql<number | null>`round(avg(${scoped.durationMs}))::bigint`.mapWith(Number),
      totalCostCents: sql<number>`coalesce(sum(${scoped.costCents}), 0)::float8`.mapWith(Number),
      analyzedCalls: int(sql`count(*) filter (where ${scoped.analyzed} and ${scoped.callSuccessful} is not null)`),
      successfulCalls: int(sql`count(*) filter (where ${scoped.analyzed} and ${scoped.callSuccessful})`),
      positive: sentiment("Positive"),
      negative: sentiment("Negative"),
      neutral: sentiment("Neutral"),
      unknown: int(sql`count(*) filter (where ${scoped.userSentiment} not in ('Positive', 'Negative', 'Neutral'))`),
      disconnectionReasons: sql<{ reason: string; count: number }[]>`(
        select coalesce(json_agg(json_build_object('reason', reason, 'count', n) order by n desc, reason), '[]'::json)
        from (
          select ${scoped.disconnectionReason} as reason, count(*)::int as n from scoped
          where ${scoped.disconnectionReason} is not null group by 1
        ) reasons
      )`,
      callsPerDay: sql<{ date: string; calls: number }[]>`(
        select json_agg(json_build_object('date', to_char(d.day, 'YYYY-MM-DD'), 'calls', coalesce(c.n, 0)) order by d.day)
        from (select ${isoDay(from)}::date + i as day from generate_series(0, ${query.days - 1}::int) as i) d
        left join (select ${scoped.day} as day, count(*)::int as n from scoped group by 1) c on c.day = d.day
      )`,
    })
    .from(scoped);
  if (!row) throw new Error("overview aggregate returned no row");

  return {
    from: isoDay(from),
    to: isoDay(new Date(today)),
    days: query.days,
    agentId: query.agentId ?? null,
    totalCalls: row.totalCalls,
    totalDurationMs: row.totalDurationMs,
    averageDurationMs: row.averageDurationMs,
    totalCostCents: row.totalCostCents,
    analyzedCalls: row.analyzedCalls,
    successfulCalls: row.successfulCalls,
    successRate: row.analyzedCalls > 0 ? row.successfulCalls / row.analyzedCalls : null,
    sentiment: { Positive: row.positive, Negative: row.negative, Neutral: row.neutral, Unknown: row.unknown },
    disconnectionReasons: row.disconnectionReasons,
    callsPerDay: row.callsPerDay,
  };
}
