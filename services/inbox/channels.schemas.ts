import { createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import { CHANNEL_TYPES, channels } from "../../db/schema";
import { anyCaseEnum, booleanQuery, isoDateInput, jsonObject, pageQuery, trimmedText } from "../../shared/schemas";
import { withAliases } from "../platform/spec-aliases";

/**
 * Request and response shapes of connected channels (spec 002's connectedChannels). Inputs are
 * strict and take spec 002's names (platformType, channelName) and upper-case types (WHATSAPP).
 * Tokens are write-only: a read shows a masked hint of each (`••••abcd`), or null when none is stored.
 */

const channelType = anyCaseEnum(CHANNEL_TYPES);

const token = z
  .string()
  .min(1)
  .max(8192)
  .nullable()
  .describe("Write-only: stored sealed; reads show a masked hint. null removes it");

export const listChannelsQuery = withAliases(
  pageQuery.extend({ type: channelType.optional(), isActive: booleanQuery.optional() }).strict(),
  { platformType: "type" },
  "spec 002",
);

const fields = {
  type: channelType,
  platformSpecificId: trimmedText(255)
    .nullable()
    .optional()
    .describe(
      "The platform's own id for it (a WhatsApp phone number id, a Shopify shop); unique per tenant and type, and a " +
        "WhatsApp phone number id across tenants (Meta's webhooks are routed by it)",
    ),
  accountId: trimmedText(255)
    .nullable()
    .optional()
    .describe("The platform account it belongs to: a WhatsApp number's Business Account (WABA) id"),
  name: trimmedText(200),
  accessToken: token.optional(),
  refreshToken: token.optional(),
  appSecret: token
    .optional()
    .describe(
      "WhatsApp: the Meta app secret its webhooks are signed with, when not the deployment's META_APP_SECRET. " +
        "Write-only: stored sealed; reads show a masked hint. null removes it",
    ),
  verifyToken: token
    .optional()
    .describe(
      "WhatsApp: the verify token Meta's webhook verification (GET /api/webhook) may give, beside META_VERIFY_TOKEN. " +
        "Write-only: stored sealed; reads show a masked hint. null removes it",
    ),
  tokenExpiresAt: isoDateInput.nullable().optional(),
  scopes: z.array(trimmedText(200)).max(100).optional().describe("OAuth scopes granted"),
  metadata: jsonObject().nullable().optional().describe("Other platform-specific settings"),
  isActive: z.boolean().optional(),
};
const SPEC_002_NAMES = { platformType: "type", channelName: "name" } as const;

export const createChannelBody = withAliases(z.object(fields).strict(), SPEC_002_NAMES, "spec 002");

export const updateChannelBody = withAliases(
  z
    .object({
      ...fields,
      type: fields.type
        .optional()
        .describe(
          "The channel's type, which cannot change: another than the stored one is a 422 (connect a new channel)",
        ),
      name: fields.name.optional(),
    })
    .strict(),
  SPEC_002_NAMES,
  "spec 002",
);

const tokenHint = z.string().nullable().describe("A masked hint of the stored token (••••abcd), or null when none");

export const channel = createSelectSchema(channels, {
  type: z.enum(CHANNEL_TYPES),
  metadata: z.record(z.string(), z.unknown()).nullable(),
})
  .omit({ tenantId: true })
  .extend({ accessToken: tokenHint, refreshToken: tokenHint, appSecret: tokenHint, verifyToken: tokenHint })
  .meta({ id: "Channel" });
