import { and, eq, sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { contacts, orderItems, orders, policies, products, tenants } from "../../db/schema";
import type { ServiceContext } from "../../shared/context";
import { notFound } from "../../shared/errors";
import { assertOwnBusiness } from "../platform/business";
import type { EvaluateReturnInput, Evaluation } from "./evaluation.schemas";
import { evaluate, type Fact, type ReturnFacts } from "./policy-engine";
import { DEFAULT_POLICY_RULES, readRules } from "./policy-rules";

/**
 * The tenant's active policy and its commerce order with this platform order id (spec 000's order
 * id), in one row: the order's purchase time, customer email, total and first item's category.
 */
async function loadPolicyAndOrder(db: Database, tenantId: string, orderId: string) {
  // An order migrated from spec 000 has one item. For a larger order the category is its first item's
  // by id (arbitrary but stable); a caller who knows better names productCategory in the request.
  const firstItem = db
    .select({ category: products.category })
    .from(orderItems)
    .innerJoin(products, and(eq(products.tenantId, orderItems.tenantId), eq(products.id, orderItems.productId)))
    .where(and(eq(orderItems.tenantId, orders.tenantId), eq(orderItems.orderId, orders.id)))
    .orderBy(orderItems.id)
    .limit(1)
    .as("first_item");
  const [row] = await db
    .select({
      policyVersion: policies.version,
      policyRules: policies.rules,
      orderId: orders.id,
      orderPurchaseDate: orders.placedAt,
      orderCategory: firstItem.category,
      orderTotal: orders.totalAmount,
      orderEmail: contacts.email,
    })
    .from(tenants)
    .leftJoin(policies, and(eq(policies.tenantId, tenants.id), eq(policies.isActive, true)))
    .leftJoin(orders, and(eq(orders.tenantId, tenants.id), eq(orders.platformOrderId, orderId)))
    .leftJoin(contacts, and(eq(contacts.tenantId, orders.tenantId), eq(contacts.id, orders.customerId)))
    .leftJoinLateral(firstItem, sql`true`)
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

  // An order whose customer has no email (a phone-only contact) cannot be confirmed as this customer's.
  const customerEmailMatches = row.orderId !== null ? row.orderEmail?.toLowerCase() === input.customerEmail : null;
  const order = customerEmailMatches ? row : undefined;

  const facts: ReturnFacts = {
    reasonForReturn: input.reasonForReturn,
    purchaseDate: pick(input.purchaseDate, order?.orderPurchaseDate),
    productCategory: pick(input.productCategory, order?.orderCategory),
    // Money is read as a decimal string; the engine compares it with a number.
    orderValue: pick(input.orderValue, order ? Number(order.orderTotal) : undefined),
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
