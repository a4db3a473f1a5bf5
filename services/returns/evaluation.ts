import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../../db/client";
import { mockOrders, policies, tenants } from "../../db/schema";
import { notFound } from "../../shared/errors";
import { email, httpUrl, isoDateInput } from "../../shared/schemas";
import { evaluate, type Fact, type ReturnFacts } from "./policy-engine";
import { DEFAULT_POLICY_RULES, REASON_CODES, RESOLUTIONS, readRules } from "./policy-rules";
import type { Evaluation } from "./schemas";

export type { Evaluation } from "./schemas";

/** What the AI agent (and the return-requests service) asks the engine about. The tenant is the caller's. */
export const evaluateReturnBody = z
  .object({
    orderId: z.string().trim().min(1).max(200).describe("The order's id in the business's system"),
    customerEmail: email.describe("The customer's email; an order under another email is not used"),
    reasonForReturn: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .describe(
        `A reason code: ${REASON_CODES.join(", ")} (case-insensitive); a code the policy does not know goes to review`,
      ),
    reasonDetails: z.string().trim().max(5000).optional().describe("The customer's own words"),
    purchaseDate: isoDateInput
      .optional()
      .describe("ISO 8601 date or date-time; looked up from the order when not given"),
    productCategory: z.string().trim().min(1).max(100).optional().describe("Looked up from the order when not given"),
    orderValue: z.number().min(0).max(1e9).optional().describe("Looked up from the order when not given"),
    evidenceUrls: z
      .array(httpUrl)
      .max(10)
      .optional()
      .describe("Links to photos or other evidence (http or https, at most 10)"),
    requestedResolution: z.enum(RESOLUTIONS).optional().describe("What the customer would like"),
  })
  .strict();

export type EvaluateReturnInput = z.infer<typeof evaluateReturnBody>;

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
