import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "../../db/client";
import { appointments, properties, prospects } from "../../db/schema";
import * as propertiesFn from "../../netlify/functions/sales-properties";
import * as propertyFn from "../../netlify/functions/sales-properties-id";
import { type Account, addMember, createApiKey, registerTenant } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";
import { PUBLIC_LISTING_READS } from "../../services/sales/properties";

type Property = {
  id: string;
  name: string;
  city: string;
  priceMin: string;
  priceMax: string | null;
  currency: string;
  bedrooms: number;
  type: string;
  status: string;
  description: string | null;
  imageUrl: string | null;
  features: string[];
};

const VALID = { name: "Lagoon Villa", city: "Dubai", priceMin: "1000000.00", bedrooms: 3, type: "villa" };

async function newProperty(account: Account, body: Record<string, unknown> = {}): Promise<Property> {
  const res = await call(propertiesFn, { method: "POST", token: account.accessToken, body: { ...VALID, ...body } });
  expect(res.status, res.text).toBe(201);
  return res.body.data;
}

const propertyPath = (id: string) => `/api/properties/${id}`;
const ids = (data: { id: string }[]) => data.map((item) => item.id);

let owner: Account;
let other: Account;
beforeAll(async () => {
  owner = await registerTenant("properties");
  other = await registerTenant("properties-other");
});

