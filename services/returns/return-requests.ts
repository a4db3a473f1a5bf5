import { and, eq, gte, ilike, inArray, lte, or, sql } from "drizzle-orm";
import { type ReturnStatus, returnRequests } from "../../db/schema";
import { shownColumns } from "../../shared/columns";
import type { Caller, ServiceContext } from "../../shared/context";
import { notFound } from "../../shared/errors";
import { likePattern, listPage } from "../../shared/pagination";
import { stateMachine } from "../../shared/state-machine";
import { recordAudit } from "../platform/audit";
import { assertOwnBusiness } from "../platform/business";
import { consume, type Limit } from "../platform/rate-limit";
import { evaluateReturnForTenant } from "./evaluation";
import type {
  CreateReturnRequestInput,
  ListReturnRequestsQuery,
  UpdateReturnStatusInput,
} from "./return-requests.schemas";
import { sanitizeConversationLog, sanitizeText } from "./sanitize";

/** Return requests (spec 000): filed by customers without an account, triaged by the tenant's staff. */

/**
 * Who may move a request through its states: the people who triage returns. Sales roles have no
 * part in returns, and compliance officers read (the list, the audit log) but do not decide.
 */
export const RETURNS_STAFF = ["owner", "admin", "operations", "agent", "qa_supervisor"] as const;

/** Where each status may go next. `denied` and `completed` are final. */
export const returnStatuses = stateMachine<ReturnStatus>("return request", {
  pending_triage: ["pending_review", "approved", "denied"],
  pending_review: ["approved", "denied"],
  approved: ["completed"],
  denied: [],
  completed: [],
});

/** Filings per client IP and business, and per client IP across all businesses (bounds probing of ids). */
const RETURN_FILINGS_PER_TENANT: Limit = { max: 10, windowSeconds: 60 * 60 };
const RETURN_FILINGS_PER_IP: Limit = { max: 30, windowSeconds: 60 * 60 };
/** Status look-ups per client IP. */
const RETURN_LOOKUPS: Limit = { max: 30, windowSeconds: 15 * 60 };

/** Everything staff see of a request: every column but the tenant. */
const returnRequestColumns = shownColumns(returnRequests);
/** What a customer sees: no notes, no AI fields, no email echoed back. */
const { publicId, status, orderId, reasonForReturn, createdAt, updatedAt } = returnRequestColumns;
const publicColumns = { publicId, status, orderId, reasonForReturn, createdAt, updatedAt };

/**
 * Files a return request for a business. Rate limited per client IP (and per IP and business);
 * an unknown business is 404 and nothing else is said about it. The request is evaluated against
 * the business's active policy (or the default), the conversation log and the customer's free text
 * are sanitized, and the row and its audit entry are written in one transaction. The answer holds
 * only the public id, the status and the time: the recommendation is for staff.
 */
export async function createReturnRequest(ctx: ServiceContext<Caller>, input: CreateReturnRequestInput) {
  const { tenantId } = input;
  await consume(ctx.db, `return-request:ip:${ctx.ip}`, RETURN_FILINGS_PER_IP);
  await consume(ctx.db, `return-request:${tenantId}:${ctx.ip}`, RETURN_FILINGS_PER_TENANT);

  const reasonDetails = input.reasonDetails === undefined ? undefined : sanitizeText(input.reasonDetails);
  const evidenceUrls = input.evidenceUrls ?? [];
  // Also the check that the business exists (404 otherwise), in the same statement.
  const evaluation = await evaluateReturnForTenant(ctx.db, tenantId, {
    orderId: input.orderId,
    customerEmail: input.customerEmail,
    reasonForReturn: input.reasonForReturn,
    reasonDetails,
    purchaseDate: input.purchaseDate,
    productCategory: input.productCategory,
    evidenceUrls,
    requestedResolution: input.requestedResolution,
  });

  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(returnRequests)
      .values({
        tenantId,
        orderId: input.orderId,
        customerEmail: input.customerEmail,
        reasonForReturn: input.reasonForReturn,
        reasonDetails: reasonDetails ?? null,
        productCategory: input.productCategory ?? null,
        purchaseDate: input.purchaseDate ?? null,
        requestedResolution: input.requestedResolution ?? null,
        status: "pending_triage",
        evidenceUrls,
        conversationLog: input.conversationLog ? sanitizeConversationLog(input.conversationLog) : null,
        aiRecommendation: evaluation.recommendation,
        aiConfidenceScore: evaluation.confidence,
        aiEvaluation: evaluation,
      })
      .returning({
        id: returnRequests.id,
        publicId: returnRequests.publicId,
        status: returnRequests.status,
        createdAt: returnRequests.createdAt,
      });
    if (!row) throw new Error("return request insert returned no row");
    await recordAudit(tx, ctx, tenantId, {
      action: "return_request.created",
      entityType: "return_request",
      entityId: String(row.id),
      after: {
        publicId: row.publicId,
        status: row.status,
        orderId: input.orderId,
        reasonForReturn: input.reasonForReturn,
        aiRecommendation: evaluation.recommendation,
        aiConfidenceScore: evaluation.confidence,
      },
    });
    return { publicId: row.publicId, status: row.status, createdAt: row.createdAt };
  });
}

