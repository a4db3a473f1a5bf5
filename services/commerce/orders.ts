import { and, eq, gte, inArray, lt, type SQL, sql } from "drizzle-orm";
import type { z } from "zod";
import type { Database } from "../../db/client";
import { channels, contacts, type OrderStatus, orderItems, orders, products } from "../../db/schema";
import { shownColumns } from "../../shared/columns";
import type { ServiceContext } from "../../shared/context";
import { AppError, conflict, conflictOn, isForeignKeyViolation, notFound, unprocessable } from "../../shared/errors";
import { type JsonRow, jsonObjectOf } from "../../shared/json-rows";
import { correlated, listPage } from "../../shared/pagination";
import { stateMachine } from "../../shared/state-machine";
import { appendEvents } from "../platform/events";
import type { createOrderBody, listOrdersQuery, updateOrderBody } from "./orders.schemas";
import { CATALOGUE_MANAGERS } from "./products";
import { MAX_AMOUNT } from "./products.schemas";

/**
 * Orders and their items (spec 002). Prices, currency and total come from the tenant's products,
 * computed in SQL on numeric values (never a JS float); every id in a body is resolved in the
 * caller's tenant, so another tenant's customer, channel or product is a 404 like an unknown one.
 */

/** Who may delete a (pending) order: the catalogue's managers. */
export const ORDER_MANAGERS = CATALOGUE_MANAGERS;

/**
 * Where an order may go next. Cancelling is possible until it ships; a shipped order is delivered
 * or refunded (lost or sent back), a delivered one refunded. Cancelled and refunded are final.
 */
const orderStatuses = stateMachine<OrderStatus>("order", {
  pending: ["processing", "cancelled"],
  processing: ["shipped", "cancelled"],
  shipped: ["delivered", "refunded"],
  delivered: ["refunded"],
  cancelled: [],
  refunded: [],
});

/** Addresses change only before the order ships. */
const ADDRESSES_EDITABLE: OrderStatus[] = ["pending", "processing"];

const orderColumns = shownColumns(orders);

const itemColumns = shownColumns(orderItems);
type OrderItem = JsonRow<typeof itemColumns>;
/** One item as JSON, amounts as numeric's text ("19.99"): JSON numbers would become floats. */
const orderItemJson = jsonObjectOf(itemColumns);

const customerColumns = { id: contacts.id, name: contacts.name, email: contacts.email, phone: contacts.phoneNumber };
type OrderCustomer = JsonRow<typeof customerColumns>;
const customerJson = jsonObjectOf(customerColumns);

/** The items of the order row in scope, in a stable order. */
const itemsOfOrder = correlated(sql<OrderItem[]>`(
  select coalesce(json_agg(${orderItemJson} order by ${orderItems.id}), '[]'::json) from ${orderItems}
  where ${orderItems.tenantId} = ${orders.tenantId} and ${orderItems.orderId} = ${orders.id})`);

/** The customer of the order row in scope. */
const customerOfOrder = correlated(sql<OrderCustomer>`(
  select ${customerJson} from ${contacts}
  where ${contacts.tenantId} = ${orders.tenantId} and ${contacts.id} = ${orders.customerId})`);

/** An order as every route but the list answers it: with its items and customer, in the same statement. */
const orderWithDetails = { ...orderColumns, items: itemsOfOrder, customer: customerOfOrder };

/** Placed most recently first; filters by status, customer, channel and time placed. One statement. */
export function listOrders(ctx: ServiceContext, query: z.infer<typeof listOrdersQuery>) {
  const where = and(
    eq(orders.tenantId, ctx.caller.tenantId),
    query.status ? eq(orders.status, query.status) : undefined,
    query.customerId ? eq(orders.customerId, query.customerId) : undefined,
    query.channelId ? eq(orders.channelId, query.channelId) : undefined,
    query.placedFrom ? gte(orders.placedAt, query.placedFrom) : undefined,
    query.placedTo ? lt(orders.placedAt, query.placedTo) : undefined,
  );
  return listPage(ctx.db, {
    table: orders,
    columns: {
      ...orderColumns,
      ...(query.include?.items ? { items: itemsOfOrder.as("items") } : {}),
      ...(query.include?.customer ? { customer: customerOfOrder.as("customer") } : {}),
    },
    where,
    sort: { by: [orders.placedAt, orders.id], direction: "desc" },
    page: query,
  });
}

export async function getOrder(ctx: ServiceContext, id: string) {
  const [row] = await ctx.db
    .select(orderWithDetails)
    .from(orders)
    .where(and(eq(orders.tenantId, ctx.caller.tenantId), eq(orders.id, id)));
  if (!row) throw notFound("Order");
  return row;
}

/**
 * Creates an order and its items in one statement, then appends "order:created" in the same
 * transaction (two statements in all). The statement checks everything first, in one snapshot —
 * the customer and channel in the tenant, each product in the tenant and available, one currency,
 * a total numeric(10,2) holds — and inserts the order (total = Σ price × quantity, in SQL) and its
 * items (price and currency at purchase from the products) only when all hold. When one does not,
 * nothing is written and the checks it answers say which.
 */
