import { PROPERTY_MANAGERS } from "../../services/sales/access";
import { createProperty, listProperties, PUBLIC_LISTING_READS } from "../../services/sales/properties";
import {
  createPropertyBody,
  listPropertiesQuery,
  property,
  propertyListItem,
} from "../../services/sales/properties.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/properties" };

export default route(config, {
  GET: operation({
    summary: "List the business's properties",
    description:
      "Newest first; filter by city (any case), status, type, price (minPrice/maxPrice: listings whose price range " +
      "overlaps, a single price being a range of one), bedrooms (minBedrooms/maxBedrooms, inclusive) and search " +
      '(full-text over name, city, description and features: every word as a prefix, English stemming, so "villas" ' +
      'finds "Villa" and "mari" finds "Marina"). Members and API keys read every listing of their own tenant as ' +
      "Property; a businessId other than their own is a 404. Spec 001's anonymous read: with no credentials at all, " +
      "`businessId` (or `business_id`) is required (else 401) and only that business's available listings are " +
      "answered, as PublicProperty (what a listing site shows); an unknown business has none. Anonymous reads are " +
      `limited to ${PUBLIC_LISTING_READS.max} per ${PUBLIC_LISTING_READS.windowSeconds} seconds per client IP, ` +
      "across businesses (then 429 with Retry-After); members and API keys are not limited. Credentials that are sent are checked as ever: a bad one is a 401, whatever businessId says.",
    access: { scopes: ["read", "ai-agent"], anonymous: true },
    rateLimited: true,
    query: listPropertiesQuery,
    response: propertyListItem,
    paginated: true,
    handler: ({ ctx, query }) => listProperties(ctx, query),
  }),
  POST: operation({
    summary: "Add a property",
    description:
      'priceMin and priceMax are decimal strings ("950000.00") or numbers with at most 2 decimals, answered as ' +
      "strings; priceMax, when given, is at least priceMin (400), and null or left out for a single price. currency " +
      "defaults to USD, status to available. Roles: owner, admin, sales_manager, operations.",
    access: { roles: PROPERTY_MANAGERS, scopes: ["write"] },
    body: createPropertyBody,
    response: property,
    status: 201,
    handler: ({ ctx, body }) => createProperty(ctx, body),
  }),
});
