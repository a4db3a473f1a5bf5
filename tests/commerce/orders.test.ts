import { and, eq, inArray } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { getDatabase, getDb } from "../../db/client";
import { channels, contacts, events, orderItems, orders, products } from "../../db/schema";
import * as ordersFn from "../../netlify/functions/commerce-orders";
import * as orderFn from "../../netlify/functions/commerce-orders-id";
import { type Account, addMember, createApiKey, registerTenant, unique } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";

/** A tenant with a channel, a customer and products to order, written straight to the database. */
interface Shop {
  account: Account;
  customerId: string;
  channelId: string;
  product(price: string, options?: { currency?: string; isAvailable?: boolean }): Promise<string>;
}

async function newShop(label: string): Promise<Shop> {
  const account = await registerTenant(label);
  const { tenantId } = account;
  const db = await getDb();
  const [customer] = await db
    .insert(contacts)
    .values({ tenantId, name: "Ada Buyer", email: `${unique("ada")}@example.test`, phoneNumber: "+15550100200" })
    .returning({ id: contacts.id });
  const [channel] = await db
    .insert(channels)
    .values({ tenantId, type: "shopify", name: "Shop" })
    .returning({ id: channels.id });
  return {
    account,
    customerId: customer!.id,
    channelId: channel!.id,
    async product(price, { currency = "USD", isAvailable = true } = {}) {
      const [row] = await db
        .insert(products)
        .values({ tenantId, name: unique("product"), price, currency, isAvailable })
        .returning({ id: products.id });
      return row!.id;
    },
  };
}

type Line = { productId: string; quantity: number };

function placeOrder(shop: Shop, items: Line[], extra: Record<string, unknown> = {}, as?: Account) {
  return call(ordersFn, {
    method: "POST",
    token: (as ?? shop.account).accessToken,
    body: { customerId: shop.customerId, items, ...extra },
  });
}

async function placed(shop: Shop, items: Line[], extra: Record<string, unknown> = {}) {
  const res = await placeOrder(shop, items, extra);
  expect(res.status, res.text).toBe(201);
  return res.body.data as { id: string; status: string; totalAmount: string; placedAt: string };
}

/** The tenant's orders and order items, counted: what a refused order must leave unchanged. */
async function rowsOf(account: Account) {
  const db = await getDb();
  return {
    orders: await db.$count(orders, eq(orders.tenantId, account.tenantId)),
    items: await db.$count(orderItems, eq(orderItems.tenantId, account.tenantId)),
    events: await db.$count(events, eq(events.tenantId, account.tenantId)),
  };
}

const orderPath = (id: string) => `/api/orders/${id}`;

/** Statements a transaction of `n` sends: Drizzle logs BEGIN and COMMIT on a server, not on in-process PGlite. */
const inTransaction = async (n: number) => n + ((await getDatabase()).driver === "pglite" ? 0 : 2);

let shop: Shop;
let rival: Shop;
beforeAll(async () => {
  shop = await newShop("orders");
  rival = await newShop("orders-rival");
});

