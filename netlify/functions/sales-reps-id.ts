import { SALES_MANAGERS } from "../../services/sales/access";
import { updateRep } from "../../services/sales/reps";
import { salesRep, updateRepBody } from "../../services/sales/reps.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { idParams } from "../../shared/schemas";

export const config: RouteConfig = { path: "/api/reps/:id" };

const update = operation({
  summary: "Set whether a rep takes new prospects",
  description:
    "`{ isActive }`: false and routing rules pass the rep over (the others share the turns); the prospects they " +
    "hold stay theirs. A user who is not a rep of the tenant is 404. PUT is taken as PATCH. Roles: owner, admin, " +
    "sales_manager; API keys with write.",
  access: { roles: SALES_MANAGERS, scopes: ["write"] },
  params: idParams,
  body: updateRepBody,
  response: salesRep,
  handler: ({ ctx, params, body }) => updateRep(ctx, params.id, body),
});

export default route(config, { PUT: update, PATCH: update });