describe("POST /api/properties", () => {
  it("creates a listing in one statement: prices as decimal strings, currency upper case, defaults filled", async () => {
    const res = await call(propertiesFn, {
      method: "POST",
      token: owner.accessToken,
      body: {
        name: "  Marina Villa ",
        city: "Dubai",
        priceMin: 4000000,
        priceMax: "5000000.5",
        currency: "aed",
        bedrooms: 5,
        type: "VILLA",
        image_url: "https://cdn.example.test/villa.jpg",
        description: "Beachfront",
        features: [" Private pool ", "Sea view"],
      },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.data).toMatchObject({
      name: "Marina Villa",
      priceMin: "4000000.00",
      priceMax: "5000000.50",
      currency: "AED",
      bedrooms: 5,
      type: "villa",
      status: "available",
      imageUrl: "https://cdn.example.test/villa.jpg",
      features: ["Private pool", "Sea view"],
    });
    expect(res.body.data).not.toHaveProperty("tenantId");
    expect(res.body.data).not.toHaveProperty("searchVector");
    expect(res.statements).toBe(1);
    const single = await newProperty(owner, { currency: undefined });
    expect(single).toMatchObject({
      priceMax: null,
      currency: "USD",
      status: "available",
      features: [],
      imageUrl: null,
    });
  });

  it.each([
    ["the largest price numeric(14,2) holds", "999999999999.99"],
    ["zero", "0"],
  ])("stores %s exactly", async (_name, price) => {
    expect((await newProperty(owner, { priceMin: price })).priceMin).toBe(Number(price) === 0 ? "0.00" : price);
  });

  it.each([
    ["priceMax below priceMin", { priceMin: "2000000", priceMax: "1999999.99" }],
    ["13 integer digits", { priceMin: "1000000000000" }],
    ["three decimals", { priceMin: "1.005" }],
    ["a negative price", { priceMin: -1 }],
    ["a float sum with a tail", { priceMin: 0.1 + 0.2 }],
    ["an unknown currency", { currency: "XYZ" }],
    ["an unknown type", { type: "castle" }],
    ["an unknown status", { status: "let" }],
    ["101 bedrooms", { bedrooms: 101 }],
    ["fractional bedrooms", { bedrooms: 2.5 }],
    ["51 features", { features: Array.from({ length: 51 }, (_, i) => `Feature ${i}`) }],
    ["a feature of 101 characters", { features: ["x".repeat(101)] }],
    ["a blank feature", { features: ["  "] }],
    ["features that are not strings", { features: [1] }],
    ["a javascript: image", { imageUrl: "javascript:alert(1)" }],
    ["no name", { name: undefined }],
    ["an unknown field", { priceRange: "1M-2M" }],
  ])("refuses %s with 400", async (_name, change) => {
    const res = await call(propertiesFn, { method: "POST", token: owner.accessToken, body: { ...VALID, ...change } });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
  });

  it("takes 50 features of 100 characters", async () => {
    const features = Array.from({ length: 50 }, (_, i) => `${i}`.padEnd(100, "x"));
    expect((await newProperty(owner, { features })).features).toEqual(features);
  });
});

describe("GET /api/properties", () => {
  let agency: Account;
  let list: Record<"villa" | "apartment" | "penthouse" | "townhouse", Property>;
  beforeAll(async () => {
    agency = await registerTenant("properties-list");
    list = {
      villa: await newProperty(agency, {
        name: "Marina Villa",
        city: "Dubai",
        priceMin: "4000000",
        priceMax: "5000000",
        bedrooms: 5,
        type: "villa",
        description: "Beachfront home",
        features: ["Private pool", "Sea view"],
      }),
      apartment: await newProperty(agency, {
        name: "Downtown Apartment",
        city: "dubai",
        priceMin: "1200000",
        bedrooms: 2,
        type: "apartment",
      }),
      penthouse: await newProperty(agency, {
        name: "Palm Penthouse",
        city: "DUBAI",
        priceMin: "9000000",
        priceMax: "12000000",
        bedrooms: 4,
        type: "penthouse",
        status: "reserved",
      }),
      townhouse: await newProperty(agency, {
        name: "Reem Townhouse",
        city: "Abu Dhabi",
        priceMin: "2000000",
        priceMax: "2500000",
        bedrooms: 3,
        type: "townhouse",
        status: "sold",
        features: ["Garden"],
      }),
    };
    await newProperty(other, { name: "Marina Villa of another tenant", features: ["Private pool"] });
  });
  const names = (keys: (keyof typeof list)[]) => keys.map((key) => list[key].id);

  it("lists the tenant's listings newest first, in one statement", async () => {
    const res = await call(propertiesFn, { token: agency.accessToken });
    expect(res.status, res.text).toBe(200);
    expect(ids(res.body.data)).toEqual(names(["townhouse", "penthouse", "apartment", "villa"]));
    expect(res.body.data[0]).toHaveProperty("createdAt");
    expect(res.body.pagination).toMatchObject({ total: 4, limit: 20, hasMore: false });
    expect(res.text).not.toContain("another tenant");
    expect(res.statements).toBe(1);
  });

  it.each([
    ["city, any case", { city: "DuBaI" }, ["penthouse", "apartment", "villa"]],
    ["a city of two words", { city: "abu dhabi" }, ["townhouse"]],
    ["status", { status: "reserved" }, ["penthouse"]],
    ["status in upper case", { status: "SOLD" }, ["townhouse"]],
    ["type", { type: "villa" }, ["villa"]],
    ["city and status", { city: "dubai", status: "available" }, ["apartment", "villa"]],
    [
      "minPrice: a range reaching it, and a single price at it",
      { minPrice: "1200000" },
      ["townhouse", "penthouse", "apartment", "villa"],
    ],
    ["minPrice: only ranges whose top reaches it", { minPrice: "4500000" }, ["penthouse", "villa"]],
    ["minPrice above a single price", { minPrice: "1200000.01" }, ["townhouse", "penthouse", "villa"]],
    ["maxPrice: ranges starting at or below it", { maxPrice: "2000000" }, ["townhouse", "apartment"]],
    ["a price window overlapping two ranges", { minPrice: "2400000", maxPrice: "4000000" }, ["townhouse", "villa"]],
    ["a price window between listings", { minPrice: "1200000.01", maxPrice: "1999999.99" }, []],
    ["minBedrooms", { minBedrooms: 4 }, ["penthouse", "villa"]],
    ["maxBedrooms", { maxBedrooms: 3 }, ["townhouse", "apartment"]],
    ["a bedrooms range, inclusive", { minBedrooms: 3, maxBedrooms: 4 }, ["townhouse", "penthouse"]],
    ["search with stemming: villas finds Villa", { search: "villas" }, ["villa"]],
    ["search by prefix: mari finds Marina", { search: "mari" }, ["villa"]],
    ["search in features", { search: "pool" }, ["villa"]],
    ["search in features with stemming", { search: "gardens" }, ["townhouse"]],
    ["search in the description", { search: "beachfront" }, ["villa"]],
    ["search over name and city, every word", { search: "dubai apartment" }, ["apartment"]],
    ["search with a word nothing has", { search: "villa castle" }, []],
    ["search with only punctuation", { search: "&|!" }, []],
    ["search and a filter", { search: "dubai", type: "penthouse" }, ["penthouse"]],
  ])("filters: %s", async (_name, query, expected) => {
    const res = await call(propertiesFn, { token: agency.accessToken, query });
    expect(res.status, res.text).toBe(200);
    expect(ids(res.body.data)).toEqual(names(expected as (keyof typeof list)[]));
    expect(res.body.pagination.total).toBe(expected.length);
    expect(res.statements).toBe(1);
  });

  it("pages by limit and offset, page number and cursor", async () => {
    const first = await call(propertiesFn, { token: agency.accessToken, query: { limit: 3 } });
    expect(ids(first.body.data)).toEqual(names(["townhouse", "penthouse", "apartment"]));
    expect(first.body.pagination).toMatchObject({ total: 4, hasMore: true, totalPages: 2 });
    const next = await call(propertiesFn, {
      token: agency.accessToken,
      query: { limit: 3, cursor: first.body.pagination.nextCursor },
    });
    expect(ids(next.body.data)).toEqual(names(["villa"]));
    const second = await call(propertiesFn, { token: agency.accessToken, query: { limit: 3, page: 2 } });
    expect(ids(second.body.data)).toEqual(names(["villa"]));
    const byOffset = await call(propertiesFn, { token: agency.accessToken, query: { limit: 100, offset: 1 } });
    expect(byOffset.status).toBe(200);
    expect(ids(byOffset.body.data)).toEqual(names(["penthouse", "apartment", "villa"]));
  });

  it.each([
    ["limit 0", { limit: 0 }],
    ["limit 101", { limit: 101 }],
    ["a negative offset", { offset: -1 }],
    ["an unknown status", { status: "let" }],
    ["an unknown type", { type: "castle" }],
    ["a price that is not an amount", { minPrice: "cheap" }],
    ["minPrice above maxPrice", { minPrice: "2", maxPrice: "1" }],
    ["101 bedrooms", { minBedrooms: 101 }],
    ["an empty minBedrooms", { minBedrooms: "" }],
    ["an empty maxBedrooms", { maxBedrooms: "" }],
    ["a bedroom count in exponent notation", { minBedrooms: "1e1" }],
    ["a negative bedroom count", { maxBedrooms: "-1" }],
    ["an empty minPrice", { minPrice: "" }],
    ["an empty maxPrice", { maxPrice: "" }],
    ["an empty limit", { limit: "" }],
    ["an empty page", { page: "" }],
    ["minBedrooms above maxBedrooms", { minBedrooms: 4, maxBedrooms: 3 }],
    ["a businessId that is not a uuid", { businessId: "acme" }],
    ["an unknown filter", { sort: "price" }],
    ["a cursor of another list", { cursor: "eyJzb3J0IjoieCIsImFmdGVyIjpbXX0" }],
  ])("refuses %s with 400", async (_name, query) => {
    const res = await call(propertiesFn, { token: agency.accessToken, query });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
  });

  it("takes the caller's own businessId (or business_id), and answers another business 404", async () => {
    const own = await call(propertiesFn, { token: agency.accessToken, query: { business_id: agency.tenantId } });
    expect(own.status).toBe(200);
    expect(own.body.pagination.total).toBe(4);
    const foreign = await call(propertiesFn, { token: agency.accessToken, query: { businessId: other.tenantId } });
    expect(foreign.status).toBe(404);
    expect(foreign.text).not.toContain("another tenant");
  });

  it("is readable by every member and by read and ai-agent keys", async () => {
    for (const role of ["sales_rep", "qa_supervisor", "compliance_officer", "agent"] as const) {
      const member = await addMember(agency, role);
      const res = await call(propertiesFn, { token: member.accessToken });
      expect(res.status, role).toBe(200);
      expect(res.body.pagination.total).toBe(4);
    }
    for (const scope of ["read", "ai-agent"] as const) {
      const { key } = await createApiKey(agency, [scope]);
      expect((await call(propertiesFn, { apiKey: key })).body.pagination.total).toBe(4);
    }
  });

  describe("with no credentials (spec 001's anonymous read)", () => {
    it("answers a business's available listings with the public fields alone", async () => {
      const res = await call(propertiesFn, { query: { businessId: agency.tenantId } });
      expect(res.status, res.text).toBe(200);
      expect(ids(res.body.data)).toEqual(names(["apartment", "villa"]));
      expect(Object.keys(res.body.data[1]).sort()).toEqual(
        [
          "id",
          "name",
          "city",
          "priceMin",
          "priceMax",
          "currency",
          "bedrooms",
          "type",
          "status",
          "imageUrl",
          "description",
          "features",
        ].sort(),
      );
      expect(res.body.data[1]).toMatchObject({
        name: "Marina Villa",
        priceMax: "5000000.00",
        features: ["Private pool", "Sea view"],
      });
      expect(res.body.pagination.total).toBe(2);
      // The rate limit's count, then the read.
      expect(res.statements).toBe(2);
    });

    it("applies the filters within the available listings", async () => {
      const aliased = await call(propertiesFn, { query: { business_id: agency.tenantId, search: "villas" } });
      expect(ids(aliased.body.data)).toEqual(names(["villa"]));
      const sold = await call(propertiesFn, { query: { businessId: agency.tenantId, status: "sold" } });
      expect(sold.status).toBe(200);
      expect(sold.body.data).toEqual([]);
      const cheap = await call(propertiesFn, { query: { businessId: agency.tenantId, maxPrice: "2000000" } });
      expect(ids(cheap.body.data)).toEqual(names(["apartment"]));
    });

    it("answers an unknown business with an empty list", async () => {
      const res = await call(propertiesFn, { query: { businessId: randomUUID() } });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual([]);
      expect(res.body.pagination.total).toBe(0);
    });

    it("answers 401 without a businessId", async () => {
      const res = await call(propertiesFn, { query: { city: "dubai" } });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe("UNAUTHORIZED");
    });

    it(`limits anonymous reads to ${PUBLIC_LISTING_READS.max} a window per IP, whatever the business; members and keys are not limited`, async () => {
      const ip = "198.51.100.14";
      const anonymous = (businessId: string) => call(propertiesFn, { ip, query: { businessId } });
      const allowed = await Promise.all(
        Array.from({ length: PUBLIC_LISTING_READS.max }, (_, index) =>
          anonymous(index % 2 ? agency.tenantId : randomUUID()),
        ),
      );
      expect(allowed.map((res) => res.status)).toEqual(allowed.map(() => 200));
      const refused = await anonymous(agency.tenantId);
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe("RATE_LIMITED");
      const retryAfter = Number(refused.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(PUBLIC_LISTING_READS.windowSeconds);
      expect(refused.text).not.toContain("Marina");
      // Another business from the same IP is counted alike; another IP is not.
      expect((await anonymous(randomUUID())).status).toBe(429);
      expect((await call(propertiesFn, { query: { businessId: agency.tenantId } })).status).toBe(200);
      // Members and keys calling from that IP are known, so never counted.
      const member = await call(propertiesFn, { ip, token: agency.accessToken });
      expect(member.status, member.text).toBe(200);
      expect(member.statements).toBe(1);
      const { key } = await createApiKey(agency, ["read"]);
      expect((await call(propertiesFn, { ip, apiKey: key })).status).toBe(200);
    });

    it("still checks credentials that are sent: a bad token or key with a businessId is 401", async () => {
      const query = { businessId: agency.tenantId };
      for (const credentials of [{ token: "not.a.jwt" }, { apiKey: "fd_not-a-real-key" }]) {
        const res = await call(propertiesFn, { ...credentials, query });
        expect(res.status).toBe(401);
        expect(res.text).not.toContain("Marina");
      }
    });
  });
});

describe("/api/properties/:id", () => {
  it("reads one listing in one statement; another tenant's is a 404", async () => {
    const listing = await newProperty(owner, { name: "Readable Villa" });
    const res = await call(propertyFn, { path: propertyPath(listing.id), token: owner.accessToken });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: listing.id, name: "Readable Villa", priceMin: "1000000.00" });
    expect(res.statements).toBe(1);
    const foreign = await call(propertyFn, { path: propertyPath(listing.id), token: other.accessToken });
    expect(foreign.status).toBe(404);
    expect(foreign.text).not.toContain("Readable");
    const unknown = await call(propertyFn, { path: propertyPath(randomUUID()), token: owner.accessToken });
    expect(unknown.status).toBe(404);
    const badId = await call(propertyFn, { path: propertyPath("not-a-uuid"), token: owner.accessToken });
    expect(badId.status).toBe(400);
  });

  it("changes only the given fields with PATCH or PUT, in one statement, and clears with null", async () => {
    const listing = await newProperty(owner, {
      priceMax: "1500000",
      description: "Old",
      imageUrl: "https://cdn.example.test/a.jpg",
      features: ["Garden"],
    });
    const path = propertyPath(listing.id);
    const patched = await call(propertyFn, {
      method: "PATCH",
      path,
      token: owner.accessToken,
      body: { priceMax: null, description: null, image_url: null, status: "reserved" },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.data).toMatchObject({
      name: VALID.name,
      priceMin: "1000000.00",
      priceMax: null,
      description: null,
      imageUrl: null,
      status: "reserved",
      features: ["Garden"],
    });
    expect(patched.statements).toBe(1);
    const put = await call(propertyFn, {
      method: "PUT",
      path,
      token: owner.accessToken,
      body: { features: ["Pool", "Gym"], currency: "eur", bedrooms: 0 },
    });
    expect(put.body.data).toMatchObject({
      features: ["Pool", "Gym"],
      currency: "EUR",
      bedrooms: 0,
      status: "reserved",
    });
    const searched = await call(propertiesFn, { token: owner.accessToken, query: { search: "gym" } });
    expect(ids(searched.body.data)).toEqual([listing.id]);
  });

  it("refuses a crossed price range: 400 when both ends are given, 422 when one end crosses the stored other", async () => {
    const listing = await newProperty(owner, { priceMin: "1000000", priceMax: "2000000" });
    const path = propertyPath(listing.id);
    const send = (body: Record<string, unknown>) =>
      call(propertyFn, { method: "PATCH", path, token: owner.accessToken, body });
    expect((await send({ priceMin: "3000000", priceMax: "2500000" })).status).toBe(400);
    const lowTop = await send({ priceMax: "999999.99" });
    expect(lowTop.status, lowTop.text).toBe(422);
    expect(lowTop.body.error.code).toBe("UNPROCESSABLE");
    const highBottom = await send({ priceMin: "2000000.01" });
    expect(highBottom.status, highBottom.text).toBe(422);
    expect((await send({ priceMin: "2000000" })).body.data).toMatchObject({
      priceMin: "2000000.00",
      priceMax: "2000000.00",
    });
    const [stored] = await (await getDb()).select().from(properties).where(eq(properties.id, listing.id));
    expect(stored).toMatchObject({ priceMin: "2000000.00", priceMax: "2000000.00" });
  });

  it("answers 400 for an empty change and 404 for another tenant's listing, changing nothing", async () => {
    const listing = await newProperty(owner, { name: "Untouched" });
    const path = propertyPath(listing.id);
    expect((await call(propertyFn, { method: "PATCH", path, token: owner.accessToken, body: {} })).status).toBe(400);
    const foreign = await call(propertyFn, { method: "PUT", path, token: other.accessToken, body: { name: "Taken" } });
    expect(foreign.status).toBe(404);
    const [stored] = await (await getDb()).select().from(properties).where(eq(properties.id, listing.id));
    expect(stored?.name).toBe("Untouched");
  });

  it("deletes a listing no appointment refers to; another tenant's is a 404 and stays", async () => {
    const listing = await newProperty(owner);
    const path = propertyPath(listing.id);
    expect((await call(propertyFn, { method: "DELETE", path, token: other.accessToken })).status).toBe(404);
    const deleted = await call(propertyFn, { method: "DELETE", path, token: owner.accessToken });
    expect(deleted.status).toBe(204);
    expect(deleted.statements).toBe(1);
    expect((await call(propertyFn, { path, token: owner.accessToken })).status).toBe(404);
    expect((await call(propertyFn, { method: "DELETE", path, token: owner.accessToken })).status).toBe(404);
  });

  it("keeps a listing an appointment refers to (409, naming the way out), which can then be marked sold", async () => {
    const listing = await newProperty(owner);
    const db = await getDb();
    const [prospect] = await db
      .insert(prospects)
      .values({ tenantId: owner.tenantId, name: "Viewer" })
      .returning({ id: prospects.id });
    await db.insert(appointments).values({
      tenantId: owner.tenantId,
      prospectId: prospect!.id,
      propertyId: listing.id,
      scheduledAt: new Date("2030-05-01T10:00:00Z"),
    });
    const path = propertyPath(listing.id);
    const refused = await call(propertyFn, { method: "DELETE", path, token: owner.accessToken });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("CONFLICT");
    expect(refused.body.error.message).toMatch(/sold or reserved/);
    expect(await db.$count(properties, eq(properties.id, listing.id))).toBe(1);
    const sold = await call(propertyFn, { method: "PATCH", path, token: owner.accessToken, body: { status: "sold" } });
    expect(sold.body.data.status).toBe("sold");
  });
});

describe("roles", () => {
  it("lets operations and sales managers write listings, and write keys", async () => {
    for (const role of ["operations", "sales_manager", "admin"] as const) {
      const member = await addMember(owner, role);
      const created = await newProperty(member, { name: `By ${role}` });
      const path = propertyPath(created.id);
      const patched = await call(propertyFn, {
        method: "PATCH",
        path,
        token: member.accessToken,
        body: { bedrooms: 1 },
      });
      expect(patched.status, role).toBe(200);
      expect((await call(propertyFn, { method: "DELETE", path, token: member.accessToken })).status, role).toBe(204);
    }
    const { key } = await createApiKey(owner, ["write"]);
    const byKey = await call(propertiesFn, { method: "POST", apiKey: key, body: VALID });
    expect(byKey.status).toBe(201);
  });

  it("lets a sales rep, a QA supervisor and read or ai-agent keys read but not write", async () => {
    const listing = await newProperty(owner, { name: "Read only" });
    const path = propertyPath(listing.id);
    const { key: readKey } = await createApiKey(owner, ["read"]);
    const { key: agentKey } = await createApiKey(owner, ["ai-agent"]);
    const readers = [
      { token: (await addMember(owner, "sales_rep")).accessToken },
      { token: (await addMember(owner, "qa_supervisor")).accessToken },
      { apiKey: readKey },
      { apiKey: agentKey },
    ];
    for (const reader of readers) {
      expect((await call(propertyFn, { path, ...reader })).body.data.name).toBe("Read only");
      const create = await call(propertiesFn, { method: "POST", ...reader, body: VALID });
      expect(create.status).toBe(403);
      expect(create.body.error.code).toBe("FORBIDDEN");
      expect((await call(propertyFn, { method: "PATCH", path, ...reader, body: { name: "No" } })).status).toBe(403);
      expect((await call(propertyFn, { method: "DELETE", path, ...reader })).status).toBe(403);
    }
    const [stored] = await (await getDb()).select().from(properties).where(eq(properties.id, listing.id));
    expect(stored?.name).toBe("Read only");
  });
});
