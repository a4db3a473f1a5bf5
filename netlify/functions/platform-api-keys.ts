import { createApiKey, listApiKeys } from "../../services/platform/api-keys";
import { apiKey, createApiKeyBody, createdApiKey, listApiKeysQuery } from "../../services/platform/api-keys.schemas";
import { ADMINS } from "../../shared/auth/roles";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/api-keys" };

export default route(config, {
  GET: operation({
    summary: "List API keys",
    access: { roles: ADMINS },
    query: listApiKeysQuery,
    response: apiKey,
    paginated: true,
    handler: ({ ctx, query }) => listApiKeys(ctx, query),
  }),
  POST: operation({
    summary: "Create an API key",
    description: "The key is in this response only. Send it as `x-api-key`; scope `ai-agent` is for AI agents.",
    access: { roles: ADMINS },
    body: createApiKeyBody,
    response: createdApiKey,
    status: 201,
    handler: ({ ctx, body }) => createApiKey(ctx, body),
  }),
});
