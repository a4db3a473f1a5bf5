import { and, eq, sql } from "drizzle-orm";
import type { Database } from "../../../db/client";
import { channels } from "../../../db/schema";
import { conflictOn } from "../../../shared/errors";
import { type TokenChange, WHATSAPP_NUMBER_TAKEN, writeTokens } from "../channels";
import { firstNumber } from "./numbers";

type Section = Record<string, unknown> | null | undefined;

/**
 * Spec 003's `PATCH /api/settings` sections as the shortcut to a tenant's first WhatsApp number: the
 * patch's `whatsappConfig` (phoneNumberId, businessAccountId, apiVersion, accessToken, appSecret) and
 * `webhookConfig.verifyToken` are applied to that number's channel as they are to the sections, field by
 * field (a value sets, null clears a secret or the account id, a field left out is kept), in the
 * settings' transaction. A tenant without a number gets one when the patch names a phone number id.
 * Clearing a whole section leaves the number as it is: its conversations keep their channel.
 */
export async function applyWhatsAppSettings(
  tx: Database,
  tenantId: string,
  patch: { whatsappConfig?: Section; webhookConfig?: Section },
): Promise<void> {
  const whatsapp = patch.whatsappConfig ?? {};
  const given = (key: string) => whatsapp[key] as string | null | undefined;
  const phoneNumberId = given("phoneNumberId") ?? undefined;
  const apiVersion = given("apiVersion");
  const fields = {
    ...(phoneNumberId ? { platformSpecificId: phoneNumberId } : {}),
    ...(given("businessAccountId") !== undefined ? { accountId: given("businessAccountId") } : {}),
  };
  const tokens: TokenChange = {
    accessToken: given("accessToken"),
    appSecret: given("appSecret"),
    verifyToken: patch.webhookConfig?.verifyToken as string | null | undefined,
  };

  const existing = await firstNumber(tx, tenantId);
  let channelId = existing?.channelId;
  if (channelId) {
    const metadata =
      apiVersion === undefined
        ? {}
        : { metadata: sql`coalesce(${channels.metadata}, '{}'::jsonb) || ${JSON.stringify({ apiVersion })}::jsonb` };
    await conflictOn(
      tx
        .update(channels)
        .set({ ...fields, ...metadata, updatedAt: sql`now()` })
        .where(and(eq(channels.tenantId, tenantId), eq(channels.id, channelId))),
      WHATSAPP_NUMBER_TAKEN,
    );
  } else if (phoneNumberId) {
    const [created] = await conflictOn(
      tx
        .insert(channels)
        .values({
          tenantId,
          type: "whatsapp",
          name: `WhatsApp ${phoneNumberId}`,
          ...fields,
          metadata: apiVersion ? { apiVersion } : null,
        })
        .returning({ id: channels.id }),
      WHATSAPP_NUMBER_TAKEN,
    );
    channelId = created?.id;
  }
  if (channelId) await writeTokens(tx, tenantId, channelId, tokens);
}
