import { and, eq, inArray, sql } from "drizzle-orm";
import { toSnakeCase } from "drizzle-orm/casing";
import type { z } from "zod";
import { callAnalytics, callSessions, callTranscripts } from "../../db/schema";
import { shownColumns } from "../../shared/columns";
import type { ServiceContext } from "../../shared/context";
import { isForeignKeyViolation, notFound } from "../../shared/errors";
import { childPage, listPage, type Sort } from "../../shared/pagination";
import { stateMachine } from "../../shared/state-machine";
import type {
  analytics,
  callStatus,
  createAnalyticsBody,
  createCallSessionBody,
  createTranscriptsBody,
  listCallSessionsQuery,
  transcript,
  updateCallSessionBody,
} from "./call-sessions.schemas";
import type { listChildrenQuery } from "./chat.schemas";
import { sanitizeText } from "./sanitize";

/** The returns desk's voice and video calls (spec 000): sessions, their transcripts and analytics. */

/** Which statuses a call may move to from each status; ended and failed are final. */
export const callStatuses = stateMachine<z.infer<typeof callStatus>>("call", {
  initiated: ["connecting", "active", "failed", "ended"],
  connecting: ["active", "failed", "ended"],
  active: ["ended", "failed"],
  ended: [],
  failed: [],
});

const callSessionColumns = shownColumns(callSessions);

const transcriptColumns = shownColumns(callTranscripts);
const analyticsColumns = shownColumns(callAnalytics);

export async function listCallSessions(ctx: ServiceContext, query: z.infer<typeof listCallSessionsQuery>) {
  const where = and(
    eq(callSessions.tenantId, ctx.caller.tenantId),
    query.status ? eq(callSessions.status, query.status) : undefined,
    query.provider ? eq(callSessions.provider, query.provider) : undefined,
    query.callType ? eq(callSessions.callType, query.callType) : undefined,
    query.chatSessionId ? eq(callSessions.chatSessionId, query.chatSessionId) : undefined,
  );
  return listPage(ctx.db, {
    table: callSessions,
    columns: callSessionColumns,
    where,
    sort: { by: [callSessions.createdAt, callSessions.id], direction: "desc" },
    page: query,
  });
}

/**
 * One statement. A call always starts `initiated`; its chat session, when given, must be the
 * tenant's: the (tenant_id, chat_session_id) foreign key refuses any other, answered 404.
 */
export async function createCallSession(ctx: ServiceContext, input: z.infer<typeof createCallSessionBody>) {
  try {
    const [call] = await ctx.db
      .insert(callSessions)
      .values({ ...input, tenantId: ctx.caller.tenantId, status: "initiated", isActive: false })
      .returning(callSessionColumns);
    if (!call) throw new Error("call session insert returned no row");
    return call;
  } catch (error) {
    if (isForeignKeyViolation(error)) throw notFound("Chat session");
    throw error;
  }
}

type JsonTranscript = Omit<z.infer<typeof transcript>, "createdAt"> & { createdAt: string };
type JsonAnalytics = Omit<z.infer<typeof analytics>, "createdAt"> & { createdAt: string };

/**
 * A column named by table and column, for the correlated subqueries below: in a single-table
 * select Drizzle leaves `${column}` unqualified, which inside a subquery would bind to the inner table.
 */
const col = (table: string, column: string) => sql`${sql.identifier(table)}.${sql.identifier(column)}`;
const outer = (column: string) => col("call_sessions", column);
const t = (column: string) => col("t", column);
const a = (column: string) => col("a", column);

/** A row of a column map as JSON, its columns read through `alias`: the keys and columns the map selects elsewhere. */
function jsonRow(alias: string, columns: Record<string, unknown>) {
  const fields = Object.keys(columns).map((key) => sql`${sql.raw(`'${key}'`)}, ${col(alias, toSnakeCase(key))}`);
  return sql`json_build_object(${sql.join(fields, sql`, `)})`;
}

/** One call with its transcript (in call order) and analytics, in one statement: two json_agg subqueries. */
export async function getCallSession(ctx: ServiceContext, id: string) {
  const [row] = await ctx.db
    .select({
      ...callSessionColumns,
      transcripts: sql<JsonTranscript[]>`(
        select coalesce(json_agg(${jsonRow("t", transcriptColumns)} order by ${t("timestamp_seconds")} nulls last, ${t("created_at")}, ${t("id")}), '[]'::json)
        from ${callTranscripts} as t
        where ${t("tenant_id")} = ${outer("tenant_id")} and ${t("call_session_id")} = ${outer("id")}
      )`,
      analytics: sql<JsonAnalytics[]>`(
        select coalesce(json_agg(${jsonRow("a", analyticsColumns)} order by ${a("created_at")}, ${a("id")}), '[]'::json)
        from ${callAnalytics} as a
        where ${a("tenant_id")} = ${outer("tenant_id")} and ${a("call_session_id")} = ${outer("id")}
      )`,
    })
    .from(callSessions)
    .where(and(eq(callSessions.tenantId, ctx.caller.tenantId), eq(callSessions.id, id)));
  if (!row) throw notFound("Call session");
  // JSON carries timestamps as text; the response schema wants the Date a column would give.
  return {
    ...row,
    transcripts: row.transcripts.map((item) => ({ ...item, createdAt: new Date(item.createdAt) })),
    analytics: row.analytics.map((item) => ({ ...item, createdAt: new Date(item.createdAt) })),
  };
}

