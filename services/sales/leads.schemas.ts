import { createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import { CONVERSATION_OUTCOMES, prospects, QUEUED_LEAD_STATUSES, queuedLeads, SALES_CHANNELS } from "../../db/schema";
import { anyCaseEnum, pageQuery } from "../../shared/schemas";

/** Request and response shapes of a campaign's queued leads and the claims that hand them out (spec 001). */

const MAX_QUEUED_AT_ONCE = 1000;
const MAX_CLAIMED_AT_ONCE = 50;

export const listLeadsQuery = pageQuery.extend({ status: anyCaseEnum(QUEUED_LEAD_STATUSES).optional() }).strict();

export const queueLeadsBody = z
  .object({
    prospectIds: z
      .array(z.uuid())
      .min(1)
      .max(MAX_QUEUED_AT_ONCE)
      .describe(`Prospects of the tenant, 1–${MAX_QUEUED_AT_ONCE}; a repeated id counts once`),
  })
  .strict();

export const nextLeadsBody = z
  .object({
    limit: z
      .number()
      .int()
      .min(1)
      .max(MAX_CLAIMED_AT_ONCE)
      .default(10)
      .describe(`At most this many leads (1–${MAX_CLAIMED_AT_ONCE}, default 10)`),
  })
  .strict();

const lead = createSelectSchema(queuedLeads, {
  status: z.enum(QUEUED_LEAD_STATUSES),
  result: z.enum(CONVERSATION_OUTCOMES).nullable().describe("The latest attempt's outcome"),
}).omit({ tenantId: true });

export const queuedLead = lead.extend({ prospectName: z.string() }).meta({ id: "QueuedLead" });

export const queuedLeadsResult = z
  .object({
    queued: z.number().int().min(0).describe("Prospects added to the campaign's queue"),
    skipped: z.number().int().min(0).describe("Prospects already queued in the campaign, left as they were"),
  })
  .meta({ id: "QueuedLeadsResult" });

/** A lead handed to the caller to contact now, with what it takes to reach the prospect. */
export const claimedLead = lead
  .extend({
    attempts: z
      .number()
      .int()
      .describe("The attempt this claim is, counted by it: report it as queuedLeadAttempt with the conversation"),
    prospect: createSelectSchema(prospects, { preferredChannel: z.enum(SALES_CHANNELS).nullable() }).pick({
      name: true,
      email: true,
      phone: true,
      whatsapp: true,
      preferredChannel: true,
    }),
  })
  .meta({ id: "ClaimedLead" });
