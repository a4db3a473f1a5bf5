import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { z } from "zod";
import { conversations, prospectConversations, prospects } from "../../db/schema";
import { shownColumns } from "../../shared/columns";
import type { ServiceContext } from "../../shared/context";
import { conflictOn, forbidden, isForeignKeyViolation, notFound } from "../../shared/errors";
import { listPage } from "../../shared/pagination";
import { assertReps, ownWorkOf } from "./access";
import type {
  importProspectsBody,
  importResult,
  listProspectsQuery,
  ProspectInput,
  updateProspectBody,
} from "./prospects.schemas";
import { insertRoutedProspects, serializeBatchRouting } from "./routing";
import { textSearch } from "./search";

/**
 * Prospects (spec 001). Every statement is filtered by the caller's tenant, and a sales rep's by
 * their own id as well: another rep's prospect is a 404 to them. A sales rep's prospects are their
 * own: one they create is assigned to them (routing rules are for prospects nobody has yet), and they
 * cannot hand one to someone else (403); managers assign and reassign to any rep.
 */

const prospectColumns = shownColumns(prospects, "searchVector");

const EMAIL_TAKEN = { prospects_tenant_email_key: "Another prospect of this business has that email" };

const REP_KEEPS_OWN =
  "A sales rep's prospects are their own: assignedTo may only be your own id; ask a manager to reassign";

/** The prospect `id` as the caller may see it: in their tenant, and a rep's own. */
const visible = (ctx: ServiceContext, id: string) => {
  const rep = ownWorkOf(ctx.caller);
  return and(
    eq(prospects.tenantId, ctx.caller.tenantId),
    eq(prospects.id, id),
    rep ? eq(prospects.assignedTo, rep) : undefined,
  );
};

/** A rep that vanished between the check and the write: the composite check said 404, so does this. */
const repGone = (error: unknown) => {
  throw isForeignKeyViolation(error) ? notFound("Rep") : error;
};

/**
 * A create's or an update's write under the assignee rules: a sales rep may name only themselves
 * (403); a rep a manager names is checked in the tenant, in one transaction with the write. A taken
 * email is a 409, a rep removed meanwhile a 404.
 */
async function assigning<T>(
  ctx: ServiceContext,
  assignedTo: string | null | undefined,
  write: (db: ServiceContext["db"]) => Promise<T>,
): Promise<T> {
  const rep = ownWorkOf(ctx.caller);
  if (rep && assignedTo !== undefined && assignedTo !== rep) throw forbidden(REP_KEEPS_OWN);
  const written =
    assignedTo && !rep
      ? ctx.db.transaction(async (tx) => {
          await assertReps({ ...ctx, db: tx }, [assignedTo]);
          return write(tx);
        })
      : write(ctx.db);
  return conflictOn(written, EMAIL_TAKEN).catch(repGone);
}

/**
 * Newest first; filters by status, city (any case), assignee ("none": the unassigned, a sales rep
 * then seeing none, as nothing unassigned is theirs) and text search. One statement.
 */
export function listProspects(ctx: ServiceContext, query: z.infer<typeof listProspectsQuery>) {
  const rep = ownWorkOf(ctx.caller);
  const where = and(
    eq(prospects.tenantId, ctx.caller.tenantId),
    rep ? eq(prospects.assignedTo, rep) : undefined,
    query.status ? eq(prospects.status, query.status) : undefined,
    query.city ? sql`lower(${prospects.city}) = ${query.city.toLowerCase()}` : undefined,
    query.assignedTo === "none"
      ? isNull(prospects.assignedTo)
      : query.assignedTo
        ? eq(prospects.assignedTo, query.assignedTo)
        : undefined,
    query.search ? textSearch(prospects.searchVector, "simple", query.search) : undefined,
  );
  return listPage(ctx.db, {
    table: prospects,
    columns: prospectColumns,
    where,
    sort: { by: [prospects.createdAt, prospects.id], direction: "desc" },
    page: query,
  });
}

export async function getProspect(ctx: ServiceContext, id: string) {
  const [row] = await ctx.db.select(prospectColumns).from(prospects).where(visible(ctx, id));
  if (!row) throw notFound("Prospect");
  return row;
}

/**
 * Creates a prospect. An assignee given is checked in the tenant and kept; none given, routing rules
 * assign one in the insert's own statement (services/sales/routing.ts). A sales rep's new prospect
 * is theirs. One statement, or two in a transaction when an assignee is checked.
 */
