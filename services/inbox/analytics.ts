import { and, eq, gte, lt, type SQL, sql } from "drizzle-orm";
import type { z } from "zod";
import { messages } from "../../db/schema";
import type { ServiceContext } from "../../shared/context";
import type { AnalyticsOverview, analyticsOverviewQuery } from "./analytics.schemas";

/**
 * Spec 003's analytics overview of the tenant's messages, every channel's. Days are UTC days; the
 * window is the last `days` of them, today included. "Sent" counts outbound messages whatever their
 * delivery status, "received" inbound ones, each on the day of its timestamp.
 */

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const int = (expression: SQL) => sql<number>`coalesce((${expression})::int, 0)`.mapWith(Number);

/** The UTC days the overview counts from, as epoch ms at 00:00: the window's first day, this ISO week's Monday, this month's 1st. */
function boundaries(days: number, now = Date.now()) {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const date = new Date(today);
  return {
    today,
    from: today - (days - 1) * DAY_MS,
    week: today - ((date.getUTCDay() + 6) % 7) * DAY_MS,
    month: Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1),
  };
}

/**
 * The overview in one statement. The messages from the earliest day any figure needs (the window's
 * first day, or this week's or month's start when earlier) to the end of today are read once, off
 * (tenant_id, timestamp, id), and counted per UTC day, with a grand-total row (grouping sets) for the
 * one figure days cannot add up: the distinct conversations of the window. Every other figure adds up
 * those day rows, and the daily series joins them to every day of the window (generate_series).
 */
export async function getAnalyticsOverview(
  ctx: ServiceContext,
  query: z.infer<typeof analyticsOverviewQuery>,
): Promise<AnalyticsOverview> {
  const at = boundaries(query.days);
  const scanFrom = Math.min(at.from, at.week, at.month);
  const day = sql`(${messages.timestamp} at time zone 'UTC')::date`;
  const outbound = sql`${messages.direction} = 'outbound'`;
  const outboundIn = (status: string) => sql`count(*) filter (where ${outbound} and ${messages.status} = ${status})`;

  const counted = ctx.db.$with("counted").as(
    ctx.db
      .select({
        day: sql<string | null>`${day}`.as("day"),
        isTotal: sql<number>`grouping(${day})`.as("is_total"),
        sent: sql`count(*) filter (where ${outbound})`.as("sent"),
        received: sql`count(*) filter (where ${messages.direction} = 'inbound')`.as("received"),
        statusSent: outboundIn("sent").as("status_sent"),
        statusDelivered: outboundIn("delivered").as("status_delivered"),
        statusRead: outboundIn("read").as("status_read"),
        statusFailed: outboundIn("failed").as("status_failed"),
        conversations:
          sql`count(distinct ${messages.conversationId}) filter (where ${messages.timestamp} >= ${new Date(at.from)})`.as(
            "conversations",
          ),
      })
      .from(messages)
      .where(
        and(
          eq(messages.tenantId, ctx.caller.tenantId),
          gte(messages.timestamp, new Date(scanFrom)),
          lt(messages.timestamp, new Date(at.today + DAY_MS)),
        ),
      )
      .groupBy(sql`grouping sets ((${day}), ())`),
  );
  const days = (since: number) => sql`${counted.isTotal} = 0 and ${counted.day} >= ${isoDay(since)}::date`;
  const inWindow = (value: SQL) => int(sql`sum(${value}) filter (where ${days(at.from)})`);

  const [row] = await ctx.db
    .with(counted)
    .select({
      totalMessages: inWindow(sql`${counted.sent} + ${counted.received}`),
      totalConversations: int(sql`max(${counted.conversations}) filter (where ${counted.isTotal} = 1)`),
      sent: inWindow(sql`${counted.statusSent}`),
      delivered: inWindow(sql`${counted.statusDelivered}`),
      read: inWindow(sql`${counted.statusRead}`),
      failed: inWindow(sql`${counted.statusFailed}`),
      sentToday: int(sql`sum(${counted.sent}) filter (where ${days(at.today)})`),
      sentThisWeek: int(sql`sum(${counted.sent}) filter (where ${days(at.week)})`),
      sentThisMonth: int(sql`sum(${counted.sent}) filter (where ${days(at.month)})`),
      dailyActivity: sql<AnalyticsOverview["dailyActivity"]>`(
        select json_agg(json_build_object('date', to_char(d.day, 'YYYY-MM-DD'),
          'sent', coalesce(c.sent, 0), 'received', coalesce(c.received, 0)) order by d.day)
        from (select ${isoDay(at.from)}::date + i as day from generate_series(0, ${query.days - 1}::int) as i) d
        left join counted c on c.is_total = 0 and c.day = d.day
      )`,
    })
    .from(counted);
  if (!row) throw new Error("analytics aggregate returned no row");

  const { sent, delivered, read, failed } = row;
  const left = sent + delivered + read + failed;
  return {
    overview: {
      totalMessages: row.totalMessages,
      totalConversations: row.totalConversations,
      deliveryRate: left === 0 ? 0 : Math.round(((delivered + read) / left) * 1000) / 10,
      sentToday: row.sentToday,
      sentThisWeek: row.sentThisWeek,
      sentThisMonth: row.sentThisMonth,
    },
    messagesByStatus: { sent, delivered, read, failed },
    dailyActivity: row.dailyActivity,
  };
}
