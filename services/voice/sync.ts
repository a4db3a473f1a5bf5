import { and, eq, inArray, isNotNull, sql } from "drizzle-orm";
import { unionAll } from "drizzle-orm/pg-core";
import pMap from "p-map";
import Retell from "retell-sdk";
import type { z } from "zod";
import type { Database } from "../../db/client";
import { agents, callIsUnsettled, calls, retellSettings, syncState } from "../../db/schema";
import { type RetellCall, type RetellListParams, retellClient } from "../../shared/clients/retell";
import type { ServiceContext } from "../../shared/context";
import { unprocessable } from "../../shared/errors";
import { logError } from "../../shared/log";
import { openCredential, tenantsWithCredential } from "../platform/credentials";
import { describeError, jobDeadline, type TenantRun, tenantJob } from "../platform/jobs";
import { upsertCalls } from "./retell-calls";
import { retellAgentName, storedRetellCall } from "./retell-calls.schemas";
import type { SyncResult, syncCallsBody } from "./sync.schemas";

export const RETELL_SYNC_JOB = "retell-sync";
/** Retell's largest `limit` for list-calls. */
const PAGE_SIZE = 1000;
/** Each run lists again from this far before its cursor, for calls Retell indexed late. */
export const OVERLAP_MS = 10 * 60_000;
/** Calls still running or awaiting analysis are listed again for this long after they started. */
const SETTLE_WINDOW_MS = 6 * 60 * 60_000;
/** Retell requests are aborted this long before the deadline, leaving time to write what was fetched. */
const WRITE_MARGIN_MS = 1_500;
const RETRIEVE_CONCURRENCY = 5;

/** The oldest call of the last hours still running or awaiting analysis or transcript: read with the lease. */
const oldestUnsettled = (tenantId: string, agentId: string) => ({
  oldestUnsettled: sql<number | null>`(
    select (extract(epoch from min(${calls.startedAt})) * 1000)::bigint from ${calls}
    where ${calls.tenantId} = ${tenantId} and ${callIsUnsettled}
      and ${calls.startedAt} > now() - make_interval(secs => ${SETTLE_WINDOW_MS / 1000})
      ${agentId ? sql`and ${calls.agentId} = ${agentId}` : sql``}
  )`.mapWith((value) => (value === null ? null : Number(value))),
});

type SyncState = TenantRun<{ oldestUnsettled: number | null }>["state"];

