import { and, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { contacts, orderItems, orders, products } from "../../db/schema";
import type { DemoCredentials } from "../platform/seed";

const DAY = 86_400_000;
/**
 * The orders the AI policy helper looks purchase facts up in (spec 000's mock orders, now commerce
 * orders): one of each case a return policy decides (well inside the window, near its edge, past it,
 * a final-sale category, a high-value order). Dates are relative to the first seed.
 */
const DEMO_ORDERS = [
  {
    orderId: "ORD-1001",
    daysAgo: 5,
    email: "alex@example.com",
    productName: "Wireless earbuds",
    category: "electronics",
    price: 89.99,
  },
  {
    orderId: "ORD-1002",
    daysAgo: 28,
    email: "sam@example.com",
    productName: "Linen shirt",
    category: "apparel",
    price: 49.5,
  },
  {
    orderId: "ORD-1003",
    daysAgo: 45,
    email: "jo@example.com",
    productName: "Desk lamp",
    category: "home",
    price: 39.99,
  },
  {
    orderId: "ORD-1004",
    daysAgo: 3,
    email: "alex@example.com",
    productName: "Clearance sneakers",
    category: "final_sale",
    price: 29.99,
  },
  {
    orderId: "ORD-1005",
    daysAgo: 10,
    email: "kim@example.com",
    productName: "4K television",
    category: "electronics",
    price: 1299,
  },
  {
    orderId: "ORD-1006",
    daysAgo: 12,
    email: "lee@example.com",
    productName: "Face serum",
    category: "beauty",
    price: 24,
  },
] as const;

/** An order as spec 000's mock orders described one: a single product, bought by an email. */
export interface SingleItemOrder {
  /** The order's platform order id, which return requests name. */
  orderId: string;
  email: string;
  productName: string;
  category: string;
  /** The unit price, in USD. */
  price: number;
  purchaseDate: Date;
  quantity?: number;
}

const toMoney = (cents: number) => (cents / 100).toFixed(2);

/**
 * Adds the orders the tenant does not have yet (by platform order id), as migration 0011 moved mock
 * orders: the customer one contact per email (any case), the product one per name and category, the
 * total price × quantity. One transaction; the number of orders added. For the seed and tests only:
 * products have no unique key, so two concurrent calls may each create the same one.
 */
export async function addSingleItemOrders(
  db: Database,
  tenantId: string,
  wanted: readonly SingleItemOrder[],
): Promise<number> {
  return db.transaction(async (tx) => {
    const existing = await tx
      .select({ orderId: orders.platformOrderId })
      .from(orders)
      .where(
        and(
          eq(orders.tenantId, tenantId),
          inArray(
            orders.platformOrderId,
            wanted.map((order) => order.orderId),
          ),
        ),
      );
    const known = new Set(existing.map((row) => row.orderId));
    const added = wanted.filter((order) => !known.has(order.orderId));
    if (added.length === 0) return 0;

    // One contact per email in any case, seen from its first purchase to its last.
    const buyers = new Map<string, { tenantId: string; email: string; firstSeenAt: Date; lastSeenAt: Date }>();
    for (const { email, purchaseDate } of added) {
      const buyer = buyers.get(email.toLowerCase());
      if (!buyer)
        buyers.set(email.toLowerCase(), { tenantId, email, firstSeenAt: purchaseDate, lastSeenAt: purchaseDate });
      else if (purchaseDate < buyer.firstSeenAt) buyer.firstSeenAt = purchaseDate;
      else if (purchaseDate > buyer.lastSeenAt) buyer.lastSeenAt = purchaseDate;
    }
    const emails = [...buyers.keys()];
    // Another module, or an earlier order, may have the contact already: it is kept as it is.
    await tx
      .insert(contacts)
      .values([...buyers.values()])
      .onConflictDoNothing();
    const customers = await tx
      .select({ id: contacts.id, email: sql<string>`lower(${contacts.email})` })
      .from(contacts)
      .where(and(eq(contacts.tenantId, tenantId), inArray(sql`lower(${contacts.email})`, emails)));
    const customerByEmail = new Map(customers.map((row) => [row.email, row.id]));

    const productKey = (name: string, category: string | null) => JSON.stringify([name, category]);
    const names = [...new Set(added.map((order) => order.productName))];
    const stocked = await tx
      .select({ id: products.id, name: products.name, category: products.category })
      .from(products)
      .where(and(eq(products.tenantId, tenantId), inArray(products.name, names)));
    const productByKey = new Map(stocked.map((row) => [productKey(row.name, row.category), row.id]));
    const missing = new Map<string, SingleItemOrder>();
    for (const order of added) {
      const key = productKey(order.productName, order.category);
      if (!productByKey.has(key)) missing.set(key, order);
    }
    if (missing.size > 0) {
      const created = await tx
        .insert(products)
        .values(
          [...missing.values()].map((order) => ({
            tenantId,
            name: order.productName,
            category: order.category,
            price: order.price.toFixed(2),
            currency: "USD",
          })),
        )
        .returning({ id: products.id, name: products.name, category: products.category });
      for (const row of created) productByKey.set(productKey(row.name, row.category), row.id);
    }

    const placed = await tx
      .insert(orders)
      .values(
        added.map((order) => ({
          tenantId,
          customerId: customerByEmail.get(order.email.toLowerCase())!,
          platformOrderId: order.orderId,
          status: "delivered" as const,
          totalAmount: toMoney(Math.round(order.price * 100) * (order.quantity ?? 1)),
          currency: "USD",
          placedAt: order.purchaseDate,
        })),
      )
      .onConflictDoNothing({ target: [orders.tenantId, orders.platformOrderId] })
      .returning({ id: orders.id, platformOrderId: orders.platformOrderId });
    if (placed.length > 0) {
      const byOrderId = new Map(added.map((order) => [order.orderId, order]));
      await tx.insert(orderItems).values(
        placed.map((row) => {
          const order = byOrderId.get(row.platformOrderId!)!;
          return {
            tenantId,
            orderId: row.id,
            productId: productByKey.get(productKey(order.productName, order.category))!,
            quantity: order.quantity ?? 1,
            priceAtPurchase: order.price.toFixed(2),
            currencyAtPurchase: "USD",
          };
        }),
      );
    }
    return placed.length;
  });
}

/** The returns desk's demo rows: the orders its policy helper looks up. Idempotent by order id; true when it added any. */
export async function seed(db: Database, { tenantId }: DemoCredentials): Promise<boolean> {
  const now = Date.now();
  const added = await addSingleItemOrders(
    db,
    tenantId,
    DEMO_ORDERS.map(({ daysAgo, ...order }) => ({ ...order, purchaseDate: new Date(now - daysAgo * DAY) })),
  );
  return added > 0;
}
