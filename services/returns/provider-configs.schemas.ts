import { z } from "zod";
import { CONFIG_PROVIDERS } from "../../db/schema";
import { jsonObject, pageQuery, timestamp } from "../../shared/schemas";

/**
 * Request and response shapes of provider configs: a tenant's settings for a call provider
 * (ElevenLabs, Tavus). `configData` is free-form, but its secrets are sealed at rest (the platform's
 * credentials store) and only ever shown masked ("••••abcd", as /api/settings does).
 *
 * Which keys are secrets: a top-level key of `configData` whose name, lowercased with `_` and `-`
 * removed, is or ends with `apikey`, `secret`, `token` or `password` — `apiKey`, `api_key`,
 * `secret`, `token`, `accessToken`, `webhook_secret`, `clientSecret`, `password`. A secret's value
 * must be a string. Secret-named keys nested deeper are refused (400) rather than stored in clear.
 */

/** A provider config's provider: its credential kind. */
const configProvider = z.enum(CONFIG_PROVIDERS);

const SECRET_SUFFIXES = ["apikey", "secret", "token", "password"];
export const isSecretKey = (key: string) => {
  const normalised = key.toLowerCase().replace(/[_-]/g, "");
  return SECRET_SUFFIXES.some((suffix) => normalised.endsWith(suffix));
};

/** Recursive, and safe to be: jsonObject has bounded the depth before this runs. */
function nestedSecretPaths(value: unknown, path: string[]): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => nestedSecretPaths(item, [...path, String(index)]));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, item]) =>
    isSecretKey(key) ? [[...path, key].join(".")] : nestedSecretPaths(item, [...path, key]),
  );
}

const MAX_CONFIG_BYTES = 32 * 1024;

/** `configData` as written: secrets are strings (or null to remove, on PATCH) at the top level. */
function configDataInput(allowNull: boolean) {
  return jsonObject({ maxBytes: MAX_CONFIG_BYTES, key: z.string().min(1).max(100) })
    .superRefine((data, issue) => {
      for (const [key, value] of Object.entries(data)) {
        if (value === null && allowNull) continue;
        if (isSecretKey(key)) {
          if (typeof value !== "string" || value.length === 0 || value.length > 4000) {
            issue.addIssue({ code: "custom", path: [key], message: "A secret must be a string of 1–4000 characters" });
          }
        } else {
          for (const path of nestedSecretPaths(value, [key])) {
            issue.addIssue({
              code: "custom",
              path: path.split("."),
              message: "Secrets (apiKey, secret, token, password…) belong at the top level of configData",
            });
          }
        }
      }
    })
    .describe(
      "Provider settings. Top-level keys named like apiKey, api_key, secret, token, accessToken or password " +
        "are secrets: encrypted at rest, write-only, shown masked.",
    );
}

const configName = z.string().trim().min(1).max(100);

export const createProviderConfigBody = z
  .object({
    provider: configProvider,
    configName,
    configData: configDataInput(false).default({}),
    isActive: z.boolean().default(true),
  })
  .strict();

export const updateProviderConfigBody = z
  .object({
    configName,
    configData: configDataInput(true).describe(
      "Merges key by key: a key left out is kept (secrets included), null removes it.",
    ),
    isActive: z.boolean(),
  })
  .partial()
  .strict()
  .refine((value) => Object.keys(value).length > 0, "Give at least one field to change");

export const listProviderConfigsQuery = pageQuery
  .extend({
    provider: configProvider.optional(),
    isActive: z
      .enum(["true", "false"])
      .transform((value) => value === "true")
      .optional(),
  })
  .strict();

export const providerConfig = z
  .object({
    id: z.uuid(),
    provider: configProvider,
    configName: z.string(),
    configData: z.record(z.string(), z.unknown()).describe("Secrets appear as a masked hint such as ••••abcd"),
    isActive: z.boolean(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: "ProviderConfig" });