/**
 * A customer's view of their request, by public id and the email it was filed with. A wrong
 * email answers exactly as an unknown id does (same 404, same single query).
 */
export async function lookupReturnRequest(
  ctx: ServiceContext<Caller>,
  input: { publicId: string; customerEmail: string },
) {
  await consume(ctx.db, `return-lookup:${ctx.ip}`, RETURN_LOOKUPS);
  const [row] = await ctx.db
    .select(publicColumns)
    .from(returnRequests)
    .where(
      and(
        eq(returnRequests.publicId, input.publicId),
        eq(sql`lower(${returnRequests.customerEmail})`, input.customerEmail),
      ),
    );
  if (!row) throw notFound("Return request");
  return row;
}

/** Newest first, filtered; one page and its total in one statement (listPage). */
export async function listReturnRequests(ctx: ServiceContext, query: ListReturnRequestsQuery) {
  assertOwnBusiness(ctx.caller, query.businessId);
  const pattern = query.q && likePattern(query.q);
  const where = and(
    eq(returnRequests.tenantId, ctx.caller.tenantId),
    query.status ? inArray(returnRequests.status, query.status) : undefined,
    query.from ? gte(returnRequests.createdAt, query.from) : undefined,
    query.to ? lte(returnRequests.createdAt, query.to) : undefined,
    query.email ? eq(sql`lower(${returnRequests.customerEmail})`, query.email) : undefined,
    pattern ? or(ilike(returnRequests.orderId, pattern), ilike(returnRequests.customerEmail, pattern)) : undefined,
  );
  return listPage(ctx.db, {
    table: returnRequests,
    columns: returnRequestColumns,
    where,
    sort: { by: [returnRequests.createdAt, returnRequests.id], direction: "desc" },
    page: query,
  });
}

/**
 * Moves a request along the state machine (returnStatuses) with one conditional UPDATE: the
 * row is locked and read (its status before) in a sub-select, and changed only if that status may
 * move to the new one. Of two concurrent moves, the second waits for the first's lock, re-reads
 * the status it left, and fails. When nothing changed, one more read tells 404 (no such request
 * in the tenant) from 422 (it exists in a status that cannot move there); statuses only move
 * forward, so that read cannot contradict the update. The audit entry, with before and after, is
 * written in the same transaction.
 */
export async function updateReturnStatus(ctx: ServiceContext, id: number, input: UpdateReturnStatusInput) {
  const { tenantId } = ctx.caller;
  const allowedFrom = returnStatuses.predecessorsOf(input.status);
  return ctx.db.transaction(async (tx) => {
    const previous = tx
      .select({ id: returnRequests.id, status: returnRequests.status, adminNotes: returnRequests.adminNotes })
      .from(returnRequests)
      .where(and(eq(returnRequests.id, id), eq(returnRequests.tenantId, tenantId)))
      .for("update")
      .as("previous");
    const [row] =
      allowedFrom.length === 0
        ? []
        : await tx
            .update(returnRequests)
            .set({
              status: input.status,
              ...(input.adminNotes !== undefined ? { adminNotes: input.adminNotes || null } : {}),
              updatedAt: sql`now()`,
            })
            .from(previous)
            .where(
              and(
                eq(returnRequests.id, previous.id),
                eq(returnRequests.tenantId, tenantId),
                inArray(previous.status, allowedFrom),
              ),
            )
            .returning({
              ...returnRequestColumns,
              previousStatus: previous.status,
              previousAdminNotes: previous.adminNotes,
            });
    if (!row) {
      const [current] = await tx
        .select({ status: returnRequests.status })
        .from(returnRequests)
        .where(and(eq(returnRequests.id, id), eq(returnRequests.tenantId, tenantId)));
      if (!current) throw notFound("Return request");
      throw returnStatuses.refuse(current.status, input.status);
    }
    const { previousStatus, previousAdminNotes, ...after } = row;
    await recordAudit(tx, ctx, tenantId, {
      action: "return_request.status_changed",
      entityType: "return_request",
      entityId: String(id),
      before: { status: previousStatus, adminNotes: previousAdminNotes },
      after: { status: after.status, adminNotes: after.adminNotes },
    });
    return after;
  });
}
