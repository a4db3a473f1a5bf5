import { and, eq, ilike, or, sql } from "drizzle-orm";
import type { z } from "zod";
import { products } from "../../db/schema";
import { shownColumns } from "../../shared/columns";
import type { ServiceContext } from "../../shared/context";
import { conflict, conflictOn, isForeignKeyViolation, notFound } from "../../shared/errors";
import { likePattern, listPage } from "../../shared/pagination";
import type { createProductBody, listProductsQuery, updateProductBody } from "./products.schemas";

/** The tenant's product catalogue (spec 002). Every statement is filtered by the caller's tenant. */

/** Roles that manage the catalogue; anyone of the tenant reads it. */
export const CATALOGUE_MANAGERS = ["owner", "admin", "operations", "sales_manager"] as const;

const productColumns = shownColumns(products);

/** The 409 of a SKU another product of the tenant has. */
const SKU_TAKEN = { products_tenantId_sku_unique: "Another product of this business has that SKU" };

/** Newest first; filters by name or SKU, category, availability and currency. One statement. */
export function listProducts(ctx: ServiceContext, query: z.infer<typeof listProductsQuery>) {
  const where = and(
    eq(products.tenantId, ctx.caller.tenantId),
    query.search
      ? or(ilike(products.name, likePattern(query.search)), ilike(products.sku, likePattern(query.search)))
      : undefined,
    query.category ? eq(products.category, query.category) : undefined,
    query.isAvailable === undefined ? undefined : eq(products.isAvailable, query.isAvailable),
    query.currency ? eq(products.currency, query.currency) : undefined,
  );
  return listPage(ctx.db, {
    table: products,
    columns: productColumns,
    where,
    sort: { by: [products.createdAt, products.id], direction: "desc" },
    page: query,
  });
}

export async function getProduct(ctx: ServiceContext, id: string) {
  const [row] = await ctx.db
    .select(productColumns)
    .from(products)
    .where(and(eq(products.tenantId, ctx.caller.tenantId), eq(products.id, id)));
  if (!row) throw notFound("Product");
  return row;
}

export async function createProduct(ctx: ServiceContext, input: z.infer<typeof createProductBody>) {
  const [row] = await conflictOn(
    ctx.db
      .insert(products)
      .values({ ...input, tenantId: ctx.caller.tenantId })
      .returning(productColumns),
    SKU_TAKEN,
  );
  if (!row) throw new Error("product insert returned no row");
  return row;
}

/** Changes only the fields given. Orders keep the price they were placed at (order_items.price_at_purchase). */
export async function updateProduct(ctx: ServiceContext, id: string, input: z.infer<typeof updateProductBody>) {
  const [row] = await conflictOn(
    ctx.db
      .update(products)
      .set({ ...input, updatedAt: sql`now()` })
      .where(and(eq(products.tenantId, ctx.caller.tenantId), eq(products.id, id)))
      .returning(productColumns),
    SKU_TAKEN,
  );
  if (!row) throw notFound("Product");
  return row;
}

/**
 * Deletes a product no order refers to. One on an order stays (its items reference it, and the
 * order's history must not change): 409, with the way out, marking it unavailable.
 */
export async function deleteProduct(ctx: ServiceContext, id: string) {
  try {
    const [row] = await ctx.db
      .delete(products)
      .where(and(eq(products.tenantId, ctx.caller.tenantId), eq(products.id, id)))
      .returning({ id: products.id });
    if (!row) throw notFound("Product");
  } catch (error) {
    if (isForeignKeyViolation(error)) {
      throw conflict("The product is on orders, so it cannot be deleted; set isAvailable to false to stop selling it");
    }
    throw error;
  }
}
