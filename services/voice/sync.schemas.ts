import { z } from "zod";
import { JOB_STATUSES } from "../../db/schema";

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
    status: z.enum(JOB_STATUSES),
    error: z.string().nullable().describe("Why the run stopped, when Retell failed"),
  })
  .meta({ id: "CallSyncResult" });

/** What a run did; its fields are documented on the schema. */
export type SyncResult = z.infer<typeof syncResult>;
