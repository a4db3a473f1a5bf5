import { createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import { PROPERTY_TYPES, PROSPECT_STATUSES, prospects, SALES_CHANNELS } from "../../db/schema";
import { anyCaseEnum, decimalAmount, decimalText, email, pageQuery, trimmedText } from "../../shared/schemas";
import { phoneNumber } from "../inbox/contacts.schemas";
import { withAliases } from "../platform/spec-aliases";

/**
 * Request and response shapes of prospects (spec 001). Inputs are strict: an unknown field is a 400.
 * Spec 001's clients wrote `assigned_to` and `preferred_channel`; both are taken as aliases.
 */

/** A budget, or a routing rule's bound on one: what numeric(14,2) holds. */
export const budgetAmount = decimalAmount({ integerDigits: 12 });

export const salesChannel = anyCaseEnum(SALES_CHANNELS);
const prospectStatus = anyCaseEnum(PROSPECT_STATUSES);

const SPEC_NAMES = { assigned_to: "assignedTo", preferred_channel: "preferredChannel" } as const;

export const listProspectsQuery = withAliases(
  pageQuery
    .extend({
      status: prospectStatus.optional(),
      city: trimmedText(100).optional().describe("The city, any case"),
      assignedTo: z
        .union([z.literal("none"), z.uuid()])
        .optional()
        .describe('The rep the prospects are assigned to, or "none" for those nobody has'),
      search: trimmedText(200)
        .optional()
        .describe(
          'Words of the name or email, each a prefix ("mari gar" finds Maria Garcia), or a phone number\'s ' +
            'leading digits as typed ("+971 50" finds +971501234567)',
        ),
    })
    .strict(),
  { assigned_to: "assignedTo" },
  "spec 001",
);

/** The fields a caller may write; every one but name may be cleared with null. */
const prospectFields = {
  name: trimmedText(200),
  email: email.nullable().describe("Unique in the tenant, ignoring case; stored in lower case"),
  phone: phoneNumber.nullable(),
  whatsapp: phoneNumber.nullable(),
  budget: budgetAmount.nullable(),
  city: trimmedText(100).nullable(),
  timeline: trimmedText(200).nullable(),
  preferredPropertyType: anyCaseEnum(PROPERTY_TYPES).nullable(),
  bedrooms: z.number().int().min(0).max(100).nullable(),
  status: prospectStatus,
  preferredChannel: salesChannel.nullable(),
  assignedTo: z.uuid().nullable().describe("A user of the tenant with a rep role (sales_rep, sales_manager)"),
};

export const createProspectBody = withAliases(
  z
    .object({
      name: prospectFields.name,
      email: prospectFields.email.optional(),
      phone: prospectFields.phone.optional(),
      whatsapp: prospectFields.whatsapp.optional(),
      budget: prospectFields.budget.optional(),
      city: prospectFields.city.optional(),
      timeline: prospectFields.timeline.optional(),
      preferredPropertyType: prospectFields.preferredPropertyType.optional(),
      bedrooms: prospectFields.bedrooms.optional(),
      status: prospectFields.status.default("new"),
      preferredChannel: prospectFields.preferredChannel.optional(),
      assignedTo: z
        .uuid()
        .optional()
        .describe(
          "A user of the tenant with a rep role, kept as given; left out, routing rules assign one (a sales rep's new prospect is theirs)",
        ),
    })
    .strict(),
  SPEC_NAMES,
  "spec 001",
);
export type ProspectInput = z.infer<typeof createProspectBody>;

export const updateProspectBody = withAliases(
  z.object(prospectFields).partial().strict(),
  SPEC_NAMES,
  "spec 001",
).refine((body) => Object.keys(body).length > 0, "Give at least one field to change");

const MAX_IMPORT = 1000;
export const importProspectsBody = z
  .object({
    prospects: z
      .array(createProspectBody)
      .min(1)
      .max(MAX_IMPORT)
      .describe(`1 to ${MAX_IMPORT} prospects, each as POST /api/prospects takes one`),
  })
  .strict();

export const prospect = createSelectSchema(prospects, {
  budget: decimalText.nullable(),
  assignedTo: (column) => column.describe("The rep working the prospect; null while unassigned"),
  routingRuleId: (column) =>
    column.describe("The routing rule that assigned it (null when a person chose the rep); the rule may since be gone"),
})
  .omit({ tenantId: true, searchVector: true })
  .meta({ id: "Prospect" });

export const importResult = z
  .object({
    created: z.number().int().describe("Prospects added"),
    skipped: z
      .number()
      .int()
      .describe("Prospects not added: their email is the tenant's already, or an earlier one of the request has it"),
    prospects: z
      .array(
        z.object({
          index: z.number().int().describe("Its position in the request's prospects, from 0"),
          id: z.uuid(),
          assignedTo: z.uuid().nullable(),
          routingRuleId: z.uuid().nullable(),
        }),
      )
      .describe("The prospects added, in the request's order"),
    skippedIndexes: z.array(z.number().int()).describe("Positions of the skipped prospects in the request"),
  })
  .meta({ id: "ProspectImportResult" });