describe("POST /api/orders", () => {
  it("prices the order from the products, exactly, in one transaction with its event", async () => {
    const cup = await shop.product("19.99");
    const pin = await shop.product("0.01");
    const res = await placeOrder(
      shop,
      [
        { productId: cup, quantity: 3 },
        { productId: pin, quantity: 1 },
      ],
      { channelId: shop.channelId, platformOrderId: unique("shopify"), shippingAddress: { city: "Lyon" } },
    );
    expect(res.status, res.text).toBe(201);
    const order = res.body.data;
    expect(order).toMatchObject({
      status: "pending",
      totalAmount: "59.98",
      currency: "USD",
      customerId: shop.customerId,
      channelId: shop.channelId,
      userId: shop.account.userId,
      shippingAddress: { city: "Lyon" },
      billingAddress: null,
      customer: { id: shop.customerId, name: "Ada Buyer", phone: "+15550100200" },
    });
    expect(order).not.toHaveProperty("tenantId");
    expect(order.items).toHaveLength(2);
    expect(order.items).toEqual(
      expect.arrayContaining([
        {
          id: expect.any(String),
          orderId: order.id,
          productId: cup,
          quantity: 3,
          priceAtPurchase: "19.99",
          currencyAtPurchase: "USD",
        },
        {
          id: expect.any(String),
          orderId: order.id,
          productId: pin,
          quantity: 1,
          priceAtPurchase: "0.01",
          currencyAtPurchase: "USD",
        },
      ]),
    );
    // The statement that checks and inserts the order and its items, then the event.
    expect(res.statements).toBe(await inTransaction(2));

    const db = await getDb();
    const [event] = await db
      .select()
      .from(events)
      .where(and(eq(events.tenantId, shop.account.tenantId), eq(events.resourceId, order.id)));
    expect(event).toMatchObject({ type: "order:created", resourceType: "order" });
    expect(event?.payload).toEqual(order);
  });

  it.each([
    [
      "0.10 + 0.20",
      [
        ["0.10", 1],
        ["0.20", 1],
      ],
      "0.30",
    ],
    ["3 × 0.10", [["0.10", 3]], "0.30"],
    ["10000 × 0.07", [["0.07", 10_000]], "700.00"],
    [
      "1.15 × 3 (3.4499999999999997 in floats) + 2.68",
      [
        ["1.15", 3],
        ["2.68", 1],
      ],
      "6.13",
    ],
    ["the largest total numeric(10,2) holds", [["99999999.99", 1]], "99999999.99"],
    ["a free product", [["0.00", 5]], "0.00"],
  ] as const)("computes %s exactly", async (_name, lines, total) => {
    const items: Line[] = [];
    for (const [price, quantity] of lines) items.push({ productId: await shop.product(price), quantity });
    expect((await placed(shop, items)).totalAmount).toBe(total);
  });

  it("answers 422 for a total numeric(10,2) cannot hold, and writes nothing", async () => {
    const dear = await shop.product("99999999.99");
    const before = await rowsOf(shop.account);
    const res = await placeOrder(shop, [{ productId: dear, quantity: 2 }]);
    expect(res.status, res.text).toBe(422);
    expect(res.body.error.message).toContain("99999999.99");
    expect(await rowsOf(shop.account)).toEqual(before);
  });

  it("rolls everything back for a bad second item: no order, no items, no event", async () => {
    const good = await shop.product("5.00");
    const before = await rowsOf(shop.account);
    const missing = crypto.randomUUID();
    const res = await placeOrder(shop, [
      { productId: good, quantity: 1 },
      { productId: missing, quantity: 1 },
    ]);
    expect(res.status).toBe(404);
    expect(res.body.error.details).toEqual([
      { path: "body.items.1.productId", message: "No such product", productId: missing },
    ]);
    expect(await rowsOf(shop.account)).toEqual(before);
  });

  it("answers 422 for an unavailable product, naming its line, and writes nothing", async () => {
    const good = await shop.product("5.00");
    const retired = await shop.product("5.00", { isAvailable: false });
    const before = await rowsOf(shop.account);
    const res = await placeOrder(shop, [
      { productId: good, quantity: 1 },
      { productId: retired, quantity: 2 },
    ]);
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual([
      { path: "body.items.1.productId", message: "The product is not available", productId: retired },
    ]);
    expect(await rowsOf(shop.account)).toEqual(before);
  });

  it("answers 422 for products in two currencies, and writes nothing", async () => {
    const dollars = await shop.product("5.00");
    const euros = await shop.product("5.00", { currency: "EUR" });
    const before = await rowsOf(shop.account);
    const res = await placeOrder(shop, [
      { productId: dollars, quantity: 1 },
      { productId: euros, quantity: 1 },
    ]);
    expect(res.status).toBe(422);
    expect(res.body.error.details[0].message).toBe("The products are priced in EUR, USD");
    expect(await rowsOf(shop.account)).toEqual(before);
  });

  describe("another tenant's ids in the body are 404, exactly like unknown ones, and nothing is written", () => {
    it.each([
      ["customer", () => ({ customerId: rival.customerId }), "Customer not found"],
      ["unknown customer", () => ({ customerId: crypto.randomUUID() }), "Customer not found"],
      ["channel", () => ({ channelId: rival.channelId }), "Channel not found"],
      ["unknown channel", () => ({ channelId: crypto.randomUUID() }), "Channel not found"],
    ])("%s", async (_name, extra, message) => {
      const productId = await shop.product("1.00");
      const before = [await rowsOf(shop.account), await rowsOf(rival.account)];
      const res = await placeOrder(shop, [{ productId, quantity: 1 }], extra());
      expect(res.status).toBe(404);
      expect(res.body.error.message).toBe(message);
      expect([await rowsOf(shop.account), await rowsOf(rival.account)]).toEqual(before);
    });

    it("product", async () => {
      const own = await shop.product("1.00");
      const foreign = await rival.product("1.00");
      const before = [await rowsOf(shop.account), await rowsOf(rival.account)];
      const res = await placeOrder(shop, [
        { productId: own, quantity: 1 },
        { productId: foreign, quantity: 1 },
      ]);
      expect(res.status).toBe(404);
      expect(res.body.error.details).toEqual([
        { path: "body.items.1.productId", message: "No such product", productId: foreign },
      ]);
      expect(res.text).not.toContain(rival.account.tenantId);
      expect([await rowsOf(shop.account), await rowsOf(rival.account)]).toEqual(before);
    });
  });

  it.each<[string, { items?: Record<string, unknown>[]; [field: string]: unknown }]>([
    ["no items", { items: [] }],
    ["a zero quantity", { items: [{ quantity: 0 }] }],
    ["a quantity over 10000", { items: [{ quantity: 10_001 }] }],
    ["a fractional quantity", { items: [{ quantity: 1.5 }] }],
    ["a client price", { items: [{ quantity: 1, price: "0.01" }] }],
    ["a client total", { totalAmount: "0.01" }],
    ["a status other than pending", { status: "delivered" }],
    ["an address that is not an object", { shippingAddress: "10 Main St" }],
    ["a customer id that is not a uuid", { customerId: "42" }],
  ])("refuses %s with 400", async (_name, change) => {
    const productId = await shop.product("1.00");
    const items = (change.items ?? [{ quantity: 1 }]).map((item) => ({ productId, ...item }));
    const res = await placeOrder(shop, items as Line[], { ...change, items });
    expect(res.status, res.text).toBe(400);
  });

  it("refuses a product on two lines with 400 naming the second", async () => {
    const productId = await shop.product("1.00");
    const res = await placeOrder(shop, [
      { productId, quantity: 1 },
      { productId, quantity: 2 },
    ]);
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe("body.items.1.productId");
  });

  it("refuses more than 100 lines", async () => {
    const items = Array.from({ length: 101 }, () => ({ productId: crypto.randomUUID(), quantity: 1 }));
    expect((await placeOrder(shop, items)).status).toBe(400);
  });

  it("takes spec 002's PENDING and orderStatus, and a placedAt for imported orders", async () => {
    const productId = await shop.product("2.00");
    const order = await placed(shop, [{ productId, quantity: 1 }], {
      orderStatus: "PENDING",
      placedAt: "2024-05-31T09:00:00Z",
    });
    expect(order).toMatchObject({ status: "pending", placedAt: "2024-05-31T09:00:00.000Z" });
  });

  it("answers 409 for a platformOrderId the tenant already has", async () => {
    const productId = await shop.product("2.00");
    const platformOrderId = unique("dup");
    await placed(shop, [{ productId, quantity: 1 }], { platformOrderId });
    const before = await rowsOf(shop.account);
    const res = await placeOrder(shop, [{ productId, quantity: 1 }], { platformOrderId });
    expect(res.status).toBe(409);
    expect(await rowsOf(shop.account)).toEqual(before);
  });

  it("lets an ai-agent key place an order, with no user", async () => {
    const { key } = await createApiKey(shop.account, ["ai-agent"]);
    const productId = await shop.product("3.00");
    const res = await call(ordersFn, {
      method: "POST",
      apiKey: key,
      body: { customerId: shop.customerId, items: [{ productId, quantity: 1 }] },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.data.userId).toBeNull();
  });

  it("places one order for two requests with one Idempotency-Key, and refuses the key with another body", async () => {
    const productId = await shop.product("4.00");
    const key = unique("order-key");
    const send = (quantity: number) =>
      call(ordersFn, {
        method: "POST",
        token: shop.account.accessToken,
        headers: { "idempotency-key": key },
        body: { customerId: shop.customerId, items: [{ productId, quantity }] },
      });
    const before = await rowsOf(shop.account);
    const first = await send(2);
    const replay = await send(2);
    expect(first.status, first.text).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.body.data.id).toBe(first.body.data.id);
    expect(await rowsOf(shop.account)).toEqual({
      orders: before.orders + 1,
      items: before.items + 1,
      events: before.events + 1,
    });
    expect((await send(3)).status).toBe(422);
  });

  it("places one order for two requests with one Idempotency-Key at the same moment", async () => {
    const productId = await shop.product("4.00");
    const request = {
      method: "POST",
      token: shop.account.accessToken,
      headers: { "idempotency-key": unique("order-race") },
      body: { customerId: shop.customerId, items: [{ productId, quantity: 1 }] },
    };
    const before = await rowsOf(shop.account);
    const [first, second] = await Promise.all([call(ordersFn, request), call(ordersFn, request)]);
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body.data.id).toBe(first.body.data.id);
    expect((await rowsOf(shop.account)).orders).toBe(before.orders + 1);
  });
});

