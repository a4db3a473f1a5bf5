import { getOverview } from "../../services/voice/calls";
import { callOverview, overviewQuery } from "../../services/voice/calls.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/dashboard/overview" };

export default route(config, {
  GET: operation({
    summary: "The receptionist dashboard's figures",
    description:
      "Calls that started in the last `days` UTC days (today included), for all agents or one: calls per day " +
      "(every day, zero-filled), totals and averages of duration and cost, the success rate over analysed calls, " +
      "user sentiment and disconnection reasons.",
    access: { scopes: ["read"] },
    query: overviewQuery,
    response: callOverview,
    handler: ({ ctx, query }) => getOverview(ctx, query),
  }),
});