/**
 * A status transition as one conditional UPDATE: it applies only while the call is in a status
 * that may move to the target, so two racing transitions cannot both win. Becoming active sets
 * `is_active`; ending or failing clears it, stamps `ended_at` and sets the duration — the one
 * given, or the seconds since it became active (`activated_at`; 0 if it never did). When no row
 * moves, a second (error-path) read tells a 404 from a 422.
 */
export async function updateCallSession(ctx: ServiceContext, id: string, input: z.infer<typeof updateCallSessionBody>) {
  const { tenantId } = ctx.caller;
  const target = input.status;
  const terminal = callStatuses.isFinal(target);
  const from = callStatuses.predecessorsOf(target);
  const ofCall = and(eq(callSessions.tenantId, tenantId), eq(callSessions.id, id));
  if (from.length > 0) {
    const [call] = await ctx.db
      .update(callSessions)
      .set({
        status: target,
        isActive: target === "active",
        ...(target === "active" ? { activatedAt: sql`now()` } : {}),
        updatedAt: sql`now()`,
        externalSessionId: input.externalSessionId,
        webhookData: input.webhookData,
        ...(terminal
          ? {
              endedAt: sql`now()`,
              durationSeconds:
                input.durationSeconds ??
                sql`coalesce(greatest(0, floor(extract(epoch from now() - ${callSessions.activatedAt})))::int, 0)`,
            }
          : {}),
      })
      .where(and(ofCall, inArray(callSessions.status, from)))
      .returning(callSessionColumns);
    if (call) return call;
  }
  const [current] = await ctx.db.select({ status: callSessions.status }).from(callSessions).where(ofCall);
  if (!current) throw notFound("Call session");
  throw callStatuses.refuse(current.status, target);
}

/**
 * A batch of transcript segments in one multi-row insert, each message redacted. The rows name
 * the call with the caller's tenant, so another tenant's call fails the foreign key: a 404.
 */
export async function addTranscripts(ctx: ServiceContext, id: string, input: z.infer<typeof createTranscriptsBody>) {
  const { tenantId } = ctx.caller;
  try {
    return await ctx.db
      .insert(callTranscripts)
      .values(
        input.segments.map((segment) => ({
          tenantId,
          callSessionId: id,
          speaker: segment.speaker,
          message: sanitizeText(segment.message),
          timestampSeconds: segment.timestampSeconds,
          confidenceScore: segment.confidenceScore ?? null,
        })),
      )
      .returning(transcriptColumns);
  } catch (error) {
    if (isForeignKeyViolation(error)) throw notFound("Call session");
    throw error;
  }
}

/** One page of a call's transcript in call order, and its total, in one statement (the call row joined to the page). */
export async function listTranscripts(ctx: ServiceContext, id: string, query: z.infer<typeof listChildrenQuery>) {
  return pageOfCall(ctx, id, query, {
    table: callTranscripts,
    columns: transcriptColumns,
    sort: { by: [callTranscripts.timestampSeconds, callTranscripts.createdAt, callTranscripts.id], direction: "asc" },
  });
}

/** One statement; another tenant's call fails the foreign key: a 404. */
export async function addAnalytics(ctx: ServiceContext, id: string, input: z.infer<typeof createAnalyticsBody>) {
  try {
    const [row] = await ctx.db
      .insert(callAnalytics)
      .values({ tenantId: ctx.caller.tenantId, callSessionId: id, ...input })
      .returning(analyticsColumns);
    if (!row) throw new Error("call analytics insert returned no row");
    return row;
  } catch (error) {
    if (isForeignKeyViolation(error)) throw notFound("Call session");
    throw error;
  }
}

/** One page of a call's analytics, oldest first, in one statement (the call row joined to the page). */
export async function listAnalytics(ctx: ServiceContext, id: string, query: z.infer<typeof listChildrenQuery>) {
  return pageOfCall(ctx, id, query, {
    table: callAnalytics,
    columns: analyticsColumns,
    sort: { by: [callAnalytics.createdAt, callAnalytics.id], direction: "asc" },
  });
}

/** One page of a call's transcripts or analytics and their total, in one statement; another tenant's call is a 404. */
async function pageOfCall<C extends typeof transcriptColumns | typeof analyticsColumns>(
  ctx: ServiceContext,
  id: string,
  query: z.infer<typeof listChildrenQuery>,
  children: { table: typeof callTranscripts | typeof callAnalytics; columns: C; sort: Sort },
) {
  const { tenantId } = ctx.caller;
  const page = await childPage(ctx.db, {
    parent: { table: callSessions, where: and(eq(callSessions.tenantId, tenantId), eq(callSessions.id, id)) },
    children: {
      table: children.table,
      where: and(eq(children.table.tenantId, tenantId), eq(children.table.callSessionId, id)),
      columns: children.columns,
    },
    sort: children.sort,
    page: query,
  });
  if (!page) throw notFound("Call session");
  return page;
}
