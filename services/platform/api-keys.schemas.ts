import { z } from "zod";
import { API_KEY_SCOPES } from "../../db/schema";
import { pageQuery } from "../../shared/schemas";

/** Request and response shapes of the tenant's API keys; the OpenAPI document is built from them. */

export const scope = z.enum(API_KEY_SCOPES);

export const createApiKeyBody = z.object({
  name: z.string().trim().min(1).max(100),
  scopes: z
    .array(scope)
    .min(1)
    .max(10)
    .transform((scopes) => [...new Set(scopes)]),
  expiresAt: z.coerce
    .date()
    .refine((date) => date.getTime() > Date.now(), "expiresAt must be in the future")
    .optional(),
});

export const apiKey = z
  .object({
    id: z.uuid(),
    name: z.string(),
    prefix: z.string().describe("The key's first characters, to tell keys apart"),
    scopes: z.array(scope),
    createdBy: z.uuid().nullable(),
    lastUsedAt: z.date().nullable(),
    expiresAt: z.date().nullable(),
    revokedAt: z.date().nullable(),
    createdAt: z.date(),
  })
  .meta({ id: "ApiKey" });

export const createdApiKey = apiKey
  .extend({ key: z.string().describe("The full key. It is shown only in this response; store it now.") })
  .meta({ id: "CreatedApiKey" });

export const listApiKeysQuery = pageQuery.extend({
  includeRevoked: z.stringbool().default(false),
});
