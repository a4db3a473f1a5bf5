import { createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import { CHAT_SENDERS, RECOMMENDATIONS, RETURN_STATUSES, returnRequests } from "../../db/schema";
import { httpUrl, isoDateInput, pageQuery, serialId } from "../../shared/schemas";
import { withAliases } from "../platform/spec-aliases";
import { BUSINESS_ALIAS, ownBusinessFields } from "./business.schemas";
import { REASON_CODES, RESOLUTIONS } from "./policy-rules.schemas";

/** Request and response shapes of the return requests (spec 000); the OpenAPI document is built from them. */

const text = (max: number) => z.string().trim().min(1).max(max);
const customerEmail = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email())
  .transform((value) => value.toLowerCase());
const evidenceUrl = httpUrl.describe("An http(s) URL of a photo or file");

/** `customer` and `assistant` are accepted as the chat's `user` and `agent`. */
const SENDER_ALIASES: Record<string, (typeof CHAT_SENDERS)[number]> = {
  user: "user",
  customer: "user",
  agent: "agent",
  assistant: "agent",
  ai: "agent",
  staff: "agent",
  system: "system",
};
const sender = z
  .enum(Object.keys(SENDER_ALIASES) as [string, ...string[]])
  .transform((value) => SENDER_ALIASES[value] as (typeof CHAT_SENDERS)[number]);

const conversationEntry = z
  .object({
    role: sender.optional(),
    sender: sender.optional(),
    message: z.string().max(4000),
    at: isoDateInput.optional(),
  })
  .strict()
  .refine((entry) => entry.role !== undefined || entry.sender !== undefined, "Give role or sender")
  .transform(({ role, sender: from, message, at }) => ({
    sender: (from ?? role) as (typeof CHAT_SENDERS)[number],
    message,
    ...(at ? { at: at.toISOString() } : {}),
  }));

const MAX_EVIDENCE_URLS = 10;
const MAX_CONVERSATION_ENTRIES = 200;

/** The public filing: `businessId` names the business (required, under either name), spec 000's field names accepted. */
export const createReturnRequestBody = withAliases(
  z
    .object({
      businessId: z.uuid().optional().describe("The business (tenant) the return is filed with"),
      business_id: z.uuid().optional().describe("Alias of businessId (spec 000's name)"),
      orderId: text(100),
      customerEmail,
      reasonForReturn: z.enum(REASON_CODES),
      reasonDetails: text(2000).optional().describe("The customer's own words"),
      productCategory: text(100).optional(),
      purchaseDate: isoDateInput.optional(),
      requestedResolution: z.enum(RESOLUTIONS).optional(),
      evidenceUrls: z.array(evidenceUrl).max(MAX_EVIDENCE_URLS).optional(),
      conversationLog: z
        .array(conversationEntry)
        .max(MAX_CONVERSATION_ENTRIES)
        .optional()
        .describe("The chat that led to the request; card numbers and secrets are redacted before storage"),
    })
    .strict(),
  { ...BUSINESS_ALIAS, order_id: "orderId", customer_email: "customerEmail", reason_for_return: "reasonForReturn" },
  "spec 000",
)
  .refine((value) => value.businessId !== undefined, { path: ["businessId"], message: "businessId is required" })
  .transform(({ businessId, business_id: _renamed, ...rest }) => ({ ...rest, tenantId: businessId as string }));
export type CreateReturnRequestInput = z.output<typeof createReturnRequestBody>;

/** Everything staff see of a request: its row without the tenant (drizzle-zod), enum columns and jsonb typed. */
export const returnRequest = createSelectSchema(returnRequests, {
  status: z.enum(RETURN_STATUSES),
  conversationLog: z
    .array(z.object({ sender: z.enum(CHAT_SENDERS), message: z.string(), at: z.string().optional() }))
    .nullable(),
  aiRecommendation: z.enum(RECOMMENDATIONS).nullable(),
  // double precision: drizzle-zod would document ±2^47 bounds instead of the 0–1 the CHECK keeps.
  aiConfidenceScore: z.number().min(0).max(1).nullable(),
  aiEvaluation: z.unknown().describe("The policy evaluation made when the request was filed (ReturnEvaluation)"),
})
  .omit({ tenantId: true })
  .meta({ id: "ReturnRequest" });

/** What the customer is told on creation: never the internal recommendation. */
export const createdReturnRequest = returnRequest
  .pick({ publicId: true, status: true, createdAt: true })
  .extend({ publicId: returnRequest.shape.publicId.describe("Quote this with your email to look the request up") })
  .meta({ id: "CreatedReturnRequest" });

/** What a customer may see of their request. */
export const publicReturnRequest = returnRequest
  .pick({ publicId: true, status: true, orderId: true, reasonForReturn: true, createdAt: true, updatedAt: true })
  .meta({ id: "PublicReturnRequest" });

export const lookupReturnRequestBody = z
  .object({ publicId: z.uuid(), customerEmail })
  .strict()
  .describe("Sent as a body, not a query, so the email never lands in URLs or logs");

const statuses = z
  .preprocess(
    (value) => (typeof value === "string" ? value.split(",").map((part) => part.trim()) : value),
    z.array(z.enum(RETURN_STATUSES)).min(1).max(RETURN_STATUSES.length),
  )
  .describe("One status, several comma-separated, or the parameter repeated");

export const listReturnRequestsQuery = withAliases(
  pageQuery.extend({
    status: statuses.optional(),
    from: isoDateInput.optional().describe("Created at or after (ISO 8601)"),
    to: isoDateInput.optional().describe("Created at or before (ISO 8601); a bare date means that day's start"),
    email: customerEmail.optional().describe("The customer's email, exactly (case-insensitive)"),
    q: text(200).optional().describe("Searches order id and customer email (substring)"),
    ...ownBusinessFields,
  }),
  BUSINESS_ALIAS,
  "spec 000",
);
export type ListReturnRequestsQuery = z.output<typeof listReturnRequestsQuery>;

export const returnRequestIdParams = z.object({
  id: serialId.describe("The request's id (not its publicId)"),
});

export const updateReturnStatusBody = withAliases(
  z
    .object({
      status: z.enum(RETURN_STATUSES),
      adminNotes: z.string().trim().max(5000).nullable().optional().describe("Replaces the notes; null clears them"),
    })
    .strict(),
  { admin_notes: "adminNotes" },
  "spec 000",
);
export type UpdateReturnStatusInput = z.output<typeof updateReturnStatusBody>;
