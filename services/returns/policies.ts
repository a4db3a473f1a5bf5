import { and, eq, getTableColumns, ne } from "drizzle-orm";
import type { z } from "zod";
import type { Database } from "../../db/client";
import { policies } from "../../db/schema";
import type { Caller, ServiceContext, UserCaller } from "../../shared/context";
import { conflict, isUniqueViolation, notFound, unprocessable } from "../../shared/errors";
import { listPage } from "../../shared/pagination";
import { recordAudit } from "../platform/audit";
import { assertOwnBusiness } from "../platform/business";
import type {
  activatePolicyBody,
  aiPolicyQuery,
  createPolicyBody,
  listPoliciesQuery,
  updatePolicyBody,
} from "./policies.schemas";
import { DEFAULT_POLICY_RULES, DEFAULT_POLICY_VERSION, normalizeRules, readRules } from "./policy-rules";

/** Versions of a tenant's return policy (spec 000): drafts are edited, one version at a time is active. */

const policyColumns = getTableColumns(policies);

const duplicateVersion = () => conflict("A policy with this version already exists");

/** Newest first; one page and its total in one statement (listPage). */
export async function listPolicies(ctx: ServiceContext, query: z.infer<typeof listPoliciesQuery>) {
  assertOwnBusiness(ctx.caller, query.businessId);
  const where = eq(policies.tenantId, ctx.caller.tenantId);
  return listPage(ctx.db, {
    table: policies,
    columns: policyColumns,
    where,
    sort: { by: [policies.createdAt, policies.id], direction: "desc" },
    page: query,
  });
}

export async function createPolicy(ctx: ServiceContext<UserCaller>, input: z.infer<typeof createPolicyBody>) {
  assertOwnBusiness(ctx.caller, input.businessId);
  const { tenantId, userId } = ctx.caller;
  try {
    return await ctx.db.transaction(async (tx) => {
      const [policy] = await tx
        .insert(policies)
        .values({
          tenantId,
          version: input.version,
          rules: normalizeRules(input.rules),
          effectiveDate: input.effectiveDate ?? null,
          createdBy: userId,
        })
        .returning();
      if (!policy) throw new Error("policy insert returned no row");
      await recordAudit(tx, ctx, tenantId, {
        action: "policy.created",
        entityType: "policy",
        entityId: String(policy.id),
        after: policy,
      });
      return policy;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateVersion();
    throw error;
  }
}

async function lockPolicy(tx: Database, tenantId: string, id: number) {
  const [policy] = await tx
    .select()
    .from(policies)
    .where(and(eq(policies.id, id), eq(policies.tenantId, tenantId)))
    .for("update");
  if (!policy) throw notFound("Policy");
  return policy;
}

/** Drafts only: an active policy is what customers are judged by, so it is replaced by a new version instead. */
export async function updatePolicy(
  ctx: ServiceContext<UserCaller>,
  id: number,
  input: z.infer<typeof updatePolicyBody>,
) {
  assertOwnBusiness(ctx.caller, input.businessId);
  const { tenantId } = ctx.caller;
  try {
    return await ctx.db.transaction(async (tx) => {
      const before = await lockPolicy(tx, tenantId, id);
      if (before.isActive) {
        throw conflict("An active policy cannot be edited; create a new version and activate it");
      }
      const [after] = await tx
        .update(policies)
        .set({
          version: input.version,
          rules: input.rules ? normalizeRules(input.rules) : undefined,
          effectiveDate: input.effectiveDate,
        })
        .where(and(eq(policies.id, id), eq(policies.tenantId, tenantId)))
        .returning();
      await recordAudit(tx, ctx, tenantId, {
        action: "policy.updated",
        entityType: "policy",
        entityId: String(id),
        before,
        after,
      });
      return after;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateVersion();
    throw error;
  }
}

/**
 * Makes this version the tenant's only active one, in one transaction. Every policy row of the
 * tenant is locked first, in id order, so concurrent activations queue behind each other (and the
 * later one sees the earlier one's result) instead of one failing on policies_one_active_per_tenant,
 * the partial unique index that guarantees at most one active policy whatever happens.
 */
export async function activatePolicy(
  ctx: ServiceContext<UserCaller>,
  id: number,
  input: z.infer<typeof activatePolicyBody>,
) {
  assertOwnBusiness(ctx.caller, input.businessId);
  const { tenantId } = ctx.caller;
  return ctx.db.transaction(async (tx) => {
    const rows = await tx
      .select()
      .from(policies)
      .where(eq(policies.tenantId, tenantId))
      .orderBy(policies.id)
      .for("update");
    const before = rows.find((row) => row.id === id);
    if (!before) throw notFound("Policy");
    if (before.isActive) return before;
    if (readRules(before.rules) === null) {
      throw unprocessable("This policy's rules are not valid; correct them before activating it");
    }

    const deactivated = await tx
      .update(policies)
      .set({ isActive: false })
      .where(and(eq(policies.tenantId, tenantId), eq(policies.isActive, true), ne(policies.id, id)))
      .returning();
    for (const after of deactivated) {
      await recordAudit(tx, ctx, tenantId, {
        action: "policy.deactivated",
        entityType: "policy",
        entityId: String(after.id),
        before: rows.find((row) => row.id === after.id),
        after,
      });
    }
    const [after] = await tx
      .update(policies)
      .set({ isActive: true })
      .where(and(eq(policies.id, id), eq(policies.tenantId, tenantId)))
      .returning();
    await recordAudit(tx, ctx, tenantId, {
      action: "policy.activated",
      entityType: "policy",
      entityId: String(id),
      before,
      after,
    });
    return after;
  });
}

/** Public: the business's active policy, or null (also for a business that does not exist). */
export async function getActivePolicy(ctx: ServiceContext<Caller>, tenantId: string) {
  const [policy] = await ctx.db
    .select()
    .from(policies)
    .where(and(eq(policies.tenantId, tenantId), eq(policies.isActive, true)));
  return policy ?? null;
}

/** For the AI agent: the active policy, or the built-in default when none is active (or it is unreadable). */
export async function getPolicyForAgent(ctx: ServiceContext, query: z.infer<typeof aiPolicyQuery>) {
  assertOwnBusiness(ctx.caller, query.businessId);
  const policy = await getActivePolicy(ctx, ctx.caller.tenantId);
  const rules = policy ? readRules(policy.rules) : null;
  if (policy && rules) {
    return {
      id: policy.id,
      version: policy.version,
      isActive: true,
      isDefault: false,
      effectiveDate: policy.effectiveDate,
      rules,
    };
  }
  return {
    id: null,
    version: DEFAULT_POLICY_VERSION,
    isActive: false,
    isDefault: true,
    effectiveDate: null,
    rules: DEFAULT_POLICY_RULES,
  };
}
