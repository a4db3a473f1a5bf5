import { and, asc, eq, inArray, isNotNull, sql } from "drizzle-orm";
import { unionAll } from "drizzle-orm/pg-core";
import pMap from "p-map";
import Retell from "retell-sdk";
import { z } from "zod";
import type { Database } from "../../db/client";
import { agents, callIsUnsettled, calls, syncState, tenantSettings } from "../../db/schema";
import { type RetellCall, type RetellListParams, retellClient } from "../../shared/clients/retell";
import type { ServiceContext } from "../../shared/context";
import { conflict, unprocessable } from "../../shared/errors";
import { logError } from "../../shared/http/log";
import { SCHEDULED_BUDGET_MS } from "../../shared/http/scheduled";
import { readProviderSettings } from "../platform/settings";
import { upsertCalls } from "./retell-calls";

export const RETELL_SYNC_JOB = "retell-sync";
/** Retell's largest `limit` for list-calls. */
const PAGE_SIZE = 1000;
/** Each run lists again from this far before its cursor, for calls Retell indexed late. */
export const OVERLAP_MS = 10 * 60_000;
/** Calls still running or awaiting analysis are listed again for this long after they started. */
const SETTLE_WINDOW_MS = 6 * 60 * 60_000;
/** No page is listed later than this before the deadline. */
const PAGE_MARGIN_MS = 3_000;
/** Retell requests are aborted this long before the deadline, leaving time to write what was fetched. */
const WRITE_MARGIN_MS = 1_500;
const RETRIEVE_CONCURRENCY = 5;

export interface SyncOptions {
  /** Epoch ms by which the run must have returned. */
  deadline: number;
  /** Sync only this Retell agent's calls (a cursor of its own). */
  agentId?: string;
  pageSize?: number;
}

/** What a run did; its fields are documented on the `syncResult` schema below. */
export type SyncResult = z.infer<typeof syncResult>;

/**
 * Takes the run's lease on the tenant's sync state (so two runs never overlap) and reads where to
 * start, in one statement: the cursor, an unfinished run's resume point, and the oldest call
 * that still needs another look. Throws CONFLICT while another run holds the lease.
 */
async function claim(db: Database, tenantId: string, scope: string, deadline: number) {
  const leaseUntil = new Date(deadline + PAGE_MARGIN_MS);
  const [state] = await db
    .insert(syncState)
    .values({ tenantId, job: RETELL_SYNC_JOB, scope, leaseUntil, lastStartedAt: sql`now()` })
    .onConflictDoUpdate({
      target: [syncState.tenantId, syncState.job, syncState.scope],
      set: { leaseUntil, lastStartedAt: sql`now()` },
      setWhere: sql`${syncState.leaseUntil} is null or ${syncState.leaseUntil} < now()`,
    })
    .returning({
      cursor: syncState.cursor,
      resumeFrom: syncState.resumeFrom,
      oldestUnsettled: sql<number | null>`(
        select (extract(epoch from min(${calls.startedAt})) * 1000)::bigint from ${calls}
        where ${calls.tenantId} = ${tenantId} and ${callIsUnsettled}
          and ${calls.startedAt} > now() - make_interval(secs => ${SETTLE_WINDOW_MS / 1000})
          ${scope ? sql`and ${calls.agentId} = ${scope}` : sql``}
      )`.mapWith((value) => (value === null ? null : Number(value))),
    });
  if (!state) throw conflict("A call sync for this tenant is already running; try again when it has finished");
  return state;
}

/** Where a run starts listing: an unfinished run continues; a new one goes back over the overlap and unsettled calls. */
function startFrom(state: Awaited<ReturnType<typeof claim>>): number | undefined {
  if (state.resumeFrom !== null) return state.resumeFrom - OVERLAP_MS;
  if (state.cursor === null) return undefined;
  return Math.min(state.cursor, state.oldestUnsettled ?? state.cursor) - OVERLAP_MS;
}

