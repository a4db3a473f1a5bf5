import { getTableColumns, is, SQL, sql } from "drizzle-orm";
import { toSnakeCase } from "drizzle-orm/casing";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type { Database } from "../../db/client";
import { CALL_STATUSES, calls } from "../../db/schema";
import type { RetellCall } from "../../shared/clients/retell";
import { storedRetellCall } from "./retell-calls.schemas";

/**
 * What one Retell call object becomes in the calls table. Fields Retell left out are null, and so
 * are those Postgres would refuse (storedRetellCall): a webhook has refused them already (400).
 */
export function toCallRow(tenantId: string, retellCall: RetellCall) {
  const call = storedRetellCall.parse(retellCall);
  const analysis = call.call_analysis;
  const phone = call.call_type === "phone_call" ? call : undefined;
  return {
    tenantId,
    callId: call.call_id,
    agentId: call.agent_id,
    agentVersion: call.agent_version ?? null,
    callType: call.call_type,
    direction: phone?.direction ?? null,
    fromNumber: phone?.from_number ?? null,
    toNumber: phone?.to_number ?? null,
    callStatus: call.call_status,
    startedAt: call.start_timestamp == null ? null : new Date(call.start_timestamp),
    endedAt: call.end_timestamp == null ? null : new Date(call.end_timestamp),
    durationMs: call.duration_ms ?? null,
    costCents: call.call_cost?.combined_cost ?? null,
    transcript: call.transcript ?? null,
    transcriptObject: call.transcript_object ?? null,
    recordingUrl: call.recording_url ?? null,
    publicLogUrl: call.public_log_url ?? null,
    disconnectionReason: call.disconnection_reason ?? null,
    analyzed: analysis !== undefined && analysis !== null,
    callSummary: analysis?.call_summary ?? null,
    userSentiment: analysis?.user_sentiment ?? null,
    callSuccessful: analysis?.call_successful ?? null,
    inVoicemail: analysis?.in_voicemail ?? null,
    customAnalysisData: analysis?.custom_analysis_data ?? null,
    metadata: call.metadata ?? null,
  } satisfies typeof calls.$inferInsert;
}

/** 0 before the call connects, 1 while it runs, 2 once it is over (ended, not connected or failed). */
function statusRank(status: SQL): SQL {
  const final = CALL_STATUSES.filter((s) => s !== "registered" && s !== "ongoing");
  return sql`(case when ${status} = 'registered' then 0 when ${status} = 'ongoing' then 1 when ${status} in (${sql.join(
    final.map((s) => sql`${s}`),
    sql`, `,
  )}) then 2 end)`;
}

const columns = getTableColumns(calls);
const KEY = new Set(["id", "tenantId", "callId", "createdAt", "updatedAt", "callStatus", "analyzed"]);
/** The columns a later payload may fill in; none of them is ever cleared by one that lacks it. */
const MERGED = Object.entries(columns).filter(([key]) => !KEY.has(key));
const incoming = (key: string) => sql.raw(`excluded."${toSnakeCase(key)}"`);

/**
 * The merge rule for a call that is already stored, whoever sends it (a sync page, a retrieve, a
 * webhook) and in whatever order: every field keeps its value unless the newcomer has one; the
 * status never moves back (a late `call_started` cannot reopen an ended call); analysis, once
 * there, stays. A row is written only when that merge changes something, so replaying the same
 * calls writes nothing.
 */
const mergeSet = {
  ...Object.fromEntries(MERGED.map(([key, column]) => [key, sql`coalesce(${incoming(key)}, ${column})`])),
  callStatus: incoming("callStatus"),
  analyzed: sql`${incoming("analyzed")} or ${calls.analyzed}`,
  updatedAt: sql`now()`,
};
const mergeChanges = sql`${statusRank(incoming("callStatus"))} >= ${statusRank(sql`${calls.callStatus}`)} and (
  ${incoming("callStatus")} is distinct from ${calls.callStatus}
  or (${incoming("analyzed")} and not ${calls.analyzed})
  or ${sql.join(
    MERGED.map(([key, column]) => sql`(${incoming(key)} is not null and ${incoming(key)} is distinct from ${column})`),
    sql` or `,
  )})`;

/** Columns the database fills (id, timestamps): those whose default is SQL. The rest come from Retell. */
const generated = (column: AnyPgColumn) => is(column.default, SQL);
const fromRetell = Object.entries(columns).filter(([, column]) => !generated(column));
/** `jsonb_to_recordset`'s column list: the Retell-filled columns with their SQL types. */
const recordColumns = sql.raw(
  fromRetell.map(([key, column]) => `"${toSnakeCase(key)}" ${column.getSQLType()}`).join(", "),
);
/** Every column in table order, as the insert's select must give them: the record's, or the default. */
const recordFields = Object.fromEntries(
  Object.entries(columns).map(([key, column]) => {
    const name = toSnakeCase(key);
    return [key, (generated(column) ? sql`${column.default}` : sql.raw(`record."${name}"`)).as(name)];
  }),
) as Record<keyof typeof columns, SQL.Aliased>;

/**
 * One statement that inserts new calls and merges changed ones, returning only the rows it wrote
 * (`inserted` tells new from updated). The page travels as one JSON parameter unpacked by
 * `jsonb_to_recordset`: a thousand rows as 25,000 bound values took Drizzle longer to build than
 * Postgres took to run. Duplicates within the batch are folded first: Postgres cannot touch one
 * row twice in a statement.
 */
export function upsertCalls(db: Database, tenantId: string, batch: RetellCall[]) {
  const rows = [...new Map(batch.map((call) => [call.call_id, toCallRow(tenantId, call)])).values()];
  const records = rows.map((row) =>
    Object.fromEntries(fromRetell.map(([key]) => [toSnakeCase(key), row[key as keyof typeof row]])),
  );
  return db
    .insert(calls)
    .select(
      db
        .select(recordFields)
        .from(sql`jsonb_to_recordset(${JSON.stringify(records)}::jsonb) as record(${recordColumns})`),
    )
    .onConflictDoUpdate({ target: [calls.tenantId, calls.callId], set: mergeSet, setWhere: mergeChanges })
    .returning({ callId: calls.callId, inserted: sql<boolean>`(xmax = 0)`.as("inserted") });
}
