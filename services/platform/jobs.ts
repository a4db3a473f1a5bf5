import { and, asc, eq, inArray, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { type JOB_STATUSES, syncState, tenants } from "../../db/schema";
import { conflict } from "../../shared/errors";
import { JOB_BUDGET_MS, type Job, type JobResult } from "../../shared/job";
import { errorMessage, logError } from "../../shared/log";

/**
 * The job runner (DESIGN §6). Netlify stops a scheduled function at 30 s, so every job is
 * incremental: it returns by its deadline and continues from its cursor next time. The runner owns
 * what every job needs around its own logic: the deadline, the per-tenant loop, a lease so two runs
 * of one tenant never overlap, the cursor, and the recorded outcome, all in the job's `sync_state`
 * row. A job is only its own logic: `globalJob` for work across tenants, `tenantJob` for per-tenant
 * syncs.
 */

/** No tenant's run starts later than this before the deadline; its lease outlives the deadline by as much. */
const START_MARGIN_MS = 3_000;

/** A job not split by tenant (clean-ups): the runner gives it the deadline; the scheduled function logs its result. */
export function globalJob<R extends JobResult>(name: string, run: Job<R>["run"]): Job<R> {
  return { name, run };
}

/** What every tenant run reports beside its own counts; the runner records it in `sync_state`. */
export interface TenantOutcome extends JobResult {
  status: (typeof JOB_STATUSES)[number];
  /** Why the run stopped early, when something upstream failed. */
  error: string | null;
  /** True when the run caught up; false when it stopped early and the next run continues. */
  complete: boolean;
}

/** One tenant's run, as the job's own logic receives it. */
export interface TenantRun<S> {
  db: Database;
  tenantId: string;
  /** A part of the tenant's data with its own cursor (an agent id); '' is the whole tenant. */
  scope: string;
  deadline: number;
  /** Where the last run stopped: `cursor` (how far it read) and `resumeFrom` (set while a run was cut short). */
  state: { cursor: number | null; resumeFrom: number | null } & S;
  /** This run's `sync_state` row, for the job's own statement that moves the cursor with its writes. */
  stateRow: SQL;
  /** Whether a new unit of work (a page) may still start. */
  hasTime(): boolean;
}

export interface TenantJobSpec<C, S extends Record<string, unknown>, R extends TenantOutcome, O extends object> {
  name: string;
  /** The tenants a scheduled run visits: a query selecting their ids (those with a provider key, say). */
  tenants(db: Database): SQLWrapper;
  /** Reads what the run needs (a provider client) before it takes the lease; throwing here takes none. */
  prepare(db: Database, tenantId: string): Promise<C>;
  /** More of the tenant's state, read in the same statement that takes the lease. */
  claimWith?(tenantId: string, scope: string): { [K in keyof S]: SQL<S[K]> };
  /** `options` are the job's own knobs of a single run (a scheduled run passes none). */
  run(run: TenantRun<S>, prepared: C, options: Partial<O>): Promise<R>;
}

type RunOptions<O> = { deadline: number; scope?: string } & Partial<O>;

export interface TenantJob<R extends TenantOutcome, O extends object> extends Job {
  /** One tenant's run (a route's "sync now", tests): throws CONFLICT while another run of it holds the lease. */
  runTenant(db: Database, tenantId: string, options: RunOptions<O>): Promise<R>;
}

export function tenantJob<C, S extends Record<string, unknown>, R extends TenantOutcome, O extends object = object>(
  spec: TenantJobSpec<C, S, R, O>,
): TenantJob<R, O> {
  const stateRow = (tenantId: string, scope: string) =>
    and(eq(syncState.tenantId, tenantId), eq(syncState.job, spec.name), eq(syncState.scope, scope)) as SQL;

  /** Takes the lease and reads the state in one statement; no row back means another run holds it. */
  async function claim(db: Database, tenantId: string, scope: string, deadline: number) {
    const leaseUntil = new Date(deadline + START_MARGIN_MS);
    const [state] = await db
      .insert(syncState)
      .values({ tenantId, job: spec.name, scope, leaseUntil, lastStartedAt: sql`now()` })
      .onConflictDoUpdate({
        target: [syncState.tenantId, syncState.job, syncState.scope],
        set: { leaseUntil, lastStartedAt: sql`now()` },
        setWhere: sql`${syncState.leaseUntil} is null or ${syncState.leaseUntil} < now()`,
      })
      .returning({
        cursor: syncState.cursor,
        resumeFrom: syncState.resumeFrom,
        ...(spec.claimWith?.(tenantId, scope) ?? {}),
      });
    if (!state) throw conflict(`A ${spec.name} run for this tenant is already going; try again when it has finished`);
    return state as TenantRun<S>["state"];
  }

  async function runTenant(db: Database, tenantId: string, options: RunOptions<O>) {
    const started = Date.now();
    const { deadline, scope = "", ...own } = options;
    const prepared = await spec.prepare(db, tenantId);
    const state = await claim(db, tenantId, scope, deadline);
    const row = stateRow(tenantId, scope);
    let outcome: R | undefined;
    try {
      outcome = await spec.run(
        {
          db,
          tenantId,
          scope,
          deadline,
          state,
          stateRow: row,
          hasTime: () => deadline - Date.now() > START_MARGIN_MS,
        },
        prepared,
        own as Partial<O>,
      );
      return outcome;
    } finally {
      // Recorded whatever happened, and the lease released; a run that threw is recorded as an error.
      const error = outcome ? outcome.error : "The run failed unexpectedly";
      await db
        .update(syncState)
        .set({
          leaseUntil: null,
          lastFinishedAt: sql`now()`,
          lastStatus: outcome?.status ?? "error",
          lastResult: outcome ?? null,
          lastError: error,
          lastDurationMs: Date.now() - started,
          ...(outcome?.complete ? { resumeFrom: null } : {}),
        })
        .where(row);
    }
  }

  /**
   * The scheduled run: every tenant the job names, least recently finished first, each within what
   * is left of the budget. A tenant's failure is recorded in its state and does not stop the others;
   * a tenant whose run is still going is skipped. Numeric counts of the tenants' results are summed.
   */
  async function run(db: Database, options: { deadline: number }) {
    const due = await db
      .select({ tenantId: tenants.id })
      .from(tenants)
      .leftJoin(
        syncState,
        and(eq(syncState.tenantId, tenants.id), eq(syncState.job, spec.name), eq(syncState.scope, "")),
      )
      .where(inArray(tenants.id, spec.tenants(db)))
      .orderBy(sql`${syncState.lastFinishedAt} asc nulls first`, asc(tenants.id));
    const totals: Record<string, number> = { tenants: due.length, ran: 0, skipped: 0 };
    for (const { tenantId } of due) {
      if (options.deadline - Date.now() <= START_MARGIN_MS) break;
      try {
        const outcome = await runTenant(db, tenantId, { deadline: options.deadline } as RunOptions<O>);
        totals.ran!++;
        for (const [key, value] of Object.entries(outcome)) {
          if (typeof value === "number") totals[key] = (totals[key] ?? 0) + value;
        }
      } catch (error) {
        totals.skipped!++;
        logError({ msg: `${spec.name} skipped a tenant`, tenantId, error: describeError(error) });
      }
    }
    return { ...totals, complete: totals.ran! + totals.skipped! === due.length };
  }

  return { name: spec.name, run, runTenant };
}

/** A run started now by a route ("sync now") gets the same budget as a scheduled one. */
export const jobDeadline = () => Date.now() + JOB_BUDGET_MS;

/**
 * An error as one line for `sync_state` and the log: the upstream's status and message, never a
 * stack, and for a failed query the server's message and SQLSTATE, never the bound values.
 */
export function describeError(error: unknown, upstream = "Upstream"): string {
  const status = error instanceof Error ? (error as { status?: unknown }).status : undefined;
  return `${typeof status === "number" ? `${upstream} answered ${status}: ` : ""}${errorMessage(error)}`.slice(0, 500);
}
