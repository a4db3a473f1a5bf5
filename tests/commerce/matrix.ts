import { randomUUID } from "node:crypto";
import { channels, contacts, orderItems, orders, products } from "../../db/schema";
import { unique } from "../../scripts/dev/fixtures";
import { defineMatrix } from "../helpers/security-matrix";

/** Tenant A's commerce rows the fixtures aim at: a channel, a customer, a product and a pending order of it. */
const CHANNEL_ID = randomUUID();
const CUSTOMER_ID = randomUUID();
const PRODUCT_ID = randomUUID();
const ORDER_ID = randomUUID();
/**
 * Rows of their own for the DELETE fixtures, so a delete that succeeds (as tenant A's owner in the
 * fuzz test) leaves the rows every other fixture aims at in place: a product on no order, a pending order.
 */
const DELETABLE = { product: randomUUID(), order: randomUUID() };
const CUSTOMER_EMAIL = "matrix-a-commerce-customer@example.test";
const PRODUCT_SKU = "matrix-a-sku";
const PRODUCT_NAME = "matrix-a-product";
const PLATFORM_ORDER_ID = "matrix-a-platform-order";

export default defineMatrix({
  seed: async (db, a) => {
    await db.insert(channels).values({ id: CHANNEL_ID, tenantId: a.tenantId, type: "shopify", name: "Matrix A shop" });
    await db
      .insert(contacts)
      .values({ id: CUSTOMER_ID, tenantId: a.tenantId, name: "Matrix A customer", email: CUSTOMER_EMAIL });
    await db.insert(products).values([
      { id: PRODUCT_ID, tenantId: a.tenantId, name: PRODUCT_NAME, sku: PRODUCT_SKU, price: "19.99", currency: "USD" },
      {
        id: DELETABLE.product,
        tenantId: a.tenantId,
        name: "Matrix A product to delete",
        price: "1.00",
        currency: "USD",
      },
    ]);
    const order = { tenantId: a.tenantId, customerId: CUSTOMER_ID, channelId: CHANNEL_ID, currency: "USD" };
    await db.insert(orders).values([
      { ...order, id: ORDER_ID, platformOrderId: PLATFORM_ORDER_ID, totalAmount: "39.98" },
      { ...order, id: DELETABLE.order, totalAmount: "0.00" },
    ]);
    await db.insert(orderItems).values({
      tenantId: a.tenantId,
      orderId: ORDER_ID,
      productId: PRODUCT_ID,
      quantity: 2,
      priceAtPurchase: "19.99",
      currencyAtPurchase: "USD",
    });
    return {};
  },
  fixtures: {
    // Bodies carry A's customer, channel and product: tenant B's call proves they are resolved in the caller's tenant.
    "GET /api/products": () => ({ query: { limit: 100 } }),
    "POST /api/products": () => ({
      body: { name: "Matrix", price: "1.00", currency: "USD", sku: unique("matrix-sku") },
    }),
    "GET /api/products/:id": () => ({ path: `/api/products/${PRODUCT_ID}` }),
    "PUT /api/products/:id": () => ({ path: `/api/products/${PRODUCT_ID}`, body: { price: "0.01" } }),
    "PATCH /api/products/:id": () => ({ path: `/api/products/${PRODUCT_ID}`, body: { isAvailable: false } }),
    "DELETE /api/products/:id": () => ({ path: `/api/products/${DELETABLE.product}` }),
    "GET /api/orders": () => ({ query: { limit: 100, include: "items,customer" } }),
    "POST /api/orders": () => ({
      headers: { "idempotency-key": unique("matrix-order") },
      body: { customerId: CUSTOMER_ID, channelId: CHANNEL_ID, items: [{ productId: PRODUCT_ID, quantity: 1 }] },
    }),
    "GET /api/orders/:id": () => ({ path: `/api/orders/${ORDER_ID}` }),
    "PATCH /api/orders/:id": () => ({ path: `/api/orders/${ORDER_ID}`, body: { status: "processing" } }),
    "PUT /api/orders/:id": () => ({ path: `/api/orders/${ORDER_ID}`, body: { shippingAddress: { city: "Hijacked" } } }),
    "DELETE /api/orders/:id": () => ({ path: `/api/orders/${DELETABLE.order}` }),
  },
  markers: () => [
    ...Object.values(DELETABLE),
    CHANNEL_ID,
    CUSTOMER_ID,
    PRODUCT_ID,
    ORDER_ID,
    CUSTOMER_EMAIL,
    PRODUCT_SKU,
    PRODUCT_NAME,
    PLATFORM_ORDER_ID,
  ],
});
