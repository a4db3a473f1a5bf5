import { createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import {
  CAMPAIGN_RUN_STATUSES,
  CAMPAIGN_STATUSES,
  campaignRuns,
  campaigns,
  QUEUED_LEAD_STATUSES,
  SALES_CHANNELS,
} from "../../db/schema";
import { anyCaseEnum, pageQuery, trimmedText } from "../../shared/schemas";

/**
 * Request and response shapes of campaigns and their runs (spec 001). Spec 001's attempts,
 * connect_rate and booked_appointments are answered on every campaign and run but derived from its
 * conversations and the appointments they booked, never written: a body naming them is a 400
 * (unknown field), like any other.
 */

const campaignStatus = anyCaseEnum(CAMPAIGN_STATUSES);

/** Channels to reach the campaign's prospects by; a repeated one counts once. */
const channelList = z
  .array(anyCaseEnum(SALES_CHANNELS))
  .max(SALES_CHANNELS.length * 2)
  .transform((list) => [...new Set(list)])
  .describe(`Any of ${SALES_CHANNELS.join(", ")} (an active campaign needs at least one)`);

export const listCampaignsQuery = pageQuery.extend({ status: campaignStatus.optional() }).strict();

const campaignFields = {
  name: trimmedText(200),
  segment: trimmedText(2000).nullable().describe("Who the campaign is for, in words (spec 001's segment)"),
  channels: channelList,
  maxAttempts: z.number().int().min(1).max(20).describe("Attempts per lead before it is exhausted (1–20)"),
  retryDelayMinutes: z
    .number()
    .int()
    .min(1)
    .max(43_200)
    .describe("Minutes before a lead not reached is tried again (1–43200, 30 days)"),
};

export const createCampaignBody = z
  .object({
    ...campaignFields,
    segment: campaignFields.segment.optional(),
    channels: channelList.default([]),
    maxAttempts: campaignFields.maxAttempts.default(3),
    retryDelayMinutes: campaignFields.retryDelayMinutes.default(60),
    status: anyCaseEnum(["draft", "active"]).default("draft").describe("A campaign starts as a draft or active"),
  })
  .strict();

export const updateCampaignBody = z
  .object({ ...campaignFields, status: campaignStatus })
  .partial()
  .strict()
  .refine((body) => Object.keys(body).length > 0, "Give at least one field to change");

export const listRunsQuery = pageQuery.extend({ status: anyCaseEnum(CAMPAIGN_RUN_STATUSES).optional() }).strict();

export const updateRunBody = z.object({ status: anyCaseEnum(["completed"]).describe("A run only ends") }).strict();

const count = z.number().int().min(0);

/** What a campaign's or a run's conversations came to, derived on every read. */
const outcomeCounts = {
  attempts: count.describe("Its conversations: every attempt that reached a call or a message"),
  connected: count.describe("Those whose outcome reached the person (connected, qualified, appointment_booked, ...)"),
  connectRate: z
    .number()
    .min(0)
    .max(1)
    .describe("connected / attempts, a fraction rounded to 4 decimals; 0 when there are no attempts"),
  bookedAppointments: count.describe("Appointments booked in those conversations"),
};

export const campaign = createSelectSchema(campaigns, {
  status: z.enum(CAMPAIGN_STATUSES),
  channels: z.array(z.enum(SALES_CHANNELS)),
})
  .omit({ tenantId: true })
  .extend({
    ...outcomeCounts,
    leads: z.record(z.enum(QUEUED_LEAD_STATUSES), count).describe("The campaign's queued leads, counted by status"),
  })
  .meta({ id: "Campaign" });

export const campaignRun = createSelectSchema(campaignRuns, { status: z.enum(CAMPAIGN_RUN_STATUSES) })
  .omit({ tenantId: true })
  .extend(outcomeCounts)
  .meta({ id: "CampaignRun" });