export function createProspect(ctx: ServiceContext, input: ProspectInput) {
  const rep = ownWorkOf(ctx.caller);
  const item = rep ? { ...input, assignedTo: rep } : input;
  return assigning(ctx, input.assignedTo, async (db) => {
    const [inserted] = await insertRoutedProspects(db, ctx.caller.tenantId, [item], { skipExisting: false });
    if (!inserted) throw new Error("prospect insert returned no row");
    return inserted.row;
  });
}

/**
 * Changes only the fields given. A manager may assign any rep of the tenant (checked in the same
 * transaction) or none; a prospect reassigned by hand no longer names the rule that routed it. A
 * sales rep changes only their own prospects and cannot reassign them (403).
 */
export function updateProspect(ctx: ServiceContext, id: string, input: z.infer<typeof updateProspectBody>) {
  return assigning(ctx, input.assignedTo, async (db) => {
    const [row] = await db
      .update(prospects)
      .set({
        ...input,
        routingRuleId:
          input.assignedTo === undefined
            ? undefined
            : sql`case when ${prospects.assignedTo} is not distinct from ${input.assignedTo}::uuid then ${prospects.routingRuleId} end`,
        updatedAt: sql`now()`,
      })
      .where(visible(ctx, id))
      .returning(prospectColumns);
    if (!row) throw notFound("Prospect");
    return row;
  });
}

/**
 * Erases a prospect and everything of theirs, in one statement: the inbox conversations linked to
 * them (transcripts, messages) are deleted beside the prospect, and the foreign keys' cascades take
 * the rest (the links, appointments, hand-offs, queued leads, what the AI recorded). Both deletes
 * read the links as they were before the statement. An appointment's key on its link has no action
 * of its own, a check Postgres makes at the statement's end: the appointment, cascaded away from the
 * prospect in the same statement, is gone by then (tests/sales/prospects.test.ts proves it).
 */
export async function deleteProspect(ctx: ServiceContext, id: string) {
  const { tenantId } = ctx.caller;
  const gone = ctx.db
    .$with("gone")
    .as(ctx.db.delete(prospects).where(visible(ctx, id)).returning({ id: prospects.id }));
  const transcripts = ctx.db.$with("transcripts").as(
    ctx.db
      .delete(conversations)
      .where(
        and(
          eq(conversations.tenantId, tenantId),
          inArray(
            conversations.id,
            ctx.db
              .select({ id: prospectConversations.conversationId })
              .from(prospectConversations)
              .where(
                and(
                  eq(prospectConversations.tenantId, tenantId),
                  inArray(prospectConversations.prospectId, ctx.db.select({ id: gone.id }).from(gone)),
                ),
              ),
          ),
        ),
      )
      .returning({ id: conversations.id }),
  );
  const [row] = await ctx.db.with(gone, transcripts).select({ id: gone.id }).from(gone);
  if (!row) throw notFound("Prospect");
}

/**
 * Imports up to 1,000 prospects in one transaction of at most three statements: the assignees given
 * are checked in the tenant, the tenant's routing taken for the batch (concurrent imports queue
 * rather than deadlock: serializeBatchRouting), and every new prospect inserted and routed, exactly
 * as a single create routes one, in one statement. A prospect whose email the tenant has already,
 * or an earlier one of the request has, is skipped.
 */
export async function importProspects(
  ctx: ServiceContext,
  body: z.infer<typeof importProspectsBody>,
): Promise<z.infer<typeof importResult>> {
  const { tenantId } = ctx.caller;
  const inserted = await conflictOn(
    ctx.db.transaction(async (tx) => {
      await assertReps(
        { ...ctx, db: tx },
        body.prospects.flatMap((item) => item.assignedTo ?? []),
      );
      await serializeBatchRouting(tx, tenantId);
      return insertRoutedProspects(tx, tenantId, body.prospects, { skipExisting: true });
    }),
    "A prospect with one of these emails was added meanwhile; import them again",
  ).catch(repGone);
  const created = new Set(inserted.map(({ index }) => index));
  return {
    created: inserted.length,
    skipped: body.prospects.length - inserted.length,
    prospects: inserted.map(({ index, row }) => ({
      index,
      id: row.id,
      assignedTo: row.assignedTo,
      routingRuleId: row.routingRuleId,
    })),
    skippedIndexes: body.prospects.flatMap((_, index) => (created.has(index) ? [] : [index])),
  };
}