export async function createOrder(ctx: ServiceContext, input: z.infer<typeof createOrderBody>) {
  const { tenantId } = ctx.caller;
  const userId = ctx.caller.kind === "user" ? ctx.caller.userId : null;
  return ctx.db.transaction(async (tx) => {
    const [result] = await conflictOn(creation(tx, tenantId, userId, input), {
      orders_tenantId_platformOrderId_unique: "Another order of this business has that platformOrderId",
    }).catch((error) => {
      // A customer, channel or product deleted between the checks and the insert.
      throw isForeignKeyViolation(error)
        ? new AppError("NOT_FOUND", "The customer, channel or a product of the order no longer exists")
        : error;
    });
    if (!result) throw new Error("order creation answered no row");
    if (!result.order) throw refusal(input, result);
    const created = { ...result.order, items: result.items, customer: result.customer };
    await appendEvents(tx, tenantId, [
      { type: "order:created", resourceType: "order", resourceId: created.id, payload: created },
    ]);
    return created;
  });
}

/** What the checks of an order found, as the statement's `checked` row names it. */
const checks = {
  customerFound: sql<boolean>`customer_found`.as("customer_found"),
  channelFound: sql<boolean>`channel_found`.as("channel_found"),
  /** Ids of the lines' products not in the tenant, in the order of the lines; null when none. */
  missingProducts: sql<string[] | null>`missing_products`.as("missing_products"),
  unavailableProducts: sql<string[] | null>`unavailable_products`.as("unavailable_products"),
  currencies: sql<string[] | null>`currencies`.as("currencies"),
  totalFits: sql<boolean>`total_fits`.as("total_fits"),
};

/** The statement that checks an order and, when every check holds, inserts it and its items (createOrder). */
function creation(db: Database, tenantId: string, userId: string | null, input: z.infer<typeof createOrderBody>) {
  const lines = JSON.stringify(
    input.items.map((item, position) => ({ position, product_id: item.productId, quantity: item.quantity })),
  );
  const json = (value: Record<string, unknown> | undefined) => (value ? JSON.stringify(value) : null);
  const channelId = input.channelId ?? null;

  const line = db
    .$with("line", {})
    .as(sql`select * from jsonb_to_recordset(${lines}::jsonb) as line(position int, product_id uuid, quantity int)`);
  const priced = db.$with("priced", {}).as(sql`
    select line.position, line.product_id, line.quantity, ${products.id} as found_id,
      ${products.isAvailable} as is_available, ${products.price} as price, ${products.currency} as currency
    from line left join ${products} on ${products.tenantId} = ${tenantId} and ${products.id} = line.product_id`);
  const checked = db.$with("checked", checks).as(sql`
    select
      exists (
        select from ${contacts} where ${contacts.tenantId} = ${tenantId} and ${contacts.id} = ${input.customerId}
      ) as customer_found,
      (${channelId}::uuid is null or exists (
        select from ${channels} where ${channels.tenantId} = ${tenantId} and ${channels.id} = ${channelId}::uuid
      )) as channel_found,
      json_agg(product_id order by position) filter (where found_id is null) as missing_products,
      json_agg(product_id order by position) filter (where not is_available) as unavailable_products,
      to_json(array_agg(distinct currency) filter (where found_id is not null)) as currencies,
      sum(price * quantity) as total,
      sum(price * quantity) <= ${MAX_AMOUNT}::numeric as total_fits
    from priced`);
  const newOrder = db.$with("new_order", orderColumns).as(sql`
    insert into ${orders} (tenant_id, customer_id, channel_id, user_id, platform_order_id, total_amount, currency,
      shipping_address, billing_address, placed_at)
    select ${tenantId}::uuid, ${input.customerId}::uuid, ${channelId}::uuid, ${userId}::uuid,
      ${input.platformOrderId ?? null}::text, total, currencies ->> 0, ${json(input.shippingAddress)}::jsonb,
      ${json(input.billingAddress)}::jsonb, coalesce(${input.placedAt?.toISOString() ?? null}::timestamptz, now())
    from checked
    where customer_found and channel_found and missing_products is null and unavailable_products is null
      and json_array_length(currencies) = 1 and total_fits
    returning *`);
  const newItems = db.$with("new_items", {}).as(sql`
    insert into ${orderItems} (tenant_id, order_id, product_id, quantity, price_at_purchase, currency_at_purchase)
    select ${tenantId}::uuid, new_order.id, priced.product_id, priced.quantity, priced.price, priced.currency
    from new_order, priced
    returning ${orderItems.id} as id, ${orderItemJson} as item`);

  // The inserted order's columns, read through the CTE (so its timestamps come back as Dates).
  const createdOrder = Object.fromEntries(
    Object.keys(orderColumns).map((key) => [key, newOrder[key as keyof typeof orderColumns]]),
  ) as { [K in keyof typeof orderColumns]: (typeof newOrder)[K] };
  return db
    .with(line, priced, checked, newOrder, newItems)
    .select({
      customerFound: checked.customerFound,
      channelFound: checked.channelFound,
      missingProducts: checked.missingProducts,
      unavailableProducts: checked.unavailableProducts,
      currencies: checked.currencies,
      totalFits: checked.totalFits,
      order: createdOrder,
      items: sql<OrderItem[]>`(select coalesce(json_agg(item order by id), '[]'::json) from new_items)`,
      customer: sql<OrderCustomer>`(select ${customerJson} from ${contacts}
        where ${contacts.tenantId} = ${tenantId} and ${contacts.id} = ${input.customerId})`,
    })
    .from(checked)
    .leftJoin(newOrder, sql`true`);
}

