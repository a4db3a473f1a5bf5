import { and, asc, eq, gte, inArray, lt, or, sql } from "drizzle-orm";
import type { Database } from "../../../db/client";
import { webhookEvents } from "../../../db/schema";
import { globalJob } from "../../platform/jobs";
import { processWebhookEvent, WEBHOOK_MAX_ATTEMPTS, WEBHOOK_PROVIDER } from "./webhook";

export { WEBHOOK_MAX_ATTEMPTS };

/** A pending event younger than this may still be processed by its own request (after its answer). */
const PENDING_GRACE = "1 minute";
/** Processed and unroutable events, and others out of attempts, are deleted this long after they arrived. */
const RETENTION = "30 days";
const BATCH_SIZE = 100;
/** No event starts processing later than this before the deadline. */
const STOP_MARGIN_MS = 2_000;

const PROVIDER = eq(webhookEvents.provider, WEBHOOK_PROVIDER);

/**
 * The `webhook-retry` job: processes again, oldest first, the WhatsApp events that failed or were
 * never processed to the end (pending for over a minute: their request was cut short, or crashed),
 * with fewer than WEBHOOK_MAX_ATTEMPTS attempts, each once per run, until the deadline; what is left
 * is the next run's. Then deletes events past their retention.
 */
async function retryWebhooks(db: Database, { deadline }: { deadline: number }) {
  const result = { examined: 0, processed: 0, failed: 0, deleted: 0, complete: false };
  // Keyset by (received_at, id), the time as text: a JS Date would drop its microseconds and meet the row again.
  let after: { receivedAt: string; id: string } | undefined;
  scan: for (;;) {
    const due = await db
      .select({ id: webhookEvents.id, receivedAt: sql<string>`${webhookEvents.receivedAt}::text` })
      .from(webhookEvents)
      .where(
        and(
          PROVIDER,
          inArray(webhookEvents.status, ["pending", "failed"]),
          lt(webhookEvents.attempts, WEBHOOK_MAX_ATTEMPTS),
          or(eq(webhookEvents.status, "failed"), lt(webhookEvents.receivedAt, sql`now() - ${PENDING_GRACE}::interval`)),
          after
            ? sql`(${webhookEvents.receivedAt}, ${webhookEvents.id}) > (${after.receivedAt}::timestamptz, ${after.id}::uuid)`
            : undefined,
        ),
      )
      .orderBy(asc(webhookEvents.receivedAt), asc(webhookEvents.id))
      .limit(BATCH_SIZE);
    for (const event of due) {
      if (deadline - Date.now() <= STOP_MARGIN_MS) break scan;
      const outcome = await processWebhookEvent(db, event.id);
      result.examined++;
      if (outcome?.status === "processed") result.processed++;
      else if (outcome?.status === "failed") result.failed++;
      after = event;
    }
    if (due.length < BATCH_SIZE) {
      result.complete = true;
      break;
    }
  }
  const deleted = await db
    .delete(webhookEvents)
    .where(
      and(
        PROVIDER,
        lt(webhookEvents.receivedAt, sql`now() - ${RETENTION}::interval`),
        or(
          inArray(webhookEvents.status, ["processed", "unroutable"]),
          and(inArray(webhookEvents.status, ["pending", "failed"]), gte(webhookEvents.attempts, WEBHOOK_MAX_ATTEMPTS)),
        ),
      ),
    )
    .returning({ id: webhookEvents.id });
  result.deleted = deleted.length;
  return result;
}

export const webhookRetry = globalJob("webhook-retry", retryWebhooks);
