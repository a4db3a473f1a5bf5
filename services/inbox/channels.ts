import { createHash } from "node:crypto";
import { and, eq, exists, type SQL, sql } from "drizzle-orm";
import type { z } from "zod";
import { channels, conversations, credentials } from "../../db/schema";
import { shownColumns } from "../../shared/columns";
import type { ServiceContext } from "../../shared/context";
import type { SealedField } from "../../shared/crypto/secrets";
import { conflict, conflictOn, isForeignKeyViolation, notFound, unprocessable } from "../../shared/errors";
import { correlated, listPage } from "../../shared/pagination";
import { deleteCredential, type Fields, maskedSecrets, saveCredential } from "../platform/credentials";
import type { createChannelBody, listChannelsQuery, updateChannelBody } from "./channels.schemas";

/**
 * Connected channels (spec 002). A channel's access and refresh tokens live in the platform's
 * credentials store (kind `channel`, named by the channel's id), sealed there; every read joins the
 * credential into the channel's own statement and shows each token's masked hint.
 */

export const CHANNEL_CREDENTIAL_KIND = "channel";
const CREDENTIAL_KIND = CHANNEL_CREDENTIAL_KIND;
/** A channel's secrets; a WhatsApp number's also its app secret and webhook verify token. */
const TOKEN_KEYS = ["accessToken", "refreshToken", "appSecret", "verifyToken"] as const;
type TokenKey = (typeof TOKEN_KEYS)[number];

/** The channel's credential's sealed fields, read in the channel's statement (a correlated subquery). */
const storedTokens = correlated(sql<Record<string, SealedField> | null>`(
  select ${credentials.secrets} from ${credentials}
  where ${credentials.tenantId} = ${channels.tenantId} and ${credentials.kind} = ${CREDENTIAL_KIND}
    and ${credentials.name} = ${channels.id}::text)`).as("stored_tokens");

const columns = { ...shownColumns(channels), storedTokens };
type Row = Omit<typeof channels.$inferSelect, "tenantId"> & { storedTokens: Record<string, SealedField> | null };

/** A channel as answered: its tokens replaced by their hints (`written`: those a write just stored). */
function view({ storedTokens, ...row }: Row, written?: Fields) {
  const hints = written ?? maskedSecrets(storedTokens);
  const hint = (key: TokenKey) => (typeof hints[key] === "string" ? hints[key] : null);
  return {
    ...row,
    ...(Object.fromEntries(TOKEN_KEYS.map((key) => [key, hint(key)])) as Record<TokenKey, string | null>),
  };
}

const missing = () => notFound("Channel");
/** The 409 of a WhatsApp phone number id another channel, of any tenant, has: Meta routes webhooks by it. */
export const WHATSAPP_NUMBER_TAKEN = {
  channels_whatsapp_number_key: "This WhatsApp phone number id is already connected",
};
/** The 409 of a platformSpecificId the tenant already has a channel of the type with. */
const DUPLICATE = {
  channels_tenantId_type_platformSpecificId_unique:
    "The tenant already has a channel of this type with this platformSpecificId",
  ...WHATSAPP_NUMBER_TAKEN,
};
const ofTenant = (tenantId: string, id: string): SQL => and(eq(channels.tenantId, tenantId), eq(channels.id, id))!;

/** Newest first; one page, its total and each channel's token hints in one statement. */
export async function listChannels(ctx: ServiceContext, query: z.infer<typeof listChannelsQuery>) {
  const page = await listPage(ctx.db, {
    table: channels,
    columns,
    where: and(
      eq(channels.tenantId, ctx.caller.tenantId),
      query.type ? eq(channels.type, query.type) : undefined,
      query.isActive === undefined ? undefined : eq(channels.isActive, query.isActive),
    ),
    sort: { by: [channels.createdAt, channels.id], direction: "desc" },
    page: query,
  });
  return { ...page, items: page.items.map((row) => view(row)) };
}

export async function getChannel(ctx: ServiceContext, id: string) {
  const [row] = await ctx.db.select(columns).from(channels).where(ofTenant(ctx.caller.tenantId, id));
  if (!row) throw missing();
  return view(row);
}

export type TokenChange = Partial<Record<TokenKey, string | null>>;

/** What finds a channel by its verify token without opening every sealed one: its SHA-256, a plain field. */
export const verifyTokenHash = (token: string) => createHash("sha256").update(token, "utf8").digest("hex");

