import { createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import { ORDER_STATUSES, orderItems, orders } from "../../db/schema";
import { anyCaseEnum, isoDateInput, jsonObject, pageQuery } from "../../shared/schemas";
import { withAliases } from "../platform/spec-aliases";

/**
 * Request and response shapes of orders and their items (spec 002). Prices, currencies and totals
 * are never inputs: they come from the tenant's products. Amounts are answered as decimal strings.
 */

const MAX_ITEMS = 100;
const MAX_QUANTITY = 10_000;

const orderStatus = anyCaseEnum(ORDER_STATUSES);
const address = jsonObject({ maxBytes: 4096 }).describe("Free-form address object (street, city, postalCode, ...)");
const amount = z.string().describe('A decimal string with 2 decimals, e.g. "59.98"');

/** What `?include=` may add to each order of a list: its items, its customer. */
const INCLUDES = ["items", "customer"] as const;
const includeList = z
  .union([z.string(), z.array(z.string())])
  .transform((value) => (Array.isArray(value) ? value : [value]).flatMap((part) => part.split(",")))
  .pipe(z.array(z.enum(INCLUDES)))
  .transform((names) => ({ items: names.includes("items"), customer: names.includes("customer") }))
  .describe("Comma-separated: items, customer");

export const listOrdersQuery = withAliases(
  pageQuery
    .extend({
      status: orderStatus.optional(),
      customerId: z.uuid().optional(),
      channelId: z.uuid().optional(),
      placedFrom: isoDateInput.optional().describe("Orders placed at or after this instant"),
      placedTo: isoDateInput.optional().describe("Orders placed before this instant"),
      include: includeList.optional(),
    })
    .strict(),
  { orderStatus: "status", createdAfter: "placedFrom", createdBefore: "placedTo" },
  "spec 002",
);

const orderLine = z
  .object({
    productId: z.uuid().describe("A product of the tenant"),
    quantity: z.number().int().min(1).max(MAX_QUANTITY),
  })
  .strict();

export const createOrderBody = withAliases(
  z
    .object({
      customerId: z.uuid().describe("A contact of the tenant (spec 002's customer)"),
      channelId: z.uuid().optional().describe("A channel of the tenant the order came through"),
      platformOrderId: z.string().trim().min(1).max(200).optional().describe("Unique in the tenant"),
      items: z
        .array(orderLine)
        .min(1)
        .max(MAX_ITEMS)
        .superRefine((lines, ctx) => {
          const seen = new Set<string>();
          lines.forEach((line, index) => {
            if (seen.has(line.productId)) {
              ctx.addIssue({
                code: "custom",
                path: [index, "productId"],
                message: "This product is on an earlier line; give one line per product with its total quantity",
              });
            }
            seen.add(line.productId);
          });
        }),
      shippingAddress: address.optional(),
      billingAddress: address.optional(),
      placedAt: isoDateInput.optional().describe("When the customer placed it (an imported order); defaults to now"),
      status: anyCaseEnum(["pending"]).optional().describe("Every order starts pending"),
    })
    .strict(),
  { orderStatus: "status" },
  "spec 002",
);

export const updateOrderBody = withAliases(
  z
    .object({
      status: orderStatus.optional().describe("The next status (see the route's description for the moves)"),
      shippingAddress: address.nullable().optional().describe("Changes only before the order ships; null clears it"),
      billingAddress: address.nullable().optional().describe("Changes only before the order ships; null clears it"),
    })
    .strict(),
  { orderStatus: "status" },
  "spec 002",
).refine((body) => Object.keys(body).length > 0, "Give status, shippingAddress or billingAddress");

const orderItem = createSelectSchema(orderItems, { priceAtPurchase: amount })
  .omit({ tenantId: true })
  .meta({ id: "OrderItem" });

const orderCustomer = z
  .object({ id: z.uuid(), name: z.string().nullable(), email: z.string().nullable(), phone: z.string().nullable() })
  .meta({ id: "OrderCustomer" });

const orderRow = createSelectSchema(orders, {
  status: z.enum(ORDER_STATUSES),
  totalAmount: amount.describe("The sum of the items' price at purchase × quantity, computed by the server"),
  shippingAddress: z.record(z.string(), z.unknown()).nullable(),
  billingAddress: z.record(z.string(), z.unknown()).nullable(),
}).omit({ tenantId: true });

/** An order with its items and customer: what creating, reading and changing one answers. */
export const order = orderRow.extend({ items: z.array(orderItem), customer: orderCustomer }).meta({ id: "Order" });

/** An order in a list: its items and customer only when `?include=` asks for them. */
export const listedOrder = orderRow
  .extend({ items: z.array(orderItem).optional(), customer: orderCustomer.optional() })
  .meta({ id: "ListedOrder" });
