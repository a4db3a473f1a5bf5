import { z } from "zod";
import { windowDays } from "../../shared/schemas";

/** Spec 003's GET /api/analytics/overview: the query and exactly spec 003's answer. */

export const analyticsOverviewQuery = z
  .object({
    days: windowDays,
  })
  .strict();

const count = z.number().int().min(0);

export const analyticsOverview = z
  .object({
    overview: z.object({
      totalMessages: count.describe("Messages in the window, both directions"),
      totalConversations: count.describe("Conversations with at least one message in the window"),
      deliveryRate: z
        .number()
        .min(0)
        .max(100)
        .describe(
          "Percentage, one decimal: outbound messages of the window delivered or read, over those that left " +
            "(sent, delivered, read or failed; queued ones are not counted). 0 when none left",
        ),
      sentToday: count.describe("Outbound messages today (UTC)"),
      sentThisWeek: count.describe("Outbound messages this ISO week: since Monday 00:00 UTC"),
      sentThisMonth: count.describe("Outbound messages this calendar month: since the 1st, 00:00 UTC"),
    }),
    messagesByStatus: z
      .object({ sent: count, delivered: count, read: count, failed: count })
      .describe("Outbound messages of the window by their delivery status now (queued ones left out)"),
    dailyActivity: z
      .array(
        z.object({
          date: z.iso.date(),
          sent: count.describe("Outbound messages that day"),
          received: count.describe("Inbound messages that day"),
        }),
      )
      .describe("Every UTC day of the window, oldest first, zero-filled"),
  })
  .meta({ id: "AnalyticsOverview" });

export type AnalyticsOverview = z.infer<typeof analyticsOverview>;