/**
 * Stores the tokens the write names (a string seals one, null removes it), and beside a verify token
 * its hash; undefined when it names none.
 */
export async function writeTokens(db: ServiceContext["db"], tenantId: string, channelId: string, change: TokenChange) {
  const named = Object.fromEntries(
    TOKEN_KEYS.filter((key) => change[key] !== undefined).map((key) => [key, change[key]]),
  );
  if (Object.keys(named).length === 0) return undefined;
  const { verifyToken } = change;
  if (verifyToken !== undefined) named.verifyTokenHash = verifyToken === null ? null : verifyTokenHash(verifyToken);
  const saved = await saveCredential(db, tenantId, { kind: CREDENTIAL_KIND, name: channelId }, named, TOKEN_KEYS);
  return saved?.data ?? {};
}

const tokensOf = <T extends TokenChange>(input: T) => {
  const { accessToken, refreshToken, appSecret, verifyToken, ...fields } = input;
  return { tokens: { accessToken, refreshToken, appSecret, verifyToken }, fields };
};

/** The channel row and its credential in one transaction. */
export async function createChannel(ctx: ServiceContext, input: z.infer<typeof createChannelBody>) {
  const { tenantId } = ctx.caller;
  const { tokens, fields } = tokensOf(input);
  return conflictOn(
    ctx.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(channels)
        .values({ ...fields, tenantId })
        .returning(shownColumns(channels));
      if (!row) throw new Error("channel insert returned no row");
      const written = await writeTokens(tx, tenantId, row.id, tokens);
      return view({ ...row, storedTokens: null }, written);
    }),
    DUPLICATE,
  );
}

/**
 * The row (returning its stored tokens) and then, when the body names tokens, its credential: one
 * transaction. A channel's type is what its conversations record as theirs, so it never changes: a
 * body may repeat it (spec 002 clients send the whole object), and the UPDATE's WHERE requires it to
 * be the stored one; only when no row is updated does a read tell another type (422) from no channel
 * of the tenant (404).
 */
export async function updateChannel(ctx: ServiceContext, id: string, input: z.infer<typeof updateChannelBody>) {
  const { tenantId } = ctx.caller;
  const { tokens, fields: given } = tokensOf(input);
  const { type, ...fields } = given;
  return conflictOn(
    ctx.db.transaction(async (tx) => {
      const [row] = await tx
        .update(channels)
        .set({ ...fields, updatedAt: sql`now()` })
        .where(and(ofTenant(tenantId, id), type === undefined ? undefined : eq(channels.type, type)))
        .returning(columns);
      if (!row) {
        const [exists] = await tx.select({ id: channels.id }).from(channels).where(ofTenant(tenantId, id));
        throw exists ? unprocessable("A channel's type cannot change; connect a new channel") : missing();
      }
      return view(row, await writeTokens(tx, tenantId, id, tokens));
    }),
    DUPLICATE,
  );
}

/**
 * Deletes a channel and its credential in one transaction. A channel with conversations is kept
 * (409): deleting it would delete their history with it; deactivating it (isActive: false) is how a
 * channel is disconnected. The row is locked while checked, so no conversation starts on it meanwhile.
 */
export async function deleteChannel(ctx: ServiceContext, id: string): Promise<void> {
  const { tenantId } = ctx.caller;
  const hasConversations = exists(
    ctx.db
      .select({ one: sql`1` })
      .from(conversations)
      .where(and(eq(conversations.tenantId, channels.tenantId), eq(conversations.channelId, channels.id))),
  );
  try {
    await ctx.db.transaction(async (tx) => {
      const [found] = await tx
        .select({ hasConversations: sql<boolean>`${hasConversations}` })
        .from(channels)
        .where(ofTenant(tenantId, id))
        .for("update");
      if (!found) throw missing();
      if (found.hasConversations) throw inUse("conversations");
      await tx.delete(channels).where(ofTenant(tenantId, id));
      await deleteCredential(tx, tenantId, { kind: CREDENTIAL_KIND, name: id });
    });
  } catch (error) {
    if (isForeignKeyViolation(error)) throw inUse("orders");
    throw error;
  }
}

const inUse = (what: string) =>
  conflict(`The channel has ${what}, which would lose their channel; deactivate it instead (isActive: false)`);