/** Which of the page's calls already have a transcript, and which of its agents are stored: one statement. */
async function knownDetails(db: Database, tenantId: string, page: RetellCall[]) {
  const callIds = page.map((call) => call.call_id);
  const agentIds = [...new Set(page.map((call) => call.agent_id))];
  const rows = await unionAll(
    db
      .select({ kind: sql<string>`'call'`.as("kind"), id: calls.callId })
      .from(calls)
      .where(and(eq(calls.tenantId, tenantId), inArray(calls.callId, callIds), isNotNull(calls.transcript))),
    db
      .select({ kind: sql<string>`'agent'`.as("kind"), id: agents.agentId })
      .from(agents)
      .where(and(eq(agents.tenantId, tenantId), inArray(agents.agentId, agentIds))),
  );
  const of = (kind: string) => new Set(rows.filter((row) => row.kind === kind).map((row) => row.id));
  return { transcripts: of("call"), agents: of("agent") };
}

/**
 * Syncs one tenant's Retell calls (spec 004's sync-calls), incrementally from its cursor:
 * lists pages oldest first, completes transcripts of ended calls (list items carry none), and
 * writes each page in one statement that also moves the cursor. A run cut short — by the
 * deadline, or by Retell still failing after the SDK's retries — writes only the part of the page
 * it completed, so the cursor never passes a call it has not stored whole; the next run continues
 * from there. Re-listing is harmless: unchanged calls are not written.
 */
