import type { Database } from "../db/client";

/** Netlify stops a scheduled function at 30 s; a job's run ends this long after it starts, leaving a margin. */
export const JOB_BUDGET_MS = 25_000;

/** What a run reports: printed by `npm run job`, answered by the scheduled function, logged. */
export type JobResult = Record<string, unknown>;

/**
 * A background job (DESIGN §6): a name and a run over the database that returns by `deadline`
 * (epoch ms), continuing next time from where it stopped. The platform's runner
 * (services/platform/jobs.ts) builds these; a scheduled function serves one with `scheduledJob()`.
 */
export interface Job<R extends JobResult = JobResult> {
  name: string;
  run(db: Database, options: { deadline: number }): Promise<R>;
}
