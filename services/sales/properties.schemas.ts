import { createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import { PROPERTY_STATUSES, PROPERTY_TYPES, properties } from "../../db/schema";
import {
  anyCaseEnum,
  currencyCode,
  decimalAmount,
  decimalText,
  httpUrl,
  pageQuery,
  trimmedText,
} from "../../shared/schemas";
import { withAliases } from "../platform/spec-aliases";

/**
 * Request and response shapes of the listings (spec 001's properties). Inputs are strict: an unknown
 * field is a 400. Spec 001's `price_range` is `priceMin`–`priceMax` (max null: one price). Money never
 * passes through a float: an amount is checked as text, stored as `numeric(14,2)` and answered as the
 * decimal string Postgres writes ("1250000.00"), as commerce's products are.
 */

/** A price, or a bound of a search: what numeric(14,2) holds. */
const price = decimalAmount({ integerDigits: 12 });

const propertyType = anyCaseEnum(PROPERTY_TYPES);
const propertyStatus = anyCaseEnum(PROPERTY_STATUSES);
/**
 * A bedroom count in a query string: digits only, so an empty `?minBedrooms=` is a 400 rather than
 * the 0 `z.coerce.number()` would make of it (and "1e1", "0x4" or " 4" are refused, not read as numbers).
 */
const bedrooms = z
  .string()
  .regex(/^[0-9]+$/, "Must be a whole number")
  .transform(Number)
  .pipe(z.number().int().min(0).max(100));

export const listPropertiesQuery = withAliases(
  pageQuery
    .extend({
      businessId: z
        .uuid()
        .optional()
        .describe(
          "The business (tenant) whose available listings to read with no credentials (required then). A member " +
            "may give their own; another business is a 404",
        ),
      city: trimmedText(100).optional().describe("The city, any case"),
      status: propertyStatus.optional(),
      type: propertyType.optional(),
      minPrice: price.optional().describe("Listings whose price range reaches this amount (priceMax, or priceMin)"),
      maxPrice: price.optional().describe("Listings whose price range starts at or below this amount (priceMin)"),
      minBedrooms: bedrooms.optional(),
      maxBedrooms: bedrooms.optional(),
      search: trimmedText(200)
        .optional()
        .describe(
          'Words of the name, city, description or features, each as a prefix, English stemming ("villas" finds "Villa")',
        ),
    })
    .strict(),
  { business_id: "businessId" },
  "spec 000",
)
  .refine(
    (query) => query.minPrice === undefined || query.maxPrice === undefined || +query.minPrice <= +query.maxPrice,
    {
      message: "minPrice must be at most maxPrice",
      path: ["minPrice"],
    },
  )
  .refine(
    (query) =>
      query.minBedrooms === undefined || query.maxBedrooms === undefined || query.minBedrooms <= query.maxBedrooms,
    { message: "minBedrooms must be at most maxBedrooms", path: ["minBedrooms"] },
  );

/** The fields a caller may write; the optional ones may be cleared with null on update. */
const propertyFields = {
  name: trimmedText(200),
  city: trimmedText(100),
  priceMin: price.describe(`The price, or the lowest of a range. ${price.description}`),
  priceMax: price.nullable().describe("The top of a price range, at least priceMin; null for a single price"),
  currency: currencyCode,
  bedrooms: z.number().int().min(0).max(100),
  type: propertyType,
  status: propertyStatus,
  imageUrl: httpUrl.nullable(),
  description: z.string().trim().max(10_000).nullable(),
  features: z
    .array(trimmedText(100))
    .max(50)
    .describe('Up to 50 features, each 1–100 characters ("Sea view", "Private pool"), searched with the rest'),
};

/** Spec 001's column names, which its clients sent. */
const SPEC_001_NAMES = { image_url: "imageUrl" } as const;

const priceRangeHolds = (body: { priceMin?: string; priceMax?: string | null }) =>
  body.priceMin === undefined || body.priceMax == null || +body.priceMax >= +body.priceMin;
const priceRangeIssue = { message: "priceMax must be at least priceMin", path: ["priceMax"] };

export const createPropertyBody = withAliases(
  z
    .object({
      ...propertyFields,
      priceMax: propertyFields.priceMax.optional(),
      currency: propertyFields.currency.default("USD"),
      status: propertyFields.status.default("available"),
      imageUrl: propertyFields.imageUrl.optional(),
      description: propertyFields.description.optional(),
      features: propertyFields.features.default([]),
    })
    .strict(),
  SPEC_001_NAMES,
  "spec 001",
).refine(priceRangeHolds, priceRangeIssue);

export const updatePropertyBody = withAliases(z.object(propertyFields).partial().strict(), SPEC_001_NAMES, "spec 001")
  .refine((body) => Object.keys(body).length > 0, "Give at least one field to change")
  .refine(priceRangeHolds, priceRangeIssue);

const propertyOverrides = {
  priceMin: decimalText,
  priceMax: decimalText.nullable(),
  currency: z.string().describe("ISO 4217, upper case"),
  type: z.enum(PROPERTY_TYPES),
  status: z.enum(PROPERTY_STATUSES),
  features: z.array(z.string()),
};

export const property = createSelectSchema(properties, propertyOverrides)
  .omit({ tenantId: true, searchVector: true })
  .meta({ id: "Property" });

/** What an anonymous caller sees of a listing: what a listing site shows, nothing of the business's records. */
const publicProperty = property
  .pick({
    id: true,
    name: true,
    city: true,
    priceMin: true,
    priceMax: true,
    currency: true,
    bedrooms: true,
    type: true,
    status: true,
    imageUrl: true,
    description: true,
    features: true,
  })
  .meta({ id: "PublicProperty" });

/**
 * An item of GET /api/properties. route() parses every answer through the declared response and the
 * OpenAPI document is built from it, so the list declares both shapes: a member's Property (the
 * first, which a full row matches) or, for an anonymous caller, the PublicProperty the service
 * selected (it lacks Property's timestamps, so only the second matches). Declaring Property alone
 * would refuse the public rows; declaring PublicProperty alone would strip what members see.
 */
export const propertyListItem = z.union([property, publicProperty]);