describe("GET /api/orders/:id", () => {
  it("answers the order with its items and customer in one statement; another tenant's is a 404", async () => {
    const productId = await shop.product("7.25");
    const order = await placed(shop, [{ productId, quantity: 4 }]);
    const res = await call(orderFn, { path: orderPath(order.id), token: shop.account.accessToken });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      id: order.id,
      totalAmount: "29.00",
      items: [{ productId, quantity: 4, priceAtPurchase: "7.25" }],
      customer: { id: shop.customerId, name: "Ada Buyer" },
    });
    expect(res.statements).toBe(1);
    const foreign = await call(orderFn, { path: orderPath(order.id), token: rival.account.accessToken });
    expect(foreign.status).toBe(404);
    expect(foreign.text).not.toContain(productId);
  });
});

describe("GET /api/orders", () => {
  let store: Shop;
  let made: Record<"old" | "mid" | "new", { id: string }>;
  beforeAll(async () => {
    store = await newShop("orders-list");
    const productId = await store.product("1.50");
    const db = await getDb();
    const [otherCustomer] = await db
      .insert(contacts)
      .values({ tenantId: store.account.tenantId, name: "Bo" })
      .returning({ id: contacts.id });
    made = {
      old: await placed(store, [{ productId, quantity: 1 }], { placedAt: "2024-01-10T00:00:00Z" }),
      mid: await placed(store, [{ productId, quantity: 2 }], {
        placedAt: "2024-02-10T00:00:00Z",
        channelId: store.channelId,
      }),
      new: await placed(store, [{ productId, quantity: 3 }], {
        placedAt: "2024-03-10T00:00:00Z",
        customerId: otherCustomer!.id,
      }),
    };
    await call(orderFn, {
      method: "PATCH",
      path: orderPath(made.mid.id),
      token: store.account.accessToken,
      body: { status: "processing" },
    });
    await placed(rival, [{ productId: await rival.product("1.00"), quantity: 1 }]);
  });
  const ids = (data: { id: string }[]) => data.map((order) => order.id);

  it("lists the tenant's orders, most recently placed first, without items unless asked, in one statement", async () => {
    const res = await call(ordersFn, { token: store.account.accessToken });
    expect(res.status).toBe(200);
    expect(ids(res.body.data)).toEqual([made.new.id, made.mid.id, made.old.id]);
    expect(res.body.data[0]).not.toHaveProperty("items");
    expect(res.body.data[0]).not.toHaveProperty("customer");
    expect(res.body.pagination).toMatchObject({ total: 3, totalPages: 1 });
    expect(res.statements).toBe(1);
  });

  it("includes items and customer on request, still in one statement", async () => {
    const res = await call(ordersFn, { token: store.account.accessToken, query: { include: "items,customer" } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data[0]).toMatchObject({
      id: made.new.id,
      totalAmount: "4.50",
      items: [{ quantity: 3, priceAtPurchase: "1.50" }],
      customer: { name: "Bo" },
    });
    expect(res.statements).toBe(1);
    const itemsOnly = await call(ordersFn, { token: store.account.accessToken, query: { include: "items" } });
    expect(itemsOnly.body.data[0]).toHaveProperty("items");
    expect(itemsOnly.body.data[0]).not.toHaveProperty("customer");
    expect((await call(ordersFn, { token: store.account.accessToken, query: { include: "payments" } })).status).toBe(
      400,
    );
  });

  it.each([
    ["status", () => ({ status: "processing" }), ["mid"]],
    ["spec 002's orderStatus in upper case", () => ({ orderStatus: "PENDING" }), ["new", "old"]],
    ["customer", () => ({ customerId: store.customerId }), ["mid", "old"]],
    ["channel", () => ({ channelId: store.channelId }), ["mid"]],
    ["placed from", () => ({ placedFrom: "2024-02-10T00:00:00Z" }), ["new", "mid"]],
    ["placed before", () => ({ placedTo: "2024-02-10T00:00:00Z" }), ["old"]],
    ["spec 002's created range", () => ({ createdAfter: "2024-01-11", createdBefore: "2024-03-01" }), ["mid"]],
  ] as const)("filters by %s", async (_name, query, expected) => {
    const res = await call(ordersFn, { token: store.account.accessToken, query: query() });
    expect(res.status, res.text).toBe(200);
    expect(ids(res.body.data)).toEqual(expected.map((name) => made[name].id));
    expect(res.statements).toBe(1);
  });

  it("pages by cursor", async () => {
    const first = await call(ordersFn, { token: store.account.accessToken, query: { limit: 2 } });
    const next = await call(ordersFn, {
      token: store.account.accessToken,
      query: { limit: 2, cursor: first.body.pagination.nextCursor },
    });
    expect(ids(next.body.data)).toEqual([made.old.id]);
  });
});

describe("PATCH /api/orders/:id", () => {
  const move = (id: string, body: Record<string, unknown>, as: Account = shop.account) =>
    call(orderFn, { method: "PATCH", path: orderPath(id), token: as.accessToken, body });

  it("walks an order through its life, one event per move, answering it with items and customer", async () => {
    const order = await placed(shop, [{ productId: await shop.product("3.00"), quantity: 1 }]);
    for (const status of ["processing", "shipped", "delivered", "refunded"]) {
      const res = await move(order.id, { status });
      expect(res.status, res.text).toBe(200);
      expect(res.body.data).toMatchObject({ status, totalAmount: "3.00", customer: { id: shop.customerId } });
      expect(res.body.data.items).toHaveLength(1);
      // The conditional update answering the order, then the event.
      expect(res.statements).toBe(await inTransaction(2));
    }
    const db = await getDb();
    const moves = await db
      .select({ type: events.type, payload: events.payload })
      .from(events)
      .where(and(eq(events.tenantId, shop.account.tenantId), eq(events.resourceId, order.id)))
      .orderBy(events.seq);
    expect(moves.map((event) => [event.type, event.payload.status])).toEqual([
      ["order:created", "pending"],
      ["order:updated", "processing"],
      ["order:updated", "shipped"],
      ["order:updated", "delivered"],
      ["order:updated", "refunded"],
    ]);
  });

  it("refuses a move the state machine does not allow with 422 naming the allowed ones, changing nothing", async () => {
    const order = await placed(shop, [{ productId: await shop.product("3.00"), quantity: 1 }]);
    const skip = await move(order.id, { status: "SHIPPED" });
    expect(skip.status).toBe(422);
    expect(skip.body.error.details[0].allowed).toEqual(["processing", "cancelled"]);
    const same = await move(order.id, { status: "pending" });
    expect(same.status).toBe(422);
    expect((await move(order.id, { status: "cancelled" })).status).toBe(200);
    const final = await move(order.id, { status: "processing" });
    expect(final.status).toBe(422);
    expect(final.body.error.message).toContain("final");
    const [stored] = await (await getDb()).select().from(orders).where(eq(orders.id, order.id));
    expect(stored?.status).toBe("cancelled");
  });

  it("changes addresses before shipping only; null clears one", async () => {
    const order = await placed(shop, [{ productId: await shop.product("3.00"), quantity: 1 }], {
      billingAddress: { city: "Paris" },
    });
    const changed = await move(order.id, { shippingAddress: { city: "Nice" }, billingAddress: null });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body.data).toMatchObject({ shippingAddress: { city: "Nice" }, billingAddress: null });
    expect((await move(order.id, { status: "processing", shippingAddress: { city: "Nantes" } })).status).toBe(200);
    expect((await move(order.id, { status: "shipped" })).status).toBe(200);
    const late = await move(order.id, { shippingAddress: { city: "Brest" } });
    expect(late.status).toBe(422);
    expect(late.body.error.message).toContain("shipped");
  });

  it("answers 404 for another tenant's order and changes nothing; 400 for an empty or unknown change", async () => {
    const order = await placed(shop, [{ productId: await shop.product("3.00"), quantity: 1 }]);
    const before = await rowsOf(shop.account);
    const foreign = await move(order.id, { status: "cancelled" }, rival.account);
    expect(foreign.status).toBe(404);
    expect(await rowsOf(shop.account)).toEqual(before);
    expect((await move(order.id, {})).status).toBe(400);
    expect((await move(order.id, { status: "lost" })).status).toBe(400);
    expect((await move(order.id, { totalAmount: "0.00" })).status).toBe(400);
    expect((await move(crypto.randomUUID(), { status: "cancelled" })).status).toBe(404);
  });
});

