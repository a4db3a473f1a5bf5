import { and, eq } from "drizzle-orm";
import type { Database } from "../../db/client";
import { mockOrders, policies, tenants } from "../../db/schema";
import type { ServiceContext } from "../../shared/context";
import { notFound } from "../../shared/errors";
import { assertOwnBusiness } from "./business";
import type { EvaluateReturnInput, Evaluation } from "./evaluation.schemas";
import { evaluate, type Fact, type ReturnFacts } from "./policy-engine";
import { DEFAULT_POLICY_RULES, readRules } from "./policy-rules";

/** The tenant's active policy and its order with this id, in one row. */
async function loadPolicyAndOrder(db: Database, tenantId: string, orderId: string) {
  const [row] = await db
    .select({
      policyVersion: policies.version,
      policyRules: policies.rules,
      orderPurchaseDate: mockOrders.purchaseDate,
      orderCategory: mockOrders.productCategory,
      orderValue: mockOrders.purchasePrice,
      orderEmail: mockOrders.customerEmail,
    })
    .from(tenants)
    .leftJoin(policies, and(eq(policies.tenantId, tenants.id), eq(policies.isActive, true)))
    .leftJoin(mockOrders, and(eq(mockOrders.tenantId, tenants.id), eq(mockOrders.orderId, orderId)))
    .where(eq(tenants.id, tenantId));
  return row;
}

function pick<T>(given: T | undefined, fromOrder: T | null | undefined): Fact<T> {
  if (given !== undefined) return { value: given, source: "request" };
  if (fromOrder !== null && fromOrder !== undefined) return { value: fromOrder, source: "order" };
  return { value: null, source: "missing" };
}

/**
 * Evaluates a return against the tenant's active policy (or the default): one statement reads the
 * policy and the order, then the pure engine decides. Facts the caller leaves out come from the
 * order when it exists under the customer's email; a missing fact is not an error. An unknown
 * tenant is NOT_FOUND.
 */
export async function evaluateReturnForTenant(
  db: Database,
  tenantId: string,
  input: EvaluateReturnInput,
  now: Date = new Date(),
): Promise<Evaluation> {
  const row = await loadPolicyAndOrder(db, tenantId, input.orderId);
  // The query starts from the tenant: no row means no such business (a public filer's typo).
  if (!row) throw notFound("Business");
  const storedRules = row.policyVersion !== null ? readRules(row.policyRules) : null;
  const policy = storedRules
    ? { rules: storedRules, version: row.policyVersion, isDefault: false }
    : { rules: DEFAULT_POLICY_RULES, version: null, isDefault: true };

  const orderExists = row?.orderEmail != null;
  const customerEmailMatches = orderExists ? row.orderEmail?.toLowerCase() === input.customerEmail : null;
  const order = customerEmailMatches ? row : undefined;

  const facts: ReturnFacts = {
    reasonForReturn: input.reasonForReturn,
    purchaseDate: pick(input.purchaseDate, order?.orderPurchaseDate),
    productCategory: pick(input.productCategory, order?.orderCategory),
    orderValue: pick(input.orderValue, order?.orderValue),
    evidenceCount: input.evidenceUrls?.length ?? 0,
    requestedResolution: input.requestedResolution ?? null,
    orderFound: customerEmailMatches === true,
    customerEmailMatches,
  };
  return evaluate(policy, facts, now);
}

/** POST /api/ai-policy-helper/evaluate-return: the caller's own business, which a spec 000 client may also name. */
export function evaluateReturn(ctx: ServiceContext, input: EvaluateReturnInput): Promise<Evaluation> {
  assertOwnBusiness(ctx.caller, input.businessId);
  return evaluateReturnForTenant(ctx.db, ctx.caller.tenantId, input);
}
