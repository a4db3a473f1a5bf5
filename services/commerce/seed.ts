import { and, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { conversations, type OrderStatus, orderItems, orders, products } from "../../db/schema";
import { demoChatId, demoOrderNumber, seed as seedInbox } from "../inbox/seed";
import type { DemoCredentials } from "../platform/seed";

/**
 * Commerce's demo rows: a dozen products (USD, one no longer available) and orders in every status
 * with their items, one for each of the first demo conversations (the order that conversation talks
 * about, by the same customer on the same channel). Totals are summed in SQL from the items' prices,
 * which are the products' own: exact decimals, never floats. Some products carry the names the
 * returns desk's demo orders name, so its seed (run after this one) sells those same products.
 */

const MINUTE = 60_000;
const DAY = 1440 * MINUTE;
/** Orders for the first demo conversations, one each. */
const ORDER_COUNT = 48;

const DEMO_PRODUCTS = [
  { sku: "DEMO-EARBUDS", name: "Wireless earbuds", category: "electronics", price: "89.99" },
  { sku: "DEMO-TV-55", name: "4K television", category: "electronics", price: "1299.00" },
  { sku: "DEMO-CHARGER", name: "USB-C fast charger", category: "electronics", price: "24.99" },
  { sku: "DEMO-LINEN-SHIRT", name: "Linen shirt", category: "apparel", price: "49.50" },
  { sku: "DEMO-DENIM", name: "Slim denim jeans", category: "apparel", price: "79.00" },
  { sku: "DEMO-SNEAKERS", name: "Clearance sneakers", category: "final_sale", price: "29.99" },
  { sku: "DEMO-DESK-LAMP", name: "Desk lamp", category: "home", price: "39.99" },
  { sku: "DEMO-MUG-SET", name: "Stoneware mug set (4)", category: "home", price: "34.00" },
  { sku: "DEMO-THROW", name: "Wool throw blanket", category: "home", price: "119.00" },
  { sku: "DEMO-SERUM", name: "Face serum", category: "beauty", price: "24.00" },
  { sku: "DEMO-SPF50", name: "Mineral sunscreen SPF 50", category: "beauty", price: "18.75" },
  { sku: "DEMO-GIFT-CARD", name: "Gift card", category: "gift_card", price: "50.00" },
  // No longer sold: listed, but in no order (creating one with it answers 422).
  { sku: "DEMO-SMARTWATCH", name: "Smartwatch (discontinued)", category: "electronics", price: "199.99", off: true },
] as const;

const CITIES = [
  { city: "Washington", postalCode: "20001", country: "US" },
  { city: "London", postalCode: "WC2N 5DN", country: "GB" },
  { city: "Manchester", postalCode: "M1 1AE", country: "GB" },
  { city: "Austin", postalCode: "78701", country: "US" },
];

/** Order k's status by its age, as orders move: new ones pending, then processing, shipped, delivered; some cancelled or refunded. */
function statusOf(k: number, ageMinutes: number): OrderStatus {
  if (k % 11 === 5) return "cancelled";
  if (k % 13 === 7) return "refunded";
  if (ageMinutes < 2 * 1440) return "pending";
  if (ageMinutes < 3 * 1440) return "processing";
  if (ageMinutes < 7 * 1440) return "shipped";
  return "delivered";
}

/** Adds commerce's demo rows to the demo tenant, in one transaction. True when it added any. */
export async function seed(db: Database, demo: DemoCredentials): Promise<boolean> {
  const { tenantId } = demo;
  // An order's customer is a contact: the inbox's demo contacts come first (idempotent, so a no-op once done).
  const inboxAdded = await seedInbox(db, demo);
  const now = Date.now();
  return db.transaction(async (tx) => {
    const addedProducts = await tx
      .insert(products)
      .values(
        DEMO_PRODUCTS.map((product, index) => ({
          tenantId,
          sku: product.sku,
          name: product.name,
          category: product.category,
          description: `${product.name}, from the demo catalogue.`,
          price: product.price,
          currency: "USD",
          shortId: `P${String(index + 1).padStart(3, "0")}`,
          imageUrl: `https://demo.frontdesk.dev/media/products/${product.sku.toLowerCase()}.jpg`,
          isAvailable: !("off" in product),
          createdAt: new Date(now - 40 * DAY + index * MINUTE),
          updatedAt: new Date(now - 40 * DAY + index * MINUTE),
        })),
      )
      .onConflictDoNothing({ target: [products.tenantId, products.sku] })
      .returning({ id: products.id });
    // The products as stored now (a demo user may have changed a price): items are priced from these.
    const catalogue = await tx
      .select({ id: products.id, price: products.price, currency: products.currency })
      .from(products)
      .where(
        and(
          eq(products.tenantId, tenantId),
          eq(products.isAvailable, true),
          inArray(
            products.sku,
            DEMO_PRODUCTS.map((product) => product.sku),
          ),
        ),
      )
      .orderBy(products.sku);
    // Order k is the one demo conversation k talks about (its customer, its channel, "FD-1000k").
    const conversationRows = await tx
      .select({
        platformChatId: conversations.platformChatId,
        contactId: conversations.contactId,
        channelId: conversations.channelId,
        assigneeId: conversations.assigneeId,
        startedAt: conversations.startedAt,
      })
      .from(conversations)
      .where(
        and(
          eq(conversations.tenantId, tenantId),
          inArray(
            conversations.platformChatId,
            Array.from({ length: ORDER_COUNT }, (_, k) => demoChatId(k)),
          ),
        ),
      );
    const byChatId = new Map(conversationRows.map((row) => [row.platformChatId, row]));
    const planned = Array.from({ length: ORDER_COUNT }, (_, k) => {
      const conversation = byChatId.get(demoChatId(k));
      if (!conversation?.contactId || catalogue.length === 0) return [];
      // Placed one to four days before the customer wrote about it, and within the last 30 days.
      const before = DAY + ((k * 1013) % (3 * 1440)) * MINUTE;
      const placedAt = Math.max(conversation.startedAt.getTime() - before, now - 30 * DAY);
      const place = CITIES[k % CITIES.length]!;
      const address = { line1: `${10 + k} Demo Street`, ...place };
      // One to three different products: steps of 5 through a catalogue of 12 never repeat.
      const items = Array.from({ length: 1 + (k % 3) }, (_, j) => ({
        product: catalogue[(k * 3 + j * 5) % catalogue.length]!,
        quantity: 1 + ((k + j) % 3),
      }));
      const order = {
        tenantId,
        customerId: conversation.contactId,
        channelId: conversation.channelId,
        userId: k % 4 === 0 ? conversation.assigneeId : null,
        platformOrderId: demoOrderNumber(k),
        status: statusOf(k, (now - placedAt) / MINUTE),
        // Summed from the items below, in the same transaction.
        totalAmount: "0",
        currency: "USD",
        shippingAddress: address,
        billingAddress: k % 5 === 0 ? { ...address, line1: `PO Box ${100 + k}` } : address,
        placedAt: new Date(placedAt),
        createdAt: new Date(placedAt),
        updatedAt: new Date(placedAt),
      };
      return [{ order, items }];
    }).flat();
    if (planned.length === 0) return inboxAdded || addedProducts.length > 0;
    const addedOrders = await tx
      .insert(orders)
      .values(planned.map((plan) => plan.order))
      .onConflictDoNothing({ target: [orders.tenantId, orders.platformOrderId] })
      .returning({ id: orders.id, platformOrderId: orders.platformOrderId });
    if (addedOrders.length > 0) {
      const added = new Map(addedOrders.map((row) => [row.platformOrderId, row.id]));
      await tx.insert(orderItems).values(
        planned.flatMap(({ order, items }) => {
          const orderId = added.get(order.platformOrderId);
          if (!orderId) return [];
          return items.map(({ product, quantity }) => ({
            tenantId,
            orderId,
            productId: product.id,
            quantity,
            priceAtPurchase: product.price,
            currencyAtPurchase: product.currency,
          }));
        }),
      );
      await tx.execute(sql`
        update ${orders} set total_amount = totals.total
        from (select ${orderItems.orderId} as order_id, sum(${orderItems.priceAtPurchase} * ${orderItems.quantity}) as total
              from ${orderItems}
              where ${orderItems.tenantId} = ${tenantId} and ${inArray(orderItems.orderId, [...added.values()])}
              group by ${orderItems.orderId}) totals
        where ${orders.tenantId} = ${tenantId} and ${orders.id} = totals.order_id`);
    }
    return inboxAdded || addedProducts.length > 0 || addedOrders.length > 0;
  });
}
