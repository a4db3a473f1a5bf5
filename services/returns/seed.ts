import type { Database } from "../../db/client";
import { mockOrders } from "../../db/schema";
import type { DemoCredentials } from "../platform/seed";

const DAY = 86_400_000;
/**
 * Spec 000's mock orders, the facts the AI policy helper looks up by order id: one of each case a
 * return policy decides (well inside the window, near its edge, past it, a final-sale category, a
 * high-value order). Dates are relative to the first seed.
 */
const DEMO_ORDERS = [
  {
    orderId: "ORD-1001",
    daysAgo: 5,
    email: "alex@example.com",
    product: "Wireless earbuds",
    category: "electronics",
    price: 89.99,
  },
  {
    orderId: "ORD-1002",
    daysAgo: 28,
    email: "sam@example.com",
    product: "Linen shirt",
    category: "apparel",
    price: 49.5,
  },
  { orderId: "ORD-1003", daysAgo: 45, email: "jo@example.com", product: "Desk lamp", category: "home", price: 39.99 },
  {
    orderId: "ORD-1004",
    daysAgo: 3,
    email: "alex@example.com",
    product: "Clearance sneakers",
    category: "final_sale",
    price: 29.99,
  },
  {
    orderId: "ORD-1005",
    daysAgo: 10,
    email: "kim@example.com",
    product: "4K television",
    category: "electronics",
    price: 1299,
  },
  { orderId: "ORD-1006", daysAgo: 12, email: "lee@example.com", product: "Face serum", category: "beauty", price: 24 },
] as const;

/** The returns desk's demo rows: spec 000's mock orders. Idempotent by order id; true when it added any. */
export async function seed(db: Database, { tenantId }: DemoCredentials): Promise<boolean> {
  const now = Date.now();
  const orders = await db
    .insert(mockOrders)
    .values(
      DEMO_ORDERS.map((order) => ({
        tenantId,
        orderId: order.orderId,
        purchaseDate: new Date(now - order.daysAgo * DAY),
        customerEmail: order.email,
        productName: order.product,
        productCategory: order.category,
        purchasePrice: order.price,
      })),
    )
    .onConflictDoNothing({ target: [mockOrders.tenantId, mockOrders.orderId] })
    .returning({ id: mockOrders.id });
  return orders.length > 0;
}