/** Where a run starts listing: an unfinished run continues; a new one goes back over the overlap and unsettled calls. */
function startFrom(state: SyncState): number | undefined {
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
 * One tenant's sync in progress: the Retell client, the running result, and the clock. Every
 * Retell request, retries included, is aborted in time to write what the run has; each gets a
 * signal of its own (the SDK leaves a listener on the signal it is given for every request).
 */
class CallSync {
  readonly result: SyncResult = {
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
  private readonly cutoff: number;

  constructor(
    readonly run: TenantRun<{ oldestUnsettled: number | null }>,
    readonly client: Retell,
  ) {
    this.cutoff = run.deadline - WRITE_MARGIN_MS;
  }

  timeUp = () => Date.now() >= this.cutoff;
  hasTime = () => this.run.hasTime() && !this.timeUp();
  upstream = () => ({ signal: AbortSignal.timeout(Math.max(1, this.cutoff - Date.now())) });

  /** Records a failed Retell request; the deadline's abort is not a failure, only the end of the run. */
  failed(error: unknown, what: string) {
    if (this.timeUp()) return;
    this.result.errors++;
    logError({
      msg: `retell ${what} failed`,
      tenantId: this.run.tenantId,
      scope: this.run.scope,
      error: describeError(error, "Retell"),
    });
  }
}

/**
 * Syncs one tenant's Retell calls (spec 004's sync-calls), incrementally from its cursor: lists
 * pages oldest first and writes each (`writePage`). A run cut short — by the deadline, or by
 * Retell still failing after the SDK's retries — writes only the part of a page it completed, so
 * the cursor never passes a call it has not stored whole; the next run continues from there.
 * Re-listing is harmless: unchanged calls are not written.
 */
async function syncCalls(sync: CallSync, pageSize = PAGE_SIZE): Promise<SyncResult> {
  const { run, client, result } = sync;
  const from = startFrom(run.state);
  const filter: RetellListParams["filter_criteria"] = {
    ...(from === undefined ? {} : { start_timestamp: { op: "ge", type: "number", value: from } }),
    ...(run.scope ? { agent: [{ agent_id: run.scope }] } : {}),
  };
  try {
    let paginationKey: string | undefined;
    while (sync.hasTime()) {
      const page = await client.call.list(
        {
          filter_criteria: filter,
          sort_order: "ascending",
          limit: pageSize,
          ...(paginationKey ? { pagination_key: paginationKey } : {}),
        },
        sync.upstream(),
      );
      result.pages++;
      const stop = page.items.length > 0 ? await writePage(sync, page.items) : undefined;
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
    sync.failed(error, "list-calls");
    if (!sync.timeUp()) result.error = describeError(error, "Retell");
  }
  result.status = result.error !== null ? "error" : result.complete && result.errors === 0 ? "ok" : "partial";
  return result;
}

/** A run must stop after a page it could not complete; `error` is Retell's, or null when the deadline came first. */
type Stop = { error: string | null } | undefined;

/**
 * Completes a page's transcripts and agent names, then writes calls, agents and cursor in one
 * statement. When the page could not be completed, only the calls before the first incomplete
 * one are written, the cursor stays before it, and the run stops.
 */
async function writePage(sync: CallSync, items: RetellCall[]): Promise<Stop> {
  const known = await knownDetails(sync.run.db, sync.run.tenantId, items);
  const { page, stop } = await completeTranscripts(sync, items, known.transcripts);
  if (page.length > 0) await writeCalls(sync, page, await agentNames(sync, page, known.agents));
  return stop;
}

/**
 * Fetches the transcript of each ended call that has none (list items carry none), 5 at a time.
 * Answers the page up to the first call left without its transcript, and why the run must stop there.
 */
async function completeTranscripts(sync: CallSync, items: RetellCall[], haveTranscript: Set<string>) {
  const needTranscript = items.filter(
    (call) =>
      call.call_status === "ended" && !("transcript" in call && call.transcript) && !haveTranscript.has(call.call_id),
  );
  const retrieved = new Map<string, RetellCall>();
  /** Calls left without their transcript, with Retell's error (null: the deadline came first). */
  const incomplete = new Map<string, string | null>();
  await pMap(
    needTranscript,
    async (call) => {
      if (incomplete.size > 0 || !sync.hasTime()) {
        incomplete.set(call.call_id, null);
        return;
      }
      try {
        retrieved.set(call.call_id, await sync.client.call.retrieve(call.call_id, sync.upstream()));
      } catch (error) {
        // A call Retell no longer has is stored as listed; any other failure stops the run here.
        if (error instanceof Retell.NotFoundError) return;
        sync.failed(error, "get-call");
        incomplete.set(call.call_id, sync.timeUp() ? null : describeError(error, "Retell"));
      }
    },
    { concurrency: RETRIEVE_CONCURRENCY },
  );
  sync.result.transcriptsFetched += [...retrieved.values()].filter(
    (call) => "transcript" in call && call.transcript,
  ).length;
  const cut = items.findIndex((call) => incomplete.has(call.call_id));
  const page = (cut === -1 ? items : items.slice(0, cut)).map((call) => retrieved.get(call.call_id) ?? call);
  const stop: Stop =
    cut === -1 ? undefined : { error: [...incomplete.values()].find((error) => error !== null) ?? null };
  return { page, stop };
}

/**
 * The name of each of the page's agents: from the calls (list items carry `agent_name`), else asked
 * of Retell for an agent new to the tenant only, so a rerun asks nothing. An agent Retell will not
 * name is stored without one.
 */
async function agentNames(sync: CallSync, page: RetellCall[], knownAgents: Set<string>) {
  const names = new Map<string, string | null>();
  for (const call of page) {
    if (!names.get(call.agent_id)) names.set(call.agent_id, retellAgentName.parse(call.agent_name) ?? null);
  }
  const unnamed = [...names].filter(([agentId, name]) => !name && !knownAgents.has(agentId));
  await pMap(
    unnamed,
    async ([agentId]) => {
      if (!sync.hasTime()) return;
      try {
        const agent = await sync.client.agent.retrieve(agentId, undefined, sync.upstream());
        const name = retellAgentName.parse(agent.agent_name);
        if (name) names.set(agentId, name);
      } catch (error) {
        if (!(error instanceof Retell.NotFoundError)) sync.failed(error, "get-agent");
      }
    },
    { concurrency: RETRIEVE_CONCURRENCY },
  );
  return names;
}

/** Upserts the page's agents and calls and moves the cursor to its newest start, in one statement. */
async function writeCalls(sync: CallSync, page: RetellCall[], names: Map<string, string | null>) {
  const { db, tenantId, stateRow } = sync.run;
  // The cursor moves only by starts the calls table stores too (a start out of range is stored as null).
  const starts = page.flatMap((call) => storedRetellCall.shape.start_timestamp.parse(call.start_timestamp) ?? []);
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
      .where(stateRow)
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
  sync.result.callsSynced += written?.inserted ?? 0;
  sync.result.callsUpdated += written?.updated ?? 0;
  sync.result.agentsDiscovered += written?.agentsInserted ?? 0;
}

/** The tenant's Retell client; a tenant without a Retell key gets 422 before any lease is taken. */
async function retellFor(db: Database, tenantId: string): Promise<Retell> {
  const apiKey = (await openCredential(db, tenantId, { kind: retellSettings.name }))?.data.apiKey;
  if (typeof apiKey !== "string") {
    throw unprocessable("Retell is not configured: set retellConfig.apiKey with PATCH /api/settings");
  }
  return retellClient(tenantId, apiKey);
}

/**
 * The `retell-sync` job (every 10 minutes, and `POST /api/dashboard/sync-calls` for one tenant):
 * every tenant with a Retell key. A scope is one Retell agent, with a cursor of its own.
 */
export const retellSync = tenantJob({
  name: RETELL_SYNC_JOB,
  tenants: (db) => tenantsWithCredential(db, { kind: retellSettings.name }, "apiKey"),
  prepare: retellFor,
  claimWith: oldestUnsettled,
  run: (run, client, options: { pageSize?: number }) => syncCalls(new CallSync(run, client), options.pageSize),
});

export interface SyncOptions {
  /** Epoch ms by which the run must have returned. */
  deadline: number;
  /** Sync only this Retell agent's calls (a cursor of its own). */
  agentId?: string;
  pageSize?: number;
}

/** One tenant's run (the route, tests, the benchmark). Throws CONFLICT while another run of it is going. */
export function syncRetellCalls(db: Database, tenantId: string, options: SyncOptions): Promise<SyncResult> {
  return retellSync.runTenant(db, tenantId, {
    deadline: options.deadline,
    scope: options.agentId,
    pageSize: options.pageSize,
  });
}

/** `POST /api/dashboard/sync-calls`: one run for the caller's tenant within a scheduled function's budget. */
export function syncCallsNow(ctx: ServiceContext, body: z.infer<typeof syncCallsBody>) {
  return syncRetellCalls(ctx.db, ctx.caller.tenantId, { deadline: jobDeadline(), agentId: body.agentId });
}
