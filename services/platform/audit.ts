import { and, eq, gte, lte } from "drizzle-orm";
import type { z } from "zod";
import type { Database } from "../../db/client";
import { auditLog } from "../../db/schema";
import { shownColumns } from "../../shared/columns";
import type { Caller, ServiceContext } from "../../shared/context";
import { listPage } from "../../shared/pagination";
import type { auditQuery } from "./audit.schemas";

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId: string;
  before?: unknown;
  after?: unknown;
}

function actor(caller: Caller): { actorType: "user" | "api_key" | "public"; actorId: string | null } {
  if (caller.kind === "user") return { actorType: "user", actorId: caller.userId };
  if (caller.kind === "apiKey") return { actorType: "api_key", actorId: caller.apiKeyId };
  return { actorType: "public", actorId: null };
}

/** Written with the change it describes, inside the same transaction. */
export async function recordAudit(
  db: Database,
  ctx: Pick<ServiceContext<Caller>, "caller" | "requestId">,
  tenantId: string,
  entry: AuditEntry,
): Promise<void> {
  await db.insert(auditLog).values({
    tenantId,
    ...actor(ctx.caller),
    ...entry,
    before: entry.before ?? null,
    after: entry.after ?? null,
    requestId: ctx.requestId,
  });
}

const columns = shownColumns(auditLog);

/** Newest first; one page and its total in one statement (listPage). */
export async function listAuditLog(ctx: ServiceContext, query: z.infer<typeof auditQuery>) {
  const where = and(
    eq(auditLog.tenantId, ctx.caller.tenantId),
    query.entityType ? eq(auditLog.entityType, query.entityType) : undefined,
    query.entityId ? eq(auditLog.entityId, query.entityId) : undefined,
    query.action ? eq(auditLog.action, query.action) : undefined,
    query.actorId ? eq(auditLog.actorId, query.actorId) : undefined,
    query.from ? gte(auditLog.createdAt, query.from) : undefined,
    query.to ? lte(auditLog.createdAt, query.to) : undefined,
  );
  return listPage(ctx.db, {
    table: auditLog,
    columns,
    where,
    sort: { by: [auditLog.createdAt, auditLog.id], direction: "desc" },
    page: query,
  });
}
