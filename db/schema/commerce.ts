import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
} from "drizzle-orm/pg-core";
import { createdAt, oneOf, updatedAt } from "./columns";
import { channels, contacts } from "./inbox";
import { tenantColumn, users } from "./platform";

/**
 * Commerce (spec 002): products, orders and their items. Money is `numeric(10,2)` read as a decimal
 * string, never a float; an order's total is computed in SQL from its items.
 */

export const ORDER_STATUSES = ["pending", "processing", "shipped", "delivered", "cancelled", "refunded"] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** A three-letter ISO 4217 code, upper case. */
const currency = () => text().notNull();

export const products = pgTable(
  "products",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: tenantColumn(),
    name: text().notNull(),
    description: text(),
    /** What the returns desk's policy rules match on (spec 000's product category). */
    category: text(),
    price: numeric({ precision: 10, scale: 2 }).notNull(),
    currency: currency(),
    sku: text(),
    imageUrl: text(),
    imageId: text(),
    shortId: text(),
    isAvailable: boolean().notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique().on(t.tenantId, t.id),
    unique().on(t.tenantId, t.sku),
    check("products_price_check", sql`${t.price} >= 0`),
    check("products_currency_check", sql`${t.currency} ~ '^[A-Z]{3}$'`),
    index().on(t.tenantId, t.createdAt, t.id),
    index().on(t.tenantId, t.category, t.createdAt, t.id),
  ],
);

export const orders = pgTable(
  "orders",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: tenantColumn(),
    customerId: uuid().notNull(),
    channelId: uuid(),
    /** The user who took the order, when one did. */
    userId: uuid().references(() => users.id, { onDelete: "set null" }),
    /** The order's number on its platform (a Shopify order, spec 000's order id). */
    platformOrderId: text(),
    status: text().$type<OrderStatus>().notNull().default("pending"),
    totalAmount: numeric({ precision: 10, scale: 2 }).notNull(),
    currency: currency(),
    shippingAddress: jsonb().$type<Record<string, unknown>>(),
    billingAddress: jsonb().$type<Record<string, unknown>>(),
    /** When the customer placed it: now for orders taken here, the platform's time for imported ones. */
    placedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique().on(t.tenantId, t.id),
    unique().on(t.tenantId, t.platformOrderId),
    foreignKey({ columns: [t.tenantId, t.customerId], foreignColumns: [contacts.tenantId, contacts.id] }),
    foreignKey({ columns: [t.tenantId, t.channelId], foreignColumns: [channels.tenantId, channels.id] }),
    oneOf("orders_status_check", t.status, ORDER_STATUSES),
    check("orders_total_check", sql`${t.totalAmount} >= 0`),
    check("orders_currency_check", sql`${t.currency} ~ '^[A-Z]{3}$'`),
    index().on(t.tenantId, t.placedAt, t.id),
    index().on(t.tenantId, t.status, t.placedAt, t.id),
    index().on(t.tenantId, t.customerId, t.placedAt, t.id),
    index().on(t.tenantId, t.channelId, t.placedAt, t.id),
  ],
);

export const orderItems = pgTable(
  "order_items",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: uuid().notNull(),
    orderId: uuid().notNull(),
    productId: uuid().notNull(),
    quantity: integer().notNull(),
    priceAtPurchase: numeric({ precision: 10, scale: 2 }).notNull(),
    currencyAtPurchase: text().notNull(),
  },
  (t) => [
    foreignKey({ columns: [t.tenantId, t.orderId], foreignColumns: [orders.tenantId, orders.id] }).onDelete("cascade"),
    foreignKey({ columns: [t.tenantId, t.productId], foreignColumns: [products.tenantId, products.id] }),
    check("order_items_quantity_check", sql`${t.quantity} > 0`),
    check("order_items_price_check", sql`${t.priceAtPurchase} >= 0`),
    index().on(t.tenantId, t.orderId),
    index().on(t.tenantId, t.productId),
  ],
);