export async function syncRetellCalls(db: Database, tenantId: string, options: SyncOptions): Promise<SyncResult> {
  const started = Date.now();
  const apiKey = (await readProviderSettings(db, tenantId)).retellConfig?.apiKey;
  if (typeof apiKey !== "string") {
    throw unprocessable("Retell is not configured: set retellConfig.apiKey with PATCH /api/settings");
  }
  const scope = options.agentId ?? "";
  const state = await claim(db, tenantId, scope, options.deadline);
  const client = retellClient(tenantId, apiKey);
  // Every Retell request, retries included, is aborted in time to write what the run has. Each gets
  // a signal of its own: the SDK leaves a listener on the signal it is given for every request.
  const cutoff = options.deadline - WRITE_MARGIN_MS;
  const timeUp = () => Date.now() >= cutoff;
  const upstream = () => ({ signal: AbortSignal.timeout(Math.max(1, cutoff - Date.now())) });
  const result: SyncResult = {
    callsSynced: 0,
    callsUpdated: 0,
    errors: 0,
    complete: false,
    pages: 0,
    transcriptsFetched: 0,
    agentsDiscovered: 0,
    status: "ok",
    error: null,
  };
  const from = startFrom(state);
  const filter: RetellListParams["filter_criteria"] = {
    ...(from === undefined ? {} : { start_timestamp: { op: "ge", type: "number", value: from } }),
    ...(options.agentId ? { agent: [{ agent_id: options.agentId }] } : {}),
  };
  const hasTime = () => options.deadline - Date.now() > PAGE_MARGIN_MS && !timeUp();
  const stateOf = and(eq(syncState.tenantId, tenantId), eq(syncState.job, RETELL_SYNC_JOB), eq(syncState.scope, scope));

  /** Records a failed Retell request; the deadline's abort is not a failure, only the end of the run. */
  const failed = (error: unknown, what: string) => {
    if (timeUp()) return;
    result.errors++;
    logError({ msg: `retell ${what} failed`, tenantId, scope, error: describe(error) });
  };

  try {
    let paginationKey: string | undefined;
    while (hasTime()) {
      const page = await client.call.list(
        {
          filter_criteria: filter,
          sort_order: "ascending",
          limit: options.pageSize ?? PAGE_SIZE,
          ...(paginationKey ? { pagination_key: paginationKey } : {}),
        },
        upstream(),
      );
      result.pages++;
      const stop = page.items.length > 0 ? await writePage(page.items) : undefined;
      if (stop) {
        result.error = stop.error;
        break;
      }
      if (!page.has_more || !page.pagination_key) {
        result.complete = true;
        break;
      }
      paginationKey = page.pagination_key;
    }
  } catch (error) {
    failed(error, "list-calls");
    if (!timeUp()) result.error = describe(error);
  }
  result.status = result.error !== null ? "error" : result.complete && result.errors === 0 ? "ok" : "partial";

  await db
    .update(syncState)
    .set({
      leaseUntil: null,
      lastFinishedAt: sql`now()`,
      lastStatus: result.status,
      lastResult: result,
      lastError: result.error,
      lastDurationMs: Date.now() - started,
      ...(result.complete ? { resumeFrom: null } : {}),
    })
    .where(stateOf);
  return result;

  /**
   * Completes a page's transcripts and agent names, then writes calls, agents and cursor in one
   * statement. When the page could not be completed (a transcript Retell would not give, or the
   * deadline), only the calls before the first incomplete one are written, the cursor stays
   * before it, and the run must stop: the answer says so, with Retell's error if there was one.
   */
  async function writePage(items: RetellCall[]): Promise<{ error: string | null } | undefined> {
    const known = await knownDetails(db, tenantId, items);
    const needTranscript = items.filter(
      (call) =>
        call.call_status === "ended" &&
        !("transcript" in call && call.transcript) &&
        !known.transcripts.has(call.call_id),
    );
    const retrieved = new Map<string, RetellCall>();
    /** Calls left without their transcript, with Retell's error (null: the deadline came first). */
    const incomplete = new Map<string, string | null>();
    await pMap(
      needTranscript,
      async (call) => {
        if (incomplete.size > 0 || !hasTime()) {
          incomplete.set(call.call_id, null);
          return;
        }
        try {
          retrieved.set(call.call_id, await client.call.retrieve(call.call_id, upstream()));
        } catch (error) {
          // A call Retell no longer has is stored as listed; any other failure stops the run here.
          if (error instanceof Retell.NotFoundError) return;
          failed(error, "get-call");
          incomplete.set(call.call_id, timeUp() ? null : describe(error));
        }
      },
      { concurrency: RETRIEVE_CONCURRENCY },
    );
    result.transcriptsFetched += [...retrieved.values()].filter(
      (call) => "transcript" in call && call.transcript,
    ).length;
    const cut = items.findIndex((call) => incomplete.has(call.call_id));
    const page = (cut === -1 ? items : items.slice(0, cut)).map((call) => retrieved.get(call.call_id) ?? call);
    const stop = cut === -1 ? undefined : { error: [...incomplete.values()].find((error) => error !== null) ?? null };
    if (page.length === 0) return stop;

    const names = new Map<string, string | null>();
    for (const call of page) {
      if (!names.get(call.agent_id)) names.set(call.agent_id, call.agent_name ?? null);
    }
    // Retell is asked for the name of an agent new to the tenant only, so a rerun asks nothing; a
    // name that arrives later on a call (list items carry `agent_name`) is stored then.
    const unnamed = [...names].filter(([agentId, name]) => !name && !known.agents.has(agentId));
    await pMap(
      unnamed,
      async ([agentId]) => {
        if (!hasTime()) return;
        try {
          const agent = await client.agent.retrieve(agentId, undefined, upstream());
          if (agent.agent_name) names.set(agentId, agent.agent_name);
        } catch (error) {
          // Not fatal: the agent is stored without a name (Retell may have deleted it).
          if (!(error instanceof Retell.NotFoundError)) failed(error, "get-agent");
        }
      },
      { concurrency: RETRIEVE_CONCURRENCY },
    );

    const starts = page.flatMap((call) => (call.start_timestamp == null ? [] : [call.start_timestamp]));
    const reached = starts.length > 0 ? Math.max(...starts) : null;
    const agentsWritten = db.$with("agents_written").as(
      db
        .insert(agents)
        .values([...names].map(([agentId, agentName]) => ({ tenantId, agentId, agentName })))
        .onConflictDoUpdate({
          target: [agents.tenantId, agents.agentId],
          set: { agentName: sql`excluded.agent_name`, status: "ACTIVE", updatedAt: sql`now()` },
          setWhere: sql`excluded.agent_name is not null and excluded.agent_name is distinct from ${agents.agentName}`,
        })
        .returning({ inserted: sql<boolean>`(xmax = 0)`.as("inserted") }),
    );
    const callsWritten = db.$with("calls_written").as(upsertCalls(db, tenantId, page));
    const cursorMoved = db.$with("cursor_moved").as(
      db
        .update(syncState)
        .set(
          reached === null
            ? { updatedAt: sql`now()` }
            : { cursor: sql`greatest(${syncState.cursor}, ${reached}::bigint)`, resumeFrom: reached },
        )
        .where(stateOf)
        .returning({ job: syncState.job }),
    );
    const [written] = await db
      .with(agentsWritten, callsWritten, cursorMoved)
      .select({
        inserted: sql<number>`(count(*) filter (where inserted))::int`,
        updated: sql<number>`(count(*) filter (where not inserted))::int`,
        agentsInserted: sql<number>`(select count(*) from agents_written where inserted)::int`,
      })
      .from(callsWritten);
    result.callsSynced += written?.inserted ?? 0;
    result.callsUpdated += written?.updated ?? 0;
    result.agentsDiscovered += written?.agentsInserted ?? 0;
    return stop;
  }
}

