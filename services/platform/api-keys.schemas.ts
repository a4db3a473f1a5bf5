import { createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import { API_KEY_SCOPES, apiKeys } from "../../db/schema";
import { isoDateInput, pageQuery } from "../../shared/schemas";

/** Request and response shapes of the tenant's API keys; the OpenAPI document is built from them. */

const scope = z.enum(API_KEY_SCOPES);

export const createApiKeyBody = z.object({
  name: z.string().trim().min(1).max(100),
  scopes: z
    .array(scope)
    .min(1)
    .max(10)
    .transform((scopes) => [...new Set(scopes)]),
  expiresAt: isoDateInput.refine((date) => date.getTime() > Date.now(), "expiresAt must be in the future").optional(),
});

/** A key as lists show it: never its hash. */
export const apiKey = createSelectSchema(apiKeys, {
  prefix: (column) => column.describe("The key's first characters, to tell keys apart"),
  scopes: z.array(scope),
})
  .omit({ tenantId: true, keyHash: true })
  .meta({ id: "ApiKey" });

export const createdApiKey = apiKey
  .extend({ key: z.string().describe("The full key. It is shown only in this response; store it now.") })
  .meta({ id: "CreatedApiKey" });

export const listApiKeysQuery = pageQuery.extend({
  includeRevoked: z.stringbool().default(false),
});