describe("DELETE /api/orders/:id", () => {
  const remove = (id: string, as: Account = shop.account) =>
    call(orderFn, { method: "DELETE", path: orderPath(id), token: as.accessToken });

  it("deletes a pending order with its items in one statement", async () => {
    const order = await placed(shop, [{ productId: await shop.product("3.00"), quantity: 2 }]);
    const res = await remove(order.id);
    expect(res.status).toBe(204);
    expect(res.statements).toBe(1);
    const db = await getDb();
    expect(await db.$count(orderItems, inArray(orderItems.orderId, [order.id]))).toBe(0);
    expect((await call(orderFn, { path: orderPath(order.id), token: shop.account.accessToken })).status).toBe(404);
  });

  it("keeps an order past pending (422) and another tenant's (404); an agent may not delete", async () => {
    const order = await placed(shop, [{ productId: await shop.product("3.00"), quantity: 1 }]);
    expect((await remove(order.id, rival.account)).status).toBe(404);
    const agent = await addMember(shop.account, "agent");
    expect((await remove(order.id, agent)).status).toBe(403);
    await call(orderFn, {
      method: "PATCH",
      path: orderPath(order.id),
      token: shop.account.accessToken,
      body: { status: "processing" },
    });
    const res = await remove(order.id);
    expect(res.status).toBe(422);
    expect(res.body.error.message).toContain("processing");
    expect(await (await getDb()).$count(orders, eq(orders.id, order.id))).toBe(1);
  });
});
