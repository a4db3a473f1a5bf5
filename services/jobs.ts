import type { Database } from "../db/client";
import { platformCleanup } from "./platform/maintenance";
import { retellSyncJob } from "./voice/sync";

/**
 * Background work (DESIGN §6). A job is a plain service function over the database, so a
 * scheduled function, `npm run job -- <name>` and tests all run the same code. Netlify stops a
 * scheduled function after 30 s: a job that can run long checks `deadline` between batches,
 * stops cleanly before it and continues from its cursor on the next run.
 */
export interface JobOptions {
  /** Epoch milliseconds by which the job should have returned. */
  deadline: number;
}

/** What a job reports; it is printed by `npm run job` and returned by the scheduled function. */
export type JobResult = Record<string, unknown>;

export type Job = (db: Database, options: JobOptions) => Promise<JobResult>;

/** Every job by name. Modules register theirs here (retell-sync, whatsapp-template-refresh, ...). */
export const jobs = {
  "platform-cleanup": platformCleanup,
  "retell-sync": retellSyncJob,
} satisfies Record<string, Job>;

export type JobName = keyof typeof jobs;

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(jobs, name);
}
