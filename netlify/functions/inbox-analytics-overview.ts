import { getAnalyticsOverview } from "../../services/inbox/analytics";
import { analyticsOverview, analyticsOverviewQuery } from "../../services/inbox/analytics.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/analytics/overview" };

export default route(config, {
  GET: operation({
    summary: "Messaging analytics overview",
    description:
      "Spec 003's overview of the tenant's messages over the last `days` UTC days, today included. totalMessages: " +
      "messages of the window, both directions; totalConversations: conversations with a message in it; " +
      "messagesByStatus: the window's outbound messages by their delivery status now (queued ones left out); " +
      "deliveryRate: the percentage (one decimal) of those that left (sent, delivered, read or failed) that were " +
      "delivered or read, 0 when none left. sentToday, sentThisWeek (the ISO week, from Monday 00:00 UTC) and " +
      "sentThisMonth (the calendar month, from the 1st 00:00 UTC) count outbound messages whatever the window. " +
      "dailyActivity: every day of the window, oldest first, zero-filled: outbound (sent) and inbound (received) " +
      "messages by their timestamp.",
    access: { scopes: ["read"] },
    query: analyticsOverviewQuery,
    response: analyticsOverview,
    handler: ({ ctx, query }) => getAnalyticsOverview(ctx, query),
  }),
});
