import { inArray, sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { handoffPackages } from "../../db/schema";
import { withEvents } from "../platform/events";
import { globalJob } from "../platform/jobs";
import { eventRow, rowsOf } from "./handoffs";

/** Packages expired per statement: one batch's row locks and events stay small. */
export const EXPIRY_BATCH = 1000;
/** No batch starts later than this before the deadline. */
const STOP_MARGIN_MS = 2_000;

/**
 * One batch, in one statement, across tenants: the oldest due pending packages (on the partial
 * index handoff_packages_pending_expiry_index; rows another statement holds, such as a parallel run's, are skipped rather than waited for)
 * become `expired`, each with its handoff:expired event in its tenant's feed (`withEvents`).
 */
async function expireBatch(db: Database): Promise<number> {
  const due = sql`(select ${handoffPackages.id} from ${handoffPackages}
    where ${handoffPackages.status} = 'pending' and ${handoffPackages.expiresAt} <= now()
    order by ${handoffPackages.expiresAt} limit ${EXPIRY_BATCH} for update skip locked)`;
  const change = db
    .update(handoffPackages)
    .set({ status: "expired", updatedAt: sql`now()` })
    .where(inArray(handoffPackages.id, due))
    .returning(eventRow);
  const [row] = await rowsOf<{ expired: number }>(
    db,
    sql`${withEvents(change, { type: "handoff:expired", resourceType: "handoff" })} select count(*)::int as expired from changed`,
  );
  return row?.expired ?? 0;
}

/**
 * The `handoff-expiry` job (DESIGN §6): pending hand-offs past their time to live become expired,
 * a batch of EXPIRY_BATCH per statement, until none is due or the deadline nears; what is left is
 * the next run's. Idempotent: an expired package is never pending again, so a second run finds
 * nothing of the first's.
 */
async function expireHandoffs(db: Database, { deadline }: { deadline: number }) {
  let expired = 0;
  while (deadline - Date.now() > STOP_MARGIN_MS) {
    const batch = await expireBatch(db);
    expired += batch;
    if (batch < EXPIRY_BATCH) return { expired, complete: true };
  }
  return { expired, complete: false };
}

export const handoffExpiry = globalJob("handoff-expiry", expireHandoffs);
