import { evaluateReturn } from "../../services/returns/evaluation";
import { evaluateReturnBody, evaluation } from "../../services/returns/evaluation.schemas";
import { confidenceTable } from "../../services/returns/policy-engine";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/ai-policy-helper/evaluate-return" };

export default route(config, {
  POST: operation({
    summary: "Evaluate a return against the tenant's policy",
    description: [
      "For API keys with the `ai-agent` scope only (users are refused). Applies the tenant's active policy, or the",
      "built-in default when none is active. Purchase date, category and order value come from the tenant's order",
      "(matched by `orderId` and the customer's email) when not given; a fact found nowhere is reported as missing,",
      "not as an error. Deterministic: the same policy, facts and day give the same answer.",
      "",
      "**Confidence model.** Every rule that applies yields an outcome and a confidence. Any deny makes the",
      "recommendation `deny` with the strongest deny's confidence; otherwise any review makes it `review`,",
      "otherwise `approve`, with the weakest finding's confidence (start from 1, the lowest doubt wins):",
      "",
      confidenceTable(),
      "",
      "Days since purchase are whole UTC calendar days. `eligible` means every hard condition (window, category,",
      "reason) is known to be met.",
      "",
      "Spec 000's clients may name the key's own business (`businessId` or `business_id`; another business is 404)",
      "and send the fields under the spec's names (`order_id`, `customer_email`, `reason_for_return`, ...).",
    ].join("\n"),
    access: { roles: [], scopes: ["ai-agent"] },
    body: evaluateReturnBody,
    response: evaluation,
    handler: ({ ctx, body }) => evaluateReturn(ctx, body),
  }),
});
