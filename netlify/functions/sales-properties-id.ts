import { PROPERTY_MANAGERS } from "../../services/sales/access";
import { deleteProperty, getProperty, updateProperty } from "../../services/sales/properties";
import { property, updatePropertyBody } from "../../services/sales/properties.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { idParams } from "../../shared/schemas";

export const config: RouteConfig = { path: "/api/properties/:id" };

const update = operation({
  summary: "Change a property",
  description:
    "Only the fields given change (PUT is taken as PATCH, as spec 001's clients send partial bodies); null clears " +
    "an optional field (priceMax, imageUrl, description). priceMax below priceMin is a 400 when both are given, and " +
    "a 422 when only one is given and it would cross the stored other end. Roles: owner, admin, sales_manager, operations.",
  access: { roles: PROPERTY_MANAGERS, scopes: ["write"] },
  params: idParams,
  body: updatePropertyBody,
  response: property,
  handler: ({ ctx, params, body }) => updateProperty(ctx, params.id, body),
});

export default route(config, {
  GET: operation({
    summary: "One property",
    description: "Any member of the tenant, and API keys with the read or ai-agent scope.",
    access: { scopes: ["read", "ai-agent"] },
    params: idParams,
    response: property,
    handler: ({ ctx, params }) => getProperty(ctx, params.id),
  }),
  PUT: update,
  PATCH: update,
  DELETE: operation({
    summary: "Delete a property",
    description:
      "A property appointments refer to is kept (409): set its status to sold or reserved instead. " +
      "Roles: owner, admin, sales_manager, operations.",
    access: { roles: PROPERTY_MANAGERS, scopes: ["write"] },
    params: idParams,
    status: 204,
    handler: ({ ctx, params }) => deleteProperty(ctx, params.id),
  }),
});
