import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "../../db/client";
import { contacts, orderItems, orders, products } from "../../db/schema";
import * as productsFn from "../../netlify/functions/commerce-products";
import * as productFn from "../../netlify/functions/commerce-products-id";
import { type Account, addMember, createApiKey, registerTenant } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";

type Product = { id: string; name: string; sku: string | null; price: string; currency: string; isAvailable: boolean };

async function newProduct(account: Account, body: Record<string, unknown> = {}): Promise<Product> {
  const res = await call(productsFn, {
    method: "POST",
    token: account.accessToken,
    body: { name: "Mug", price: "9.99", currency: "USD", ...body },
  });
  expect(res.status, res.text).toBe(201);
  return res.body.data;
}

const productPath = (id: string) => `/api/products/${id}`;

let owner: Account;
let other: Account;
beforeAll(async () => {
  owner = await registerTenant("products");
  other = await registerTenant("products-other");
});

describe("POST /api/products", () => {
  it("creates a product in one statement, price answered as a two-decimal string", async () => {
    const res = await call(productsFn, {
      method: "POST",
      token: owner.accessToken,
      body: {
        name: "Espresso cup",
        description: "Porcelain",
        category: "kitchen",
        price: 12.5,
        currency: "eur",
        sku: "CUP-1",
        imageUrl: "https://cdn.example.test/cup.png",
        shortId: "cup",
      },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.data).toMatchObject({
      name: "Espresso cup",
      description: "Porcelain",
      category: "kitchen",
      price: "12.50",
      currency: "EUR",
      sku: "CUP-1",
      imageUrl: "https://cdn.example.test/cup.png",
      imageId: null,
      shortId: "cup",
      isAvailable: true,
    });
    expect(res.body.data).not.toHaveProperty("tenantId");
    expect(res.statements).toBe(1);
  });

  it.each([
    ["0", "0.00"],
    ["0.5", "0.50"],
    ["19.99", "19.99"],
    ["99999999.99", "99999999.99"],
    [0, "0.00"],
    [7, "7.00"],
    [19.99, "19.99"],
  ])("stores the price %j exactly, as %s", async (price, stored) => {
    expect((await newProduct(owner, { price })).price).toBe(stored);
  });

  it.each([
    ["more than two decimals", { price: "12.345" }],
    ["a float sum with a tail", { price: 0.1 + 0.2 }],
    ["a negative price", { price: -1 }],
    ["a negative string", { price: "-1.00" }],
    ["10^8", { price: "100000000" }],
    ["exponent notation", { price: "1e3" }],
    ["a number JavaScript writes with an exponent", { price: 1e21 }],
    ["text", { price: "twelve" }],
    ["an empty price", { price: "" }],
    ["padding", { price: " 12.50" }],
    ["a two-letter currency", { currency: "US" }],
    ["an unknown currency", { currency: "XYZ" }],
    ["an empty name", { name: " " }],
    ["a javascript: image", { imageUrl: "javascript:alert(1)" }],
    ["an unknown field", { stock: 3 }],
  ])("refuses %s with 400", async (_name, change) => {
    const res = await call(productsFn, {
      method: "POST",
      token: owner.accessToken,
      body: { name: "Mug", price: "9.99", currency: "USD", ...change },
    });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
  });

  it("answers 409 for a SKU the tenant already uses, and lets another tenant use it", async () => {
    await newProduct(owner, { sku: "DUP-1" });
    const res = await call(productsFn, {
      method: "POST",
      token: owner.accessToken,
      body: { name: "Again", price: "1.00", currency: "USD", sku: "DUP-1" },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("CONFLICT");
    expect((await newProduct(other, { sku: "DUP-1" })).sku).toBe("DUP-1");
  });

  it("is for catalogue managers: an agent is refused, an operations user and a write key are not", async () => {
    const agent = await addMember(owner, "agent");
    const refused = await call(productsFn, {
      method: "POST",
      token: agent.accessToken,
      body: { name: "Mug", price: "1.00", currency: "USD" },
    });
    expect(refused.status).toBe(403);
    const operations = await addMember(owner, "operations");
    expect((await newProduct(operations)).name).toBe("Mug");
    const { key } = await createApiKey(owner, ["write"]);
    const byKey = await call(productsFn, {
      method: "POST",
      apiKey: key,
      body: { name: "Keyed", price: "1.00", currency: "USD" },
    });
    expect(byKey.status).toBe(201);
  });
});

describe("GET /api/products", () => {
  let shop: Account;
  let list: Record<string, Product>;
  beforeAll(async () => {
    shop = await registerTenant("products-list");
    list = {
      mug: await newProduct(shop, { name: "Blue mug", sku: "MUG-100%", category: "kitchen" }),
      plate: await newProduct(shop, { name: "Plate", sku: "PLT-1", category: "kitchen", currency: "EUR" }),
      lamp: await newProduct(shop, { name: "Desk lamp", sku: "LMP-1", category: "light", isAvailable: false }),
    };
    await newProduct(other, { name: "Blue mug of another tenant" });
  });
  const ids = (data: Product[]) => data.map((product) => product.id);

  it("lists the tenant's products newest first, in one statement", async () => {
    const res = await call(productsFn, { token: shop.accessToken });
    expect(res.status).toBe(200);
    expect(ids(res.body.data)).toEqual([list.lamp?.id, list.plate?.id, list.mug?.id]);
    expect(res.body.pagination).toMatchObject({ total: 3, page: 1, totalPages: 1, hasMore: false });
    expect(res.text).not.toContain("another tenant");
    expect(res.statements).toBe(1);
  });

  it.each([
    ["search by name, any case", { search: "MUG" }, ["mug"]],
    ["search by SKU, with LIKE's wildcards taken literally", { search: "100%" }, ["mug"]],
    ["a % alone matches no SKU without one", { search: "%" }, ["mug"]],
    ["category", { category: "kitchen" }, ["plate", "mug"]],
    ["availability", { isAvailable: "false" }, ["lamp"]],
    ["currency, any case", { currency: "eur" }, ["plate"]],
  ])("filters: %s", async (_name, query, expected) => {
    const res = await call(productsFn, { token: shop.accessToken, query });
    expect(res.status, res.text).toBe(200);
    expect(ids(res.body.data)).toEqual(expected.map((name) => list[name]?.id));
    expect(res.statements).toBe(1);
  });

  it("pages by page number and by cursor", async () => {
    const second = await call(productsFn, { token: shop.accessToken, query: { limit: 2, page: 2 } });
    expect(ids(second.body.data)).toEqual([list.mug?.id]);
    expect(second.body.pagination).toMatchObject({ offset: 2, page: 2, totalPages: 2, hasMore: false });
    const first = await call(productsFn, { token: shop.accessToken, query: { limit: 2 } });
    const next = await call(productsFn, {
      token: shop.accessToken,
      query: { limit: 2, cursor: first.body.pagination.nextCursor },
    });
    expect(ids(next.body.data)).toEqual([list.mug?.id]);
  });

  it("refuses unknown filters and bad values", async () => {
    for (const query of [{ isAvailable: "yes" }, { currency: "EURO" }, { sort: "price" }]) {
      const res = await call(productsFn, { token: shop.accessToken, query });
      expect(res.status, JSON.stringify(query)).toBe(400);
    }
  });
});

describe("/api/products/:id", () => {
  it("reads one product in one statement; another tenant's is a 404", async () => {
    const product = await newProduct(owner, { name: "Readable" });
    const res = await call(productFn, { path: productPath(product.id), token: owner.accessToken });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: product.id, name: "Readable", price: "9.99" });
    expect(res.statements).toBe(1);
    const foreign = await call(productFn, { path: productPath(product.id), token: other.accessToken });
    expect(foreign.status).toBe(404);
    expect(foreign.text).not.toContain("Readable");
  });

  it("changes only the given fields with PATCH or PUT, and clears with null", async () => {
    const product = await newProduct(owner, { name: "Lamp", category: "light", sku: "LAMP-7" });
    const patched = await call(productFn, {
      method: "PATCH",
      path: productPath(product.id),
      token: owner.accessToken,
      body: { price: "0.10", category: null, isAvailable: false },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.data).toMatchObject({
      name: "Lamp",
      sku: "LAMP-7",
      price: "0.10",
      category: null,
      isAvailable: false,
    });
    expect(patched.statements).toBe(1);
    const put = await call(productFn, {
      method: "PUT",
      path: productPath(product.id),
      token: owner.accessToken,
      body: { name: "Floor lamp", currency: "gbp" },
    });
    expect(put.body.data).toMatchObject({ name: "Floor lamp", currency: "GBP", price: "0.10" });
  });

  it("answers 409 for a taken SKU, 400 for an empty change and 404 for another tenant's product, changing nothing", async () => {
    await newProduct(owner, { sku: "TAKEN-1" });
    const product = await newProduct(owner, { sku: "FREE-1" });
    const path = productPath(product.id);
    const taken = await call(productFn, { method: "PATCH", path, token: owner.accessToken, body: { sku: "TAKEN-1" } });
    expect(taken.status).toBe(409);
    const empty = await call(productFn, { method: "PATCH", path, token: owner.accessToken, body: {} });
    expect(empty.status).toBe(400);
    const foreign = await call(productFn, { method: "PUT", path, token: other.accessToken, body: { price: "0.01" } });
    expect(foreign.status).toBe(404);
    const [stored] = await (await getDb()).select().from(products).where(eq(products.id, product.id));
    expect(stored).toMatchObject({ sku: "FREE-1", price: "9.99" });
  });

  it("deletes a product no order has; another tenant's is a 404 and stays", async () => {
    const product = await newProduct(owner);
    const path = productPath(product.id);
    const foreign = await call(productFn, { method: "DELETE", path, token: other.accessToken });
    expect(foreign.status).toBe(404);
    const deleted = await call(productFn, { method: "DELETE", path, token: owner.accessToken });
    expect(deleted.status).toBe(204);
    expect(deleted.statements).toBe(1);
    expect((await call(productFn, { path, token: owner.accessToken })).status).toBe(404);
  });

  it("keeps a product that is on an order: 409, saying to mark it unavailable", async () => {
    const product = await newProduct(owner);
    const db = await getDb();
    const [customer] = await db.insert(contacts).values({ tenantId: owner.tenantId, name: "Buyer" }).returning();
    const [order] = await db
      .insert(orders)
      .values({ tenantId: owner.tenantId, customerId: customer!.id, totalAmount: "9.99", currency: "USD" })
      .returning();
    await db.insert(orderItems).values({
      tenantId: owner.tenantId,
      orderId: order!.id,
      productId: product.id,
      quantity: 1,
      priceAtPurchase: "9.99",
      currencyAtPurchase: "USD",
    });
    const res = await call(productFn, { method: "DELETE", path: productPath(product.id), token: owner.accessToken });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain("isAvailable");
    expect(await db.$count(products, eq(products.id, product.id))).toBe(1);
  });
});
