import { createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import { products } from "../../db/schema";
import { booleanQuery, httpUrl, pageQuery, trimmedText } from "../../shared/schemas";

/**
 * Request and response shapes of the product catalogue (spec 002). Inputs are strict: an unknown
 * field is a 400. Money never passes through a float: an amount is checked as text and stored as
 * `numeric(10,2)`, and answered as the decimal string Postgres writes ("12.50").
 */

/** What numeric(10,2) holds, written plainly: up to 8 integer digits, up to 2 decimals, no sign. */
const MONEY = /^(0|[1-9][0-9]{0,7})(\.[0-9]{1,2})?$/;
export const MAX_AMOUNT = "99999999.99";

/**
 * An amount a caller gives: a decimal string ("12.50", preferred) or a JSON number that is exactly
 * such a decimal (12.5). A number is read by the text JavaScript writes for it, so 0.1 + 0.2
 * (0.30000000000000004) and 1e21 are refused rather than rounded.
 */
const money = z
  .union([z.string(), z.number().transform(String)])
  .pipe(z.string().regex(MONEY, `Must be an amount from 0 to ${MAX_AMOUNT} with at most 2 decimals, e.g. "12.50"`))
  .describe(`A decimal amount, 0 to ${MAX_AMOUNT}, at most 2 decimals: a string ("12.50") or a number (12.5)`);

const amount = z.string().describe('A decimal string with 2 decimals, e.g. "12.50"');

/** Currency codes the runtime knows (ISO 4217, active ones), so "USX" is refused. */
const CURRENCIES = new Set(Intl.supportedValuesOf("currency"));
const currencyCode = z
  .string()
  .regex(/^[A-Za-z]{3}$/, "Must be a three-letter ISO 4217 code")
  .transform((code) => code.toUpperCase())
  .refine((code) => CURRENCIES.has(code), "Not an ISO 4217 currency code")
  .describe("ISO 4217 code, e.g. USD (either case; stored upper case)");

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
  price: money,
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
  price: amount,
  currency: (column) => column.describe("ISO 4217, upper case"),
})
  .omit({ tenantId: true })
  .meta({ id: "Product" });
