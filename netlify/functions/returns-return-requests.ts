import { createReturnRequest, listReturnRequests } from "../../services/returns/return-requests";
import {
  createdReturnRequest,
  createReturnRequestBody,
  listReturnRequestsQuery,
  returnRequest,
} from "../../services/returns/return-requests.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = {
  path: "/api/return-requests",
  rateLimit: { windowLimit: 20, windowSize: 60, aggregateBy: ["ip", "domain"] },
};

export default route(config, {
  GET: operation({
    summary: "List the tenant's return requests",
    description:
      "Newest first. Filters: `status` (one, comma-separated, or repeated), `from`/`to` on the creation time, " +
      "`email` (exact, case-insensitive), `q` (substring of order id or email). Items include the AI evaluation and admin notes.",
    access: { scopes: ["read"] },
    query: listReturnRequestsQuery,
    response: returnRequest,
    paginated: true,
    handler: ({ ctx, query }) => listReturnRequests(ctx, query),
  }),
  POST: operation({
    summary: "File a return request (public)",
    description:
      "No account needed. `businessId` (or `business_id`) names the business; an unknown one is 404. The request is " +
      "evaluated against the business's return policy for its staff, and the conversation log is stored with card " +
      "numbers and secrets redacted. The answer is the `publicId` to look the request up with. Rate limited per client IP.",
    access: "public",
    body: createReturnRequestBody,
    response: createdReturnRequest,
    status: 201,
    rateLimited: true,
    handler: ({ ctx, body }) => createReturnRequest(ctx, body),
  }),
});
