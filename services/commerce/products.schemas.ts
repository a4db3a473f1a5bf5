import { createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import { products } from "../../db/schema";
import {
  booleanQuery,
  currencyCode,
  decimalAmount,
  decimalText,
  httpUrl,
  pageQuery,
  trimmedText,
} from "../../shared/schemas";

/**
 * Request and response shapes of the product catalogue (spec 002). Inputs are strict: an unknown
 * field is a 400. Money never passes through a float: an amount is checked as text and stored as
 * `numeric(10,2)`, and answered as the decimal string Postgres writes ("12.50").
 */

/** The largest amount numeric(10,2) holds (8 integer digits, 2 decimals): a price's and an order total's bound. */
export const MAX_AMOUNT = "99999999.99";

export const listProductsQuery = pageQuery
  .extend({
    search: trimmedText(200).optional().describe("Part of the name or SKU, any case"),
    category: trimmedText(100).optional(),
    isAvailable: booleanQuery.optional(),
    currency: currencyCode.optional(),
  })
  .strict();

/** The fields a caller may write; the optional ones may be cleared with null on update. */
const productFields = {
  name: trimmedText(200),
  description: z.string().trim().max(5000).nullable(),
  category: trimmedText(100).nullable(),
  price: decimalAmount({ integerDigits: 8 }),
  currency: currencyCode,
  sku: trimmedText(100).nullable().describe("Unique in the tenant"),
  imageUrl: httpUrl.nullable(),
  imageId: trimmedText(200).nullable(),
  shortId: trimmedText(50).nullable(),
  isAvailable: z.boolean(),
};

export const createProductBody = z
  .object({
    ...productFields,
    description: productFields.description.optional(),
    category: productFields.category.optional(),
    sku: productFields.sku.optional(),
    imageUrl: productFields.imageUrl.optional(),
    imageId: productFields.imageId.optional(),
    shortId: productFields.shortId.optional(),
    isAvailable: productFields.isAvailable.default(true),
  })
  .strict();

export const updateProductBody = z
  .object(productFields)
  .partial()
  .strict()
  .refine((body) => Object.keys(body).length > 0, "Give at least one field to change");

export const product = createSelectSchema(products, {
  price: decimalText,
  currency: (column) => column.describe("ISO 4217, upper case"),
})
  .omit({ tenantId: true })
  .meta({ id: "Product" });
