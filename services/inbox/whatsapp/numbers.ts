import { and, asc, eq, inArray, or, type SQL, sql } from "drizzle-orm";
import type { Database } from "../../../db/client";
import { channels, credentials } from "../../../db/schema";
import { openSecret, type SealedField } from "../../../shared/crypto/secrets";
import { unprocessable } from "../../../shared/errors";
import { logError } from "../../../shared/log";
import { correlated } from "../../../shared/pagination";
import { CHANNEL_CREDENTIAL_KIND, verifyTokenHash } from "../channels";

/**
 * A tenant's WhatsApp numbers: inbox channels of type `whatsapp`, each with its phone number id
 * (platformSpecificId), Business Account id (accountId), and in its channel credential the access
 * token, app secret and verify token. Every read joins the credential into the channel's statement.
 */

/** A number as the services that call Graph or check a signature need it; its secrets opened. Never answer it. */
export interface WhatsAppNumber {
  tenantId: string;
  channelId: string;
  phoneNumberId: string;
  businessAccountId: string | null;
  apiVersion: string | null;
  isActive: boolean;
  accessToken: string | undefined;
  /** The number's own app secret; undefined when it uses the deployment's META_APP_SECRET. */
  appSecret: string | undefined;
}

const sealed = correlated(sql<Record<string, SealedField> | null>`(
  select ${credentials.secrets} from ${credentials}
  where ${credentials.tenantId} = ${channels.tenantId} and ${credentials.kind} = ${CHANNEL_CREDENTIAL_KIND}
    and ${credentials.name} = ${channels.id}::text)`);

const columns = {
  tenantId: channels.tenantId,
  channelId: channels.id,
  phoneNumberId: channels.platformSpecificId,
  businessAccountId: channels.accountId,
  apiVersion: sql<string | null>`${channels.metadata}->>'apiVersion'`,
  isActive: channels.isActive,
  sealed,
};

/** A secret of the credential, opened; a secret that does not open is logged and treated as missing. */
function opened(
  secrets: Record<string, SealedField> | null,
  key: string,
  where: { tenantId: string; channelId: string },
) {
  const field = secrets?.[key];
  if (!field) return undefined;
  try {
    return openSecret(field);
  } catch (error) {
    logError({ msg: `whatsapp number: stored ${key} unreadable`, ...where, error });
    return undefined;
  }
}

async function select(db: Database, where: SQL | undefined): Promise<WhatsAppNumber[]> {
  const rows = await db
    .select(columns)
    .from(channels)
    .where(and(eq(channels.type, "whatsapp"), sql`${channels.platformSpecificId} is not null`, where))
    .orderBy(asc(channels.createdAt), asc(channels.id));
  return rows.map(({ sealed: secrets, phoneNumberId, ...row }) => ({
    ...row,
    phoneNumberId: phoneNumberId as string,
    accessToken: opened(secrets, "accessToken", row),
    appSecret: opened(secrets, "appSecret", row),
  }));
}

/** The tenant's numbers, oldest first; only those of these accounts when given. */
export const numbersOfTenant = (db: Database, tenantId: string, accountIds?: string[]) =>
  select(db, and(eq(channels.tenantId, tenantId), accountIds ? inArray(channels.accountId, accountIds) : undefined));

/** The tenant's number on that channel, or undefined when the channel is not one of its WhatsApp numbers. */
export async function numberOfChannel(db: Database, tenantId: string, channelId: string) {
  const [number] = await select(db, and(eq(channels.tenantId, tenantId), eq(channels.id, channelId)));
  return number;
}

/** The tenant's first number (spec 003's single `whatsappConfig`), or undefined. */
export async function firstNumber(db: Database, tenantId: string) {
  const [number] = await numbersOfTenant(db, tenantId);
  return number;
}

/**
 * The numbers, of any tenant, a webhook body names: by phone number id (unique across tenants) or by
 * WhatsApp Business Account id (every number of the account), in one statement. Only the webhook,
 * which does not know the tenant before it has checked the signature, reads across tenants.
 */
export function numbersNamedBy(db: Database, named: { phoneNumberIds: string[]; accountIds: string[] }) {
  const { phoneNumberIds, accountIds } = named;
  if (phoneNumberIds.length === 0 && accountIds.length === 0) return Promise.resolve([]);
  return select(
    db,
    or(
      phoneNumberIds.length ? inArray(channels.platformSpecificId, phoneNumberIds) : undefined,
      accountIds.length ? inArray(channels.accountId, accountIds) : undefined,
    ),
  );
}

/** Whether any WhatsApp number's verify token is this one (compared by hash: no sealed token is opened). */
export async function isChannelVerifyToken(db: Database, token: string): Promise<boolean> {
  const [found] = await db
    .select({ one: sql`1` })
    .from(credentials)
    .where(
      and(
        eq(credentials.kind, CHANNEL_CREDENTIAL_KIND),
        sql`${credentials.data}->>'verifyTokenHash' = ${verifyTokenHash(token)}`,
      ),
    )
    .limit(1);
  return found !== undefined;
}

/** The token of a number about to call Graph; a number without one cannot send (422). */
export function accessOf(number: WhatsAppNumber) {
  if (!number.accessToken) {
    throw unprocessable("The WhatsApp number has no access token: set one (PATCH /api/channels/:id accessToken)");
  }
  return { accessToken: number.accessToken, apiVersion: number.apiVersion };
}
