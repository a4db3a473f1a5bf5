import { and, eq, sql } from "drizzle-orm";
import type { Database } from "../../../db/client";
import { channels, webhookSettings, whatsappSettings } from "../../../db/schema";
import { openCredential } from "../../platform/credentials";
import { writeTokens } from "../channels";
import { firstNumber } from "./numbers";

/**
 * Spec 003's `PATCH /api/settings` sections as the shortcut to a tenant's first WhatsApp number:
 * once the sections are stored, that number's channel is made to match them (created when the tenant
 * has none and the section names a phone number id). `whatsappConfig` gives its phone number id,
 * Business Account id, API version, access token and app secret; `webhookConfig.verifyToken` its
 * verify token. Clearing a section leaves the number as it is: its conversations keep their channel.
 */
export async function applyWhatsAppSettings(tx: Database, tenantId: string): Promise<void> {
  const whatsapp = (await openCredential(tx, tenantId, { kind: whatsappSettings.name }))?.data ?? {};
  const webhook = (await openCredential(tx, tenantId, { kind: webhookSettings.name }))?.data ?? {};
  const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
  const phoneNumberId = text(whatsapp.phoneNumberId);
  const fields = {
    ...(phoneNumberId ? { platformSpecificId: phoneNumberId } : {}),
    ...(text(whatsapp.businessAccountId) ? { accountId: text(whatsapp.businessAccountId) } : {}),
  };
  const apiVersion = text(whatsapp.apiVersion);
  const metadata = apiVersion
    ? sql`coalesce(${channels.metadata}, '{}'::jsonb) || ${JSON.stringify({ apiVersion })}::jsonb`
    : undefined;

  const existing = await firstNumber(tx, tenantId);
  let channelId = existing?.channelId;
  if (channelId) {
    await tx
      .update(channels)
      .set({ ...fields, ...(metadata ? { metadata } : {}), updatedAt: sql`now()` })
      .where(and(eq(channels.tenantId, tenantId), eq(channels.id, channelId)));
  } else if (phoneNumberId) {
    const [created] = await tx
      .insert(channels)
      .values({
        tenantId,
        type: "whatsapp",
        name: `WhatsApp ${phoneNumberId}`,
        ...fields,
        metadata: apiVersion ? { apiVersion } : null,
      })
      .returning({ id: channels.id });
    channelId = created?.id;
  }
  if (!channelId) return;
  await writeTokens(tx, tenantId, channelId, {
    ...(text(whatsapp.accessToken) ? { accessToken: text(whatsapp.accessToken) } : {}),
    ...(text(whatsapp.appSecret) ? { appSecret: text(whatsapp.appSecret) } : {}),
    ...(text(webhook.verifyToken) ? { verifyToken: text(webhook.verifyToken) } : {}),
  });
}