/** Why the checks refused an order, in the order a caller would fix them. */
function refusal(
  input: z.infer<typeof createOrderBody>,
  checks: {
    customerFound: boolean;
    channelFound: boolean;
    missingProducts: string[] | null;
    unavailableProducts: string[] | null;
    currencies: string[] | null;
    totalFits: boolean;
  },
): AppError {
  const linesOf = (ids: string[], message: string) =>
    ids.map((productId) => ({
      path: `body.items.${input.items.findIndex((item) => item.productId === productId)}.productId`,
      message,
      productId,
    }));
  if (!checks.customerFound) return notFound("Customer");
  if (!checks.channelFound) return notFound("Channel");
  if (checks.missingProducts) {
    return new AppError("NOT_FOUND", "Product not found", linesOf(checks.missingProducts, "No such product"));
  }
  if (checks.unavailableProducts) {
    return new AppError(
      "UNPROCESSABLE",
      "A product on the order is not available",
      linesOf(checks.unavailableProducts, "The product is not available"),
    );
  }
  if ((checks.currencies?.length ?? 0) > 1) {
    return new AppError("UNPROCESSABLE", "The products of one order must share a currency", [
      { path: "body.items", message: `The products are priced in ${checks.currencies?.join(", ")}` },
    ]);
  }
  if (!checks.totalFits) return unprocessable(`The order's total would exceed ${MAX_AMOUNT}`);
  throw new Error("order creation refused for no reason it checks");
}

/**
 * Moves an order along `orderStatuses` and/or changes its addresses with one conditional UPDATE
 * (the status it is in must lead to the new one; addresses change only before shipping), answering
 * the order with its items and customer from the same statement, then appends "order:updated" in
 * the same transaction. When nothing changed, one read tells 404 from 422 (a move or an address
 * change its status does not allow) and from 409 (it allows both now: the order changed between
 * the UPDATE and the read).
 */
export async function updateOrder(ctx: ServiceContext, id: string, input: z.infer<typeof updateOrderBody>) {
  const { tenantId } = ctx.caller;
  const changesAddress = input.shippingAddress !== undefined || input.billingAddress !== undefined;
  const mine = and(eq(orders.tenantId, tenantId), eq(orders.id, id));
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(orders)
      .set({ ...input, updatedAt: sql`now()` })
      .where(
        and(
          mine,
          input.status ? inArray(orders.status, orderStatuses.predecessorsOf(input.status)) : undefined,
          changesAddress ? inArray(orders.status, ADDRESSES_EDITABLE) : undefined,
        ),
      )
      .returning(orderWithDetails);
    if (!row) {
      const current = await statusOf(tx, mine);
      if (input.status && !orderStatuses.predecessorsOf(input.status).includes(current)) {
        throw orderStatuses.refuse(current, input.status);
      }
      if (changesAddress && !ADDRESSES_EDITABLE.includes(current)) {
        throw unprocessable(`The addresses of a ${current} order cannot change (only before it ships)`);
      }
      throw conflict("The order changed meanwhile; retry");
    }
    await appendEvents(tx, tenantId, [{ type: "order:updated", resourceType: "order", resourceId: id, payload: row }]);
    return row;
  });
}

/**
 * Deletes an order still pending (taken by mistake), with its items, in one statement. Anything
 * further along is history: cancel or refund it instead (422).
 */
export async function deleteOrder(ctx: ServiceContext, id: string) {
  const mine = and(eq(orders.tenantId, ctx.caller.tenantId), eq(orders.id, id));
  const [row] = await ctx.db
    .delete(orders)
    .where(and(mine, eq(orders.status, "pending")))
    .returning({ id: orders.id });
  if (row) return;
  const current = await statusOf(ctx.db, mine);
  throw unprocessable(`Only a pending order can be deleted; this one is ${current}: change its status instead`);
}

/** The status of the order `where` selects; none in the tenant is a 404. */
async function statusOf(db: ServiceContext["db"], where: SQL | undefined): Promise<OrderStatus> {
  const [current] = await db.select({ status: orders.status }).from(orders).where(where);
  if (!current) throw notFound("Order");
  return current.status;
}
