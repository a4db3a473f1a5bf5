import { createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import { CHANNEL_TYPES, CONVERSATION_STATUSES, contacts } from "../../db/schema";
import { email, httpUrl, isoDateInput, jsonObject, pageQuery, trimmedText } from "../../shared/schemas";
import { withAliases } from "../platform/spec-aliases";

/**
 * Request and response shapes of contacts (spec 003) and of the same rows as spec 002's customers.
 * A contact is one person: a phone number (E.164) and an email unique in the tenant, tags, and one
 * identity per channel that knows them (spec 002's channelId and platformCustomerId).
 */

const E164 = /^\+[1-9]\d{6,14}$/;
/** A phone number in E.164 (+15551234567); spaces, dashes, dots and parentheses are dropped first. */
export const phoneNumber = z
  .string()
  .max(40)
  .transform((value) => value.replace(/[\s\-().]/g, ""))
  .pipe(z.string().regex(E164, "Must be a phone number in E.164 form, such as +15551234567"))
  .describe("E.164, such as +15551234567; spaces, dashes, dots and parentheses are ignored");

const tag = trimmedText(50);
/** Tags as given, each once (the first spelling kept). */
export const tags = z
  .array(tag)
  .max(50)
  .transform((values) => [...new Set(values)])
  .describe("At most 50 tags of at most 50 characters; repeated ones are kept once");

const identity = z
  .object({
    channelId: z.uuid().describe("A channel of the tenant"),
    platformCustomerId: trimmedText(255).describe("The channel's own id for the person; unique per channel"),
  })
  .strict();

const fields = {
  phoneNumber: phoneNumber.nullable().optional(),
  name: trimmedText(200).nullable().optional(),
  email: email.nullable().optional().describe("Unique in the tenant, ignoring case; stored in lower case"),
  avatarUrl: httpUrl.nullable().optional(),
  tags: tags.optional(),
  metadata: jsonObject().nullable().optional(),
  identities: z
    .array(identity)
    .max(20)
    .optional()
    .describe("The channels that know the person, one identity each; on a change, the whole set"),
};
const SPEC_ALIASES = {
  phone: "phoneNumber",
  phone_number: "phoneNumber",
  fullName: "name",
  full_name: "name",
} as const;

/** What a contact is written from, through either view. */
export type ContactInput = z.infer<z.ZodObject<typeof fields>>;

export const createContactBody = withAliases(z.object(fields).strict(), SPEC_ALIASES, "spec 002/003").refine(
  (body) => Boolean(body.phoneNumber || body.email || body.identities?.length),
  "A contact needs a phoneNumber, an email or an identity",
);
export const updateContactBody = withAliases(z.object(fields).strict(), SPEC_ALIASES, "spec 002/003");

/** The filters of the contact list, the customer list and the CSV export. */
const contactFilters = {
  search: trimmedText(200).optional().describe("Part of the name, phone number or email"),
  tag: tag.optional().describe("Contacts carrying this tag"),
  channelId: z.uuid().optional().describe("Contacts with an identity on this channel"),
  createdAfter: isoDateInput.optional().describe("Created at or after this instant"),
  createdBefore: isoDateInput.optional().describe("Created before this instant"),
};
export type ContactFilter = z.infer<z.ZodObject<typeof contactFilters>>;

export const CONTACT_INCLUDES = ["identities", "conversations"] as const;
const include = (allowed: readonly (typeof CONTACT_INCLUDES)[number][]) =>
  z
    .string()
    .max(100)
    .transform((value) => value.split(",").map((part) => part.trim()))
    .pipe(z.array(z.enum(allowed)))
    .optional()
    .describe(`Related rows to add, comma-separated: ${allowed.join(", ")}`);

export const listContactsQuery = pageQuery.extend({ ...contactFilters, include: include(["identities"]) }).strict();
export const getContactQuery = z.object({ include: include(CONTACT_INCLUDES) }).strict();
export const exportContactsQuery = z.object(contactFilters).strict();

const contactIdentity = z
  .object({ id: z.uuid(), channelId: z.uuid(), platformCustomerId: z.string(), createdAt: z.date() })
  .meta({ id: "ContactIdentity" });
const recentConversation = z
  .object({
    id: z.uuid(),
    channelType: z.enum(CHANNEL_TYPES),
    channelId: z.uuid().nullable(),
    subject: z.string().nullable(),
    status: z.enum(CONVERSATION_STATUSES),
    assigneeId: z.uuid().nullable(),
    tags: z.array(z.string()),
    lastMessageAt: z.date().nullable(),
    unreadCount: z.number().int(),
    updatedAt: z.date(),
  })
  .meta({ id: "ContactConversation" });

export const contact = createSelectSchema(contacts, { metadata: z.record(z.string(), z.unknown()).nullable() })
  .omit({ tenantId: true })
  .extend({
    identities: z.array(contactIdentity).optional().describe("With include=identities; oldest first"),
    conversations: z
      .array(recentConversation)
      .optional()
      .describe("With include=conversations: the 10 most recently active"),
  })
  .meta({ id: "Contact" });

/** Spec 002's customer: a contact through its first identity. */
export const customer = z
  .object({
    id: z.uuid(),
    channelId: z.uuid().nullable().describe("The channel of the contact's first identity"),
    platformCustomerId: z.string().nullable(),
    fullName: z.string().nullable(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    avatarUrl: z.string().nullable(),
    firstSeenAt: z.date(),
    lastSeenAt: z.date(),
    metadata: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: "Customer" });

const customerFields = {
  channelId: identity.shape.channelId.optional(),
  platformCustomerId: identity.shape.platformCustomerId.optional(),
  fullName: fields.name,
  email: fields.email,
  phone: fields.phoneNumber,
  avatarUrl: fields.avatarUrl,
  metadata: fields.metadata,
};
const CUSTOMER_ALIASES = { full_name: "fullName", phoneNumber: "phone", phone_number: "phone" } as const;
const bothOrNeither = (body: { channelId?: string; platformCustomerId?: string }) =>
  (body.channelId === undefined) === (body.platformCustomerId === undefined);
const bothOrNeitherMessage = { message: "Give channelId and platformCustomerId together", path: ["channelId"] };

export const createCustomerBody = withAliases(
  z
    .object({
      ...customerFields,
      channelId: identity.shape.channelId,
      platformCustomerId: identity.shape.platformCustomerId,
    })
    .strict(),
  CUSTOMER_ALIASES,
  "spec 002",
);
export const updateCustomerBody = withAliases(z.object(customerFields).strict(), CUSTOMER_ALIASES, "spec 002").refine(
  bothOrNeither,
  bothOrNeitherMessage,
);
export const listCustomersQuery = pageQuery.extend(contactFilters).strict();
