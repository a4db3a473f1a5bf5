import { createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import { INTEGRATION_STATUSES, INTEGRATION_TYPES, integrations } from "../../db/schema";
import { anyCaseEnum, isoDateInput, jsonObject, pageQuery, trimmedText } from "../../shared/schemas";

/**
 * Request and response shapes of the business's integrations (spec 001): a CRM, telephony,
 * calendar, messaging or email connection. `config` holds its plain settings; `secrets` (API keys,
 * tokens) are write-only: sealed in the platform's credentials store and answered as masked hints.
 */

const integrationType = anyCaseEnum(INTEGRATION_TYPES);
const integrationStatus = anyCaseEnum(INTEGRATION_STATUSES);

export const listIntegrationsQuery = pageQuery
  .extend({ type: integrationType.optional(), status: integrationStatus.optional() })
  .strict();

const MAX_SECRETS = 20;
const secretName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_.-]{0,99}$/, "A name such as apiKey or client_secret (letters, digits, _ . -)");
const secretValue = z.string().min(1).max(4000);

/** The secrets of a write: `value` is what a key may be given (a string; on a change, null too). */
const secretsOf = <V extends z.ZodType>(value: V) =>
  z
    .record(secretName, value)
    .refine((secrets) => Object.keys(secrets).length <= MAX_SECRETS, `At most ${MAX_SECRETS} secrets`);

const fields = {
  name: trimmedText(100).describe("Unique in the business"),
  type: integrationType,
  status: integrationStatus,
  lastSync: isoDateInput.nullable().describe("When it last synchronised; null for never"),
  config: jsonObject({ maxBytes: 16 * 1024, key: z.string().min(1).max(100) }).describe(
    "Plain settings (an account id, a calendar name), at most 16 KB of JSON; never secrets: those go in `secrets`",
  ),
};

/** A change of secrets merges key by key; null removes them all. */
const secretsChange = secretsOf(secretValue.nullable())
  .nullable()
  .describe(
    "Write-only, sealed at rest, answered as masked hints. Merges key by key: a key left out is kept, a string " +
      "replaces it, null removes it; `secrets: null` removes them all",
  );

/**
 * POST /api/integrations: spec 001's "create/update integration", by name. Creating needs `type`;
 * updating changes only the fields given, as PATCH does.
 */
export const saveIntegrationBody = z
  .object({
    name: fields.name,
    type: fields.type.optional().describe("Required when the name is new"),
    status: fields.status.optional().describe("disconnected when created without one"),
    lastSync: fields.lastSync.optional(),
    config: fields.config.optional().describe(`${fields.config.description} Replaces the stored settings when given`),
    secrets: secretsChange.optional(),
  })
  .strict();

export const updateIntegrationBody = z
  .object({
    ...fields,
    config: fields.config.describe(`${fields.config.description} Replaces the stored settings`),
    secrets: secretsChange,
  })
  .partial()
  .strict()
  .refine((body) => Object.keys(body).length > 0, "Give at least one field to change");

export const integration = createSelectSchema(integrations, {
  type: z.enum(INTEGRATION_TYPES),
  status: z.enum(INTEGRATION_STATUSES),
  config: z.record(z.string(), z.unknown()),
})
  .omit({ tenantId: true })
  .extend({
    secrets: z
      .record(z.string(), z.string())
      .describe("Each stored secret's name with a masked hint of its value (••••abcd); never the value"),
  })
  .meta({ id: "Integration" });
