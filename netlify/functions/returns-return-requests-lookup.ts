import { lookupReturnRequest } from "../../services/returns/return-requests";
import { lookupReturnRequestBody, publicReturnRequest } from "../../services/returns/return-requests.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = {
  path: "/api/return-requests/lookup",
  rateLimit: { windowLimit: 30, windowSize: 60, aggregateBy: ["ip", "domain"] },
};

export default route(config, {
  POST: operation({
    summary: "Look up a return request's status (public)",
    description:
      "By the `publicId` given on filing and the customer's email, in the body so the email stays out of URLs and logs. " +
      "Answers only what the customer may see. A wrong email is the same 404 as an unknown id. Rate limited per client IP.",
    access: "public",
    body: lookupReturnRequestBody,
    response: publicReturnRequest,
    rateLimited: true,
    handler: ({ ctx, body }) => lookupReturnRequest(ctx, body),
  }),
});
