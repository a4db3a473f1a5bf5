import type { Database } from "../../db/client";
import { addSingleItemOrders, type SingleItemOrder } from "../../services/returns/seed";

/**
 * A commerce order of one product, as spec 000's mock orders were: what the returns desk's policy
 * helper looks purchase facts up in. Its customer is the tenant's contact with that email (created
 * if new), its platform order id `orderId`.
 */
export async function seedOrder(db: Database, tenantId: string, order: SingleItemOrder): Promise<void> {
  const added = await addSingleItemOrders(db, tenantId, [order]);
  if (added !== 1) throw new Error(`order ${order.orderId} already exists for tenant ${tenantId}`);
}