/** An upstream error as one line for the sync state and the log: status and message, never a stack. */
function describe(error: unknown): string {
  if (error instanceof Error) {
    const status = (error as { status?: unknown }).status;
    return `${typeof status === "number" ? `Retell answered ${status}: ` : ""}${error.message}`.slice(0, 500);
  }
  return String(error).slice(0, 500);
}

/**
 * The scheduled `retell-sync` (every 10 minutes): every tenant with a Retell key, least recently
 * synced first, each within what is left of the budget. A tenant's failure is recorded in its
 * sync state and does not stop the others; one whose run is still going is skipped.
 */
export async function retellSyncJob(db: Database, options: { deadline: number }) {
  const tenants = await db
    .select({ tenantId: tenantSettings.tenantId })
    .from(tenantSettings)
    .leftJoin(
      syncState,
      and(eq(syncState.tenantId, tenantSettings.tenantId), eq(syncState.job, RETELL_SYNC_JOB), eq(syncState.scope, "")),
    )
    .where(sql`${tenantSettings.retellConfig} ? 'apiKey'`)
    .orderBy(sql`${syncState.lastFinishedAt} asc nulls first`, asc(tenantSettings.tenantId));
  const totals = { tenants: tenants.length, synced: 0, skipped: 0, callsSynced: 0, callsUpdated: 0, errors: 0 };
  for (const { tenantId } of tenants) {
    if (options.deadline - Date.now() <= PAGE_MARGIN_MS) break;
    try {
      const run = await syncRetellCalls(db, tenantId, { deadline: options.deadline });
      totals.synced++;
      totals.callsSynced += run.callsSynced;
      totals.callsUpdated += run.callsUpdated;
      totals.errors += run.errors;
    } catch (error) {
      totals.skipped++;
      logError({ msg: "retell sync skipped", tenantId, error: describe(error) });
    }
  }
  return { ...totals, complete: totals.synced + totals.skipped === totals.tenants };
}

export const syncCallsBody = z
  .object({ agentId: z.string().trim().min(1).max(200).optional().describe("Sync only this Retell agent's calls") })
  .strict();

export const syncResult = z
  .object({
    callsSynced: z.number().int().describe("Calls new to Frontdesk"),
    callsUpdated: z.number().int().describe("Stored calls that changed (status, analysis, transcript, ...)"),
    errors: z
      .number()
      .int()
      .describe(
        "Retell requests that failed after retries: a page, a transcript or an agent that could not be fetched",
      ),
    complete: z
      .boolean()
      .describe(
        "True when the run reached the end of Retell's list; false when it stopped early (the next run continues)",
      ),
    pages: z.number().int(),
    transcriptsFetched: z.number().int(),
    agentsDiscovered: z.number().int(),
    status: z.enum(["ok", "partial", "error"]),
    error: z.string().nullable().describe("Why the run stopped, when Retell failed"),
  })
  .meta({ id: "CallSyncResult" });

/** `POST /api/dashboard/sync-calls`: one run for the caller's tenant within a scheduled function's budget. */
export function syncCallsNow(ctx: ServiceContext, body: z.infer<typeof syncCallsBody>) {
  return syncRetellCalls(ctx.db, ctx.caller.tenantId, {
    deadline: Date.now() + SCHEDULED_BUDGET_MS,
    agentId: body.agentId,
  });
}
