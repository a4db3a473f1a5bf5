import { and, eq, gte, lte, type SQL, sql } from "drizzle-orm";
import type { z } from "zod";
import { properties } from "../../db/schema";
import { shownColumns } from "../../shared/columns";
import type { Caller, ServiceContext } from "../../shared/context";
import { conflict, isForeignKeyViolation, notFound, sqlState, unauthorized, unprocessable } from "../../shared/errors";
import { listPage } from "../../shared/pagination";
import { assertOwnBusiness } from "../platform/business";
import { consume, type Limit } from "../platform/rate-limit";
import type { createPropertyBody, listPropertiesQuery, updatePropertyBody } from "./properties.schemas";
import { textSearch } from "./search";

/**
 * The tenant's listings (spec 001's properties). Every statement is filtered by a tenant: the
 * caller's, or for spec 001's anonymous read the business named by `businessId`, of which only
 * available listings and their public fields are read.
 */

const propertyColumns = shownColumns(properties, "searchVector");
const { id, name, city, priceMin, priceMax, currency, bedrooms, type, status, imageUrl, description, features } =
  propertyColumns;
/** PublicProperty's columns, and the creation time the list is sorted by (dropped from the answer). */
const publicColumns = {
  id,
  name,
  city,
  priceMin,
  priceMax,
  currency,
  bedrooms,
  type,
  status,
  imageUrl,
  description,
  features,
  createdAt: propertyColumns.createdAt,
};

type ListQuery = z.infer<typeof listPropertiesQuery>;

/** The filters of a list, each served by the tenant's indexes (status, lower(city), the search vector's GIN). */
function filtersOf(query: ListQuery): (SQL | undefined)[] {
  return [
    query.city ? eq(sql`lower(${properties.city})`, query.city.toLowerCase()) : undefined,
    query.status ? eq(properties.status, query.status) : undefined,
    query.type ? eq(properties.type, query.type) : undefined,
    // Price ranges overlap: the listing's top (its one price when it has no range) reaches minPrice,
    // and its bottom is within maxPrice.
    query.minPrice === undefined
      ? undefined
      : sql`coalesce(${properties.priceMax}, ${properties.priceMin}) >= ${query.minPrice}::numeric`,
    query.maxPrice === undefined ? undefined : lte(properties.priceMin, query.maxPrice),
    query.minBedrooms === undefined ? undefined : gte(properties.bedrooms, query.minBedrooms),
    query.maxBedrooms === undefined ? undefined : lte(properties.bedrooms, query.maxBedrooms),
    query.search ? textSearch(properties.searchVector, "english", query.search) : undefined,
  ];
}

/**
 * Anonymous list reads per client IP, whichever business they name: a listing site's visitor pages
 * through far fewer, a scraper is slowed. Members and keys are not counted: they are known.
 */
export const PUBLIC_LISTING_READS: Limit = { max: 120, windowSeconds: 60 };

const newestFirst = { by: [properties.createdAt, properties.id], direction: "desc" } as const;

/**
 * Newest first, one statement. A member (or key) reads their own tenant's listings; `businessId`,
 * when they give it, must be their own (another is a 404, as an unknown one). With no credentials
 * at all, `businessId` names the business, and only its available listings are read, with the
 * public fields alone (an unknown business has none); without it, 401. Anonymous reads are rate
 * limited per IP (PUBLIC_LISTING_READS), counted in a statement of their own.
 */
export async function listProperties(ctx: ServiceContext<Caller>, query: ListQuery) {
  const { caller } = ctx;
  if (caller.kind === "public") {
    if (!query.businessId) throw unauthorized("Sign in, or give businessId to read a business's available listings");
    await consume(ctx.db, `public-listings:${ctx.ip}`, PUBLIC_LISTING_READS);
    const page = await listPage(ctx.db, {
      table: properties,
      columns: publicColumns,
      where: and(eq(properties.tenantId, query.businessId), eq(properties.status, "available"), ...filtersOf(query)),
      sort: newestFirst,
      page: query,
    });
    return { ...page, items: page.items.map(({ createdAt: _sortKey, ...listing }) => listing) };
  }
  assertOwnBusiness(caller, query.businessId);
  return listPage(ctx.db, {
    table: properties,
    columns: propertyColumns,
    where: and(eq(properties.tenantId, caller.tenantId), ...filtersOf(query)),
    sort: newestFirst,
    page: query,
  });
}

const ofTenant = (ctx: ServiceContext, propertyId: string) =>
  and(eq(properties.tenantId, ctx.caller.tenantId), eq(properties.id, propertyId));

export async function getProperty(ctx: ServiceContext, propertyId: string) {
  const [row] = await ctx.db.select(propertyColumns).from(properties).where(ofTenant(ctx, propertyId));
  if (!row) throw notFound("Property");
  return row;
}

/**
 * A write the price check refused: a partial update whose priceMin or priceMax alone crosses the
 * stored other end (the request schema refuses a body that gives both crossed). The table's other
 * checks mirror the request schema, which refuses what they would first; the constraint is named
 * anyway, so a future check is not taken for this one.
 */
async function priceRangeChecked<T>(write: PromiseLike<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    const { constraint } = (error as { cause?: { constraint?: unknown } }).cause ?? {};
    if (sqlState(error) === "23514" && constraint === "properties_price_check") {
      throw unprocessable("priceMax must be at least priceMin: give both to move the range past its other end");
    }
    throw error;
  }
}

export async function createProperty(ctx: ServiceContext, input: z.infer<typeof createPropertyBody>) {
  const [row] = await ctx.db
    .insert(properties)
    .values({ ...input, tenantId: ctx.caller.tenantId })
    .returning(propertyColumns);
  if (!row) throw new Error("property insert returned no row");
  return row;
}

/** Changes only the fields given, in one statement; null clears an optional field. */
export async function updateProperty(
  ctx: ServiceContext,
  propertyId: string,
  input: z.infer<typeof updatePropertyBody>,
) {
  const [row] = await priceRangeChecked(
    ctx.db
      .update(properties)
      .set({ ...input, updatedAt: sql`now()` })
      .where(ofTenant(ctx, propertyId))
      .returning(propertyColumns),
  );
  if (!row) throw notFound("Property");
  return row;
}

/**
 * Deletes a listing no appointment refers to, in one statement. One with viewings stays (their
 * history names it): 409, with the way out, marking it sold or reserved.
 */
export async function deleteProperty(ctx: ServiceContext, propertyId: string): Promise<void> {
  try {
    const [row] = await ctx.db.delete(properties).where(ofTenant(ctx, propertyId)).returning({ id: properties.id });
    if (!row) throw notFound("Property");
  } catch (error) {
    if (isForeignKeyViolation(error)) {
      throw conflict(
        "Appointments refer to this property, so it cannot be deleted; set its status to sold or reserved to take it off the market",
      );
    }
    throw error;
  }
}
