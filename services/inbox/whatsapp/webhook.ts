import { createHash, timingSafeEqual } from "node:crypto";
import { and, eq, inArray, ne, or, sql } from "drizzle-orm";
import type { z } from "zod";
import type { Database } from "../../../db/client";
import {
  type ContentType,
  contactIdentities,
  contacts,
  conversations,
  messages,
  TEMPLATE_CATEGORIES,
  type WebhookEventStatus,
  webhookEvents,
  whatsappTemplates,
} from "../../../db/schema";
import { verifyMetaSignature } from "../../../shared/clients/whatsapp";
import { shownColumns } from "../../../shared/columns";
import { forbidden, unauthorized } from "../../../shared/errors";
import { appendEvents } from "../../platform/events";
import { describeError } from "../../platform/jobs";
import { activeConversationOf, insertConversation } from "../conversations";
import { appendMessageOnce, type DeliveryReport, recordDeliveryReport } from "../messages";
import { isChannelVerifyToken, numbersNamedBy, type WhatsAppNumber } from "./numbers";
import { templateReason } from "./templates";
import {
  type InboundMessage,
  type MessageStatus,
  messagesValue,
  templateCategoryValue,
  templateQualityValue,
  templateStatusValue,
  type verifyWebhookQuery,
  type WhatsAppWebhookBody,
  whatsappWebhookBody,
} from "./webhook.schemas";

/**
 * Meta's WhatsApp webhook (GET/POST /api/webhook). A POST is verified, stored as received
 * (`webhook_events`) and answered at once; `processWebhookEvent` then applies it, after the answer
 * and again from the `webhook-retry` job when it failed or never ran. Processing is idempotent and
 * order-independent: one message per wamid (the database's unique key), statuses only move forward
 * (services/inbox/messages.ts), so a redelivery, two deliveries at once or any arrival order end in
 * the same rows.
 *
 * Whose event it is. A `messages` change names its number by `metadata.phone_number_id`; any other
 * change (template status, quality and category updates) is the entry's WhatsApp Business Account
 * (WABA), so it concerns every number of that account. A number's secret is its own app secret,
 * else the deployment's META_APP_SECRET. A body reaches a tenant only when its `X-Hub-Signature-256`
 * verifies under the secret of every number of the tenant its `messages` changes name, and of at
 * least one of the tenant's numbers in each account its other changes name: so a change reaches a
 * number only when the signature verifies under that number's secret (an account's, under one of its
 * numbers'), and one tenant's app secret cannot forge events for another tenant's number. A tenant
 * any change of which fails that is not reached at all. The tenants reached are recorded on the
 * event (`tenantIds`), and processing applies the body to their numbers only. A body that concerns
 * no number of any tenant, signed with META_APP_SECRET or with the secret of a number in one of its
 * entries' accounts (a tenant's own Meta app, whose number was deleted), is kept as `unroutable`
 * (answered 200, so Meta does not retry it forever); any other body that reaches no tenant is a
 * 401, nothing stored.
 *
 * The signature is checked over the raw text before the body is judged: a signed body is never
 * refused for what it says (Meta would retry it forever and the customer's message would be lost).
 * Text Postgres cannot store (NUL, lone surrogates) is replaced when the body is read, and a body
 * that is not JSON or not Meta's envelope, signed with META_APP_SECRET (no number to take another
 * secret from), is kept as `failed` with the reason and not retried.
 */

export const WEBHOOK_PROVIDER = "whatsapp";
const PROVIDER = eq(webhookEvents.provider, WEBHOOK_PROVIDER);

/**
 * An event is processed this many times at most (its first processing included; each counts as it
 * starts, so one that crashes the function counts too), then kept as it is for someone to look at.
 * At one retry every 5 minutes, a failing event is given about 20 minutes.
 */
export const WEBHOOK_MAX_ATTEMPTS = 5;

/**
 * How long a status for a wamid the channel does not have is waited for: the send that stores the
 * wamid may finish after Meta's first status (seconds, rarely more). An event older than this takes
 * such a status for a message another tool sent on the number (Meta reports those too) and ignores
 * it: the event is `processed`, with a note saying so in `lastError`.
 */
const UNMATCHED_STATUS_WAIT = "10 minutes";

/** The deployment's secrets; unset (or empty) means none. */
const deploymentSecret = (name: "META_APP_SECRET" | "META_VERIFY_TOKEN") => process.env[name] || undefined;

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();
/** Compares two secrets in constant time (hashed first, so their lengths do not show either). */
const sameSecret = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

/**
 * GET /api/webhook: Meta's subscription check. Answers the challenge when the mode is `subscribe`
 * and the verify token is META_VERIFY_TOKEN or a WhatsApp channel's; anything else is a 403.
 */
export async function verifyWebhookSubscription(db: Database, query: z.infer<typeof verifyWebhookQuery>) {
  const token = query["hub.verify_token"];
  const deployment = deploymentSecret("META_VERIFY_TOKEN");
  const known =
    query["hub.mode"] === "subscribe" &&
    ((deployment !== undefined && sameSecret(token, deployment)) || (await isChannelVerifyToken(db, token)));
  if (!known) throw forbidden("The verify token does not match, or the mode is not subscribe");
  return query["hub.challenge"];
}

/** The field of message and status changes; every other field is routed by the entry's WABA id. */
const MESSAGES_FIELD = "messages";

/**
 * The phone number ids a body's `messages` changes name, and its entries' WABA ids: routing reads
 * the first for `messages` changes and the second for the others; the numbers of an entry's account
 * also vouch for a `messages` change to a number no tenant has (unroutable).
 */
function namedIn(body: WhatsAppWebhookBody) {
  const phoneNumberIds = new Set<string>();
  const accountIds = new Set<string>();
  for (const entry of body.entry) {
    accountIds.add(entry.id);
    for (const change of entry.changes) {
      if (change.field === MESSAGES_FIELD && change.value.metadata) {
        phoneNumberIds.add(change.value.metadata.phone_number_id);
      }
    }
  }
  return { phoneNumberIds: [...phoneNumberIds], accountIds: [...accountIds] };
}

/** The numbers a body names, each once (a number may be named by its id and by its account). */
async function numbersNamedIn(db: Database, body: WhatsAppWebhookBody): Promise<WhatsAppNumber[]> {
  return numbersNamedBy(db, namedIn(body));
}

// ---- Reading a body ----

/** Meta's template ids are JSON numbers that can exceed 2^53: quoted before parsing, so no digit is lost. */
const TEMPLATE_ID_NUMBER = /("message_template_id"\s*:\s*)(\d+)(?=\s*[,}\]])/g;
const LONE_SURROGATE = /\p{Cs}/gu;

/**
 * Text Postgres can store: NUL (which no text or jsonb column takes) and lone surrogates (not
 * Unicode; jsonb refuses them) become U+FFFD. (String.prototype.toWellFormed is in Node 20, but
 * not in the ES2023 lib this project compiles against.)
 */
const storable = (text: string) => text.replaceAll("\u0000", "\uFFFD").replace(LONE_SURROGATE, "\uFFFD");

/** A key a later copy by assignment would turn into the object's prototype. */
const PROTOTYPE_KEY = "__proto__";

/**
 * Makes every string and key of a parsed JSON value storable, and drops `__proto__` keys; in place,
 * with an explicit stack, so no nesting overflows it (JSON.parse itself does not recurse).
 */
function storableJson(root: unknown): unknown {
  const holder: Record<string, unknown> = { root };
  const stack = [holder];
  for (let node = stack.pop(); node; node = stack.pop()) {
    for (const key of Object.keys(node)) {
      const value = node[key];
      const clean = key === PROTOTYPE_KEY ? undefined : storable(key);
      if (clean !== key) delete node[key];
      if (clean === undefined) continue;
      if (typeof value === "string") node[clean] = storable(value);
      else if (clean !== key) node[clean] = value;
      if (typeof value === "object" && value !== null) stack.push(value as Record<string, unknown>);
    }
  }
  return holder.root;
}

/**
 * A stored (or just received) body as routing and processing read it: parsed with its template
 * ids exact, its text storable, its envelope checked. Throws the reason when it is not JSON or not
 * Meta's envelope.
 */
function readBody(rawBody: string): WhatsAppWebhookBody {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.replace(TEMPLATE_ID_NUMBER, '$1"$2"'));
  } catch {
    throw new Error("body: not valid JSON");
  }
  return parsed(whatsappWebhookBody, storableJson(json), "body");
}

/** The changes of a body that concern one tenant: its numbers' `messages` changes and its accounts' other changes. */
interface TenantWork {
  messageChanges: { number: WhatsAppNumber; value: unknown; where: string }[];
  /** `numbers`: the tenant's numbers in the account. */
  accountChanges: {
    businessAccountId: string;
    numbers: WhatsAppNumber[];
    field: string;
    value: unknown;
    where: string;
  }[];
}

/** The changes of a body by the tenant they concern; a change no number of `numbers` has is in none. */
function workByTenant(body: WhatsAppWebhookBody, numbers: WhatsAppNumber[]): Map<string, TenantWork> {
  const work = new Map<string, TenantWork>();
  const of = (tenantId: string) => {
    const tenant = work.get(tenantId) ?? { messageChanges: [], accountChanges: [] };
    work.set(tenantId, tenant);
    return tenant;
  };
  for (const [e, entry] of body.entry.entries()) {
    for (const [c, change] of entry.changes.entries()) {
      const where = `entry ${e} change ${c} (${change.field})`;
      if (change.field === MESSAGES_FIELD) {
        const phoneNumberId = change.value.metadata?.phone_number_id;
        const number = numbers.find((candidate) => candidate.phoneNumberId === phoneNumberId);
        if (number) of(number.tenantId).messageChanges.push({ number, value: change.value, where });
        continue;
      }
      const inAccount = numbers.filter((number) => number.businessAccountId === entry.id);
      for (const tenantId of new Set(inAccount.map((number) => number.tenantId))) {
        of(tenantId).accountChanges.push({
          businessAccountId: entry.id,
          numbers: inAccount.filter((number) => number.tenantId === tenantId),
          field: change.field,
          value: change.value,
          where,
        });
      }
    }
  }
  return work;
}

/**
 * POST /api/webhook: verifies the signature, stores the raw event and says what to process (see the
 * rule above). `rawBody` is the body as received (and signed); the route has not parsed it.
 */
export async function receiveWebhook(
  db: Database,
  input: { rawBody: string; signature: string | null },
): Promise<{ eventId: string; status: WebhookEventStatus }> {
  const { rawBody, signature } = input;
  if (!signature) throw unauthorized("Missing X-Hub-Signature-256 header");
  const deployment = deploymentSecret("META_APP_SECRET");
  const verdicts = new Map<string, boolean>();
  const verifies = (secret: string | undefined) => {
    if (secret === undefined) return false;
    let verdict = verdicts.get(secret);
    if (verdict === undefined) {
      verdict = verifyMetaSignature(rawBody, secret, signature);
      verdicts.set(secret, verdict);
    }
    return verdict;
  };

  const refused = () =>
    unauthorized("The X-Hub-Signature-256 does not match this body under the app secret of its numbers");
  // Stored as received; only a body that is not JSON can hold a raw NUL, which no text column takes.
  const store = async (
    event: Pick<typeof webhookEvents.$inferInsert, "status" | "tenantIds" | "attempts" | "lastError">,
  ) => {
    const [row] = await db
      .insert(webhookEvents)
      .values({ provider: WEBHOOK_PROVIDER, rawBody: storable(rawBody), ...event })
      .returning({ id: webhookEvents.id });
    if (!row) throw new Error("webhook event insert returned no row");
    return { eventId: row.id, status: event.status as WebhookEventStatus };
  };

  let body: WhatsAppWebhookBody;
  try {
    body = readBody(rawBody);
  } catch (problem) {
    // No number to take a secret from: only the deployment's vouches for it. Nothing will ever read
    // it, so it is kept out of attempts rather than retried.
    if (!verifies(deployment)) throw refused();
    return store({
      status: "failed",
      tenantIds: [],
      attempts: WEBHOOK_MAX_ATTEMPTS,
      lastError: describeError(problem),
    });
  }

  const signedFor = (number: WhatsAppNumber) => verifies(number.appSecret ?? deployment);
  const numbers = await numbersNamedIn(db, body);
  const work = workByTenant(body, numbers);
  const tenantIds = [...work]
    .filter(
      ([, changes]) =>
        changes.messageChanges.every((change) => signedFor(change.number)) &&
        changes.accountChanges.every((change) => change.numbers.some(signedFor)),
    )
    .map(([tenantId]) => tenantId);
  if (tenantIds.length > 0) return store({ status: "pending", tenantIds });
  // Reaching no number, `numbers` are those of the body's accounts only.
  if (work.size === 0 && (verifies(deployment) || numbers.some(signedFor))) {
    return store({ status: "unroutable", tenantIds: [] });
  }
  throw refused();
}

// ---- Processing ----

/** Parses a part of a stored body; a mismatch names where and why (never the values) for `lastError`. */
function parsed<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  throw new Error(`${where}: ${[...(issue?.path ?? [])].join(".") || "value"} ${issue?.message ?? "is invalid"}`);
}

/** What processing one tenant's part came to. */
interface TenantOutcome {
  /** Statuses for messages the channel does not have yet (a status can overtake the send that stores its wamid). */
  unknownStatuses: number;
}

/** What one event's processing came to (undefined: no such event). A processed event's `lastError` may hold a note. */
interface ProcessOutcome {
  status: WebhookEventStatus;
  tenantIds: string[];
  error: string | null;
}

/**
 * Applies a stored event, once per tenant it reached, each tenant in one transaction; then marks it
 * `processed`, or `failed` with a short reason (a tenant's error, a change that does not parse, or a
 * status for a message not stored yet) for `webhook-retry`. The attempt is counted as the event is
 * claimed, before any work. Already processed or unroutable events are left as they are. Safe to
 * run twice, at once or later: everything it writes is idempotent.
 */
export async function processWebhookEvent(db: Database, eventId: string): Promise<ProcessOutcome | undefined> {
  const thisEvent = and(eq(webhookEvents.id, eventId), PROVIDER);
  const [event] = await db
    .update(webhookEvents)
    .set({ attempts: sql`${webhookEvents.attempts} + 1`, updatedAt: sql`now()` })
    .where(and(thisEvent, inArray(webhookEvents.status, ["pending", "failed"])))
    .returning({
      rawBody: webhookEvents.rawBody,
      tenantIds: webhookEvents.tenantIds,
      waited: sql<boolean>`${webhookEvents.receivedAt} < now() - ${UNMATCHED_STATUS_WAIT}::interval`,
    });
  if (!event) {
    const [done] = await db
      .select({ status: webhookEvents.status, tenantIds: webhookEvents.tenantIds })
      .from(webhookEvents)
      .where(thisEvent);
    return done && { status: done.status, tenantIds: done.tenantIds, error: null };
  }

  const reached = new Set(event.tenantIds);
  const processed: string[] = [];
  let error: string | null = null;
  let note: string | null = null;
  try {
    const body = readBody(event.rawBody);
    const numbers = (await numbersNamedIn(db, body)).filter((number) => reached.has(number.tenantId));
    let unknownStatuses = 0;
    for (const [tenantId, work] of workByTenant(body, numbers)) {
      try {
        const outcome = await db.transaction((tx) => applyTenantWork(tx, tenantId, work));
        unknownStatuses += outcome.unknownStatuses;
        processed.push(tenantId);
      } catch (failure) {
        error ??= describeError(failure);
      }
    }
    if (error === null && unknownStatuses > 0) {
      if (event.waited) note = `${unknownStatuses} status(es) for messages Frontdesk does not have; ignored`;
      else error = `${unknownStatuses} status(es) for messages not stored yet; retried later`;
    }
  } catch (failure) {
    error = describeError(failure);
  }

  if (error === null) {
    await db
      .update(webhookEvents)
      .set({
        status: "processed",
        processedAt: sql`now()`,
        tenantIds: processed,
        lastError: note,
        updatedAt: sql`now()`,
      })
      .where(thisEvent);
    return { status: "processed", tenantIds: processed, error };
  }
  // A run that succeeded meanwhile (the request's own and the retry job's) keeps its `processed`.
  await db
    .update(webhookEvents)
    .set({ status: "failed", lastError: error, updatedAt: sql`now()` })
    .where(and(thisEvent, ne(webhookEvents.status, "processed")));
  return { status: "failed", tenantIds: event.tenantIds, error };
}

const conversationColumns = shownColumns(conversations);

async function applyTenantWork(tx: Database, tenantId: string, work: TenantWork): Promise<TenantOutcome> {
  const touched = new Set<string>();
  let unknownStatuses = 0;
  for (const change of work.messageChanges) {
    const value = parsed(messagesValue, change.value, change.where);
    await storeInbound(tx, tenantId, change.number, value, touched);
    // In wamid order, so two events with the same statuses lock their messages in the same order.
    const statuses = [...(value.statuses ?? [])].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const status of statuses) {
      const report = deliveryReportOf(status);
      if (!report) continue;
      const result = await recordDeliveryReport(
        tx,
        tenantId,
        { channelId: change.number.channelId, platformMessageId: status.id },
        report,
      );
      if (result === "unknown") unknownStatuses++;
    }
  }
  for (const change of work.accountChanges) await applyAccountChange(tx, tenantId, change);
  // The conversations that took messages changed (last message, counts): announced as they now are.
  if (touched.size > 0) {
    const changed = await tx
      .select(conversationColumns)
      .from(conversations)
      .where(and(eq(conversations.tenantId, tenantId), inArray(conversations.id, [...touched])));
    await appendEvents(
      tx,
      tenantId,
      changed.map((row) => ({
        type: "conversation:updated",
        resourceType: "conversation",
        resourceId: row.id,
        payload: row,
      })),
    );
  }
  return { unknownStatuses };
}

// ---- Inbound messages ----

/**
 * Stores a change's inbound messages: every contact it names is upserted first, in wa_id order (so
 * two events lock the same contacts in the same order), then each message goes into its contact's
 * conversation on this number, oldest first. A message already stored (same wamid) is skipped: those
 * the channel had before are left out up front, so a redelivery opens no conversation (its own may
 * have been closed since); one stored by a concurrent event meanwhile, by appendMessageOnce.
 */
async function storeInbound(
  tx: Database,
  tenantId: string,
  number: WhatsAppNumber,
  value: z.infer<typeof messagesValue>,
  touched: Set<string>,
) {
  const had = await storedWamids(
    tx,
    tenantId,
    number.channelId,
    (value.messages ?? []).map((message) => message.id),
  );
  const inbound = (value.messages ?? [])
    .filter((message) => !had.has(message.id))
    .sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
  const names = new Map((value.contacts ?? []).map((contact) => [contact.wa_id, contact.profile?.name]));
  const seen = new Map<string, Date>();
  for (const message of inbound) seen.set(message.from, message.timestamp);
  const waIds = [...new Set([...names.keys(), ...seen.keys()])].sort();
  if (waIds.length === 0) return;

  const contactIds = new Map<string, string>();
  for (const waId of waIds) {
    contactIds.set(waId, await upsertContact(tx, tenantId, number.channelId, waId, names.get(waId), seen.get(waId)));
  }
  const conversationIds = new Map<string, string>();
  for (const message of inbound) {
    const contactId = contactIds.get(message.from) as string;
    let conversationId = conversationIds.get(contactId);
    if (!conversationId) {
      conversationId = await conversationOf(tx, tenantId, number.channelId, contactId);
      conversationIds.set(contactId, conversationId);
    }
    const stored = await appendMessageOnce(tx, tenantId, conversationId, {
      sender: "customer",
      status: "delivered",
      platformMessageId: message.id,
      timestamp: message.timestamp,
      ...(await contentOf(tx, tenantId, { channelId: number.channelId, conversationId }, message)),
    });
    if (stored) touched.add(conversationId);
  }
}

/** The wamids of `wamids` the channel already has (the (channel_id, platform_message_id) key). */
async function storedWamids(tx: Database, tenantId: string, channelId: string, wamids: string[]) {
  if (wamids.length === 0) return new Set<string>();
  const rows = await tx
    .select({ wamid: messages.platformMessageId })
    .from(messages)
    .where(
      and(
        eq(messages.tenantId, tenantId),
        eq(messages.channelId, channelId),
        inArray(messages.platformMessageId, wamids),
      ),
    );
  return new Set(rows.map((row) => row.wamid));
}

/**
 * The contact a wa_id is on the channel: the one its identity (channel, wa_id) names, so a contact
 * whose phone number someone edited is still found; else the contact with phone number `+<wa_id>`,
 * created when missing, given that identity. Meta's profile name only fills an empty name: a name
 * someone set is never overwritten. Either statement locks the contact's row until commit, so two
 * first messages of one person at the same moment open one conversation, not two (as
 * openWhatsAppConversation in ../messages.ts).
 */
async function upsertContact(
  tx: Database,
  tenantId: string,
  channelId: string,
  waId: string,
  name: string | undefined,
  seenAt: Date | undefined,
): Promise<string> {
  const at = seenAt ?? new Date();
  const given = name?.trim() || null;
  const seen = {
    name: sql`coalesce(nullif(${contacts.name}, ''), ${given}::text)`,
    lastSeenAt: sql`greatest(${contacts.lastSeenAt}, ${at.toISOString()}::timestamptz)`,
    updatedAt: sql`case when nullif(${contacts.name}, '') is null and ${given}::text is not null
      then now() else ${contacts.updatedAt} end`,
  };
  const [known] = await tx
    .update(contacts)
    .set(seen)
    .where(
      and(
        eq(contacts.tenantId, tenantId),
        inArray(
          contacts.id,
          tx
            .select({ id: contactIdentities.contactId })
            .from(contactIdentities)
            .where(
              and(
                eq(contactIdentities.tenantId, tenantId),
                eq(contactIdentities.channelId, channelId),
                eq(contactIdentities.platformCustomerId, waId),
              ),
            ),
        ),
      ),
    )
    .returning({ id: contacts.id });
  if (known) return known.id;

  const [contact] = await tx
    .insert(contacts)
    .values({ tenantId, phoneNumber: `+${waId}`, name: given, firstSeenAt: at, lastSeenAt: at })
    .onConflictDoUpdate({ target: [contacts.tenantId, contacts.phoneNumber], set: seen })
    .returning({ id: contacts.id });
  if (!contact) throw new Error("contact upsert returned no row");
  await tx
    .insert(contactIdentities)
    .values({ tenantId, contactId: contact.id, channelId, platformCustomerId: waId })
    .onConflictDoNothing();
  return contact.id;
}

/** The contact's most recent open or pending conversation on the number's channel, or a new one (announced). */
async function conversationOf(tx: Database, tenantId: string, channelId: string, contactId: string) {
  const open = await activeConversationOf(tx, tenantId, contactId, { channelId });
  if (open) return open;
  const created = await insertConversation(tx, tenantId, { channelType: "whatsapp", channelId, contactId });
  return created.id;
}

/** Meta's message types Frontdesk stores as such; any other (`system`, `order`, a new one) is `unsupported`. */
const STORED_TYPES = new Set<string>([
  "text",
  "image",
  "video",
  "audio",
  "document",
  "sticker",
  "location",
  "contacts",
  "interactive",
  "button",
  "reaction",
  "unsupported",
] satisfies ContentType[]);

/**
 * What a message says, as stored. `payload` is Meta's object of the message's type (`image` is
 * `{ id, mime_type, sha256, caption }`: the media id is how GET /api/messages/:id/media finds it;
 * `contacts` is `{ contacts: [...] }`; an unsupported type is the message as Meta sent it, less its
 * envelope fields), plus Meta's `context` when the message replies to another. `text` is what a list
 * shows: the text, a caption, the title of a button or list reply, a reaction's emoji. A reply (or a
 * reaction) to a message of the conversation refers to it by `replyToId`; to one the conversation
 * does not have, only by the payload's context.
 */
async function contentOf(
  tx: Database,
  tenantId: string,
  at: { channelId: string; conversationId: string },
  message: InboundMessage,
) {
  const { from: _from, id: _id, timestamp: _timestamp, context, ...rest } = message;
  const type = STORED_TYPES.has(message.type) ? (message.type as ContentType) : "unsupported";
  const own = (rest as Record<string, unknown>)[type];
  const payload: Record<string, unknown> =
    type === "contacts"
      ? { contacts: message.contacts ?? [] }
      : type === "unsupported" || typeof own !== "object" || own === null
        ? rest
        : { ...own };
  if (context) payload.context = context;

  const media = message.image ?? message.video ?? message.audio ?? message.document ?? message.sticker;
  const texts: Partial<Record<ContentType, string | undefined>> = {
    text: message.text?.body,
    image: media?.caption,
    video: media?.caption,
    document: media?.caption,
    interactive: message.interactive?.button_reply?.title ?? message.interactive?.list_reply?.title,
    button: message.button?.text,
    reaction: message.reaction?.emoji,
  };
  const repliedTo = context?.id ?? (type === "reaction" ? message.reaction?.message_id : undefined);
  const replyToId = repliedTo ? await messageWithWamid(tx, tenantId, at, repliedTo) : undefined;
  return {
    contentType: type,
    payload,
    ...(texts[type] ? { text: texts[type] } : {}),
    ...(replyToId ? { replyToId } : {}),
  };
}

/** The conversation's message with this wamid, found by the channel's (channel_id, platform_message_id) key. */
async function messageWithWamid(
  tx: Database,
  tenantId: string,
  at: { channelId: string; conversationId: string },
  wamid: string,
) {
  const [found] = await tx
    .select({ id: messages.id })
    .from(messages)
    .where(
      and(
        eq(messages.tenantId, tenantId),
        eq(messages.channelId, at.channelId),
        eq(messages.platformMessageId, wamid),
        eq(messages.conversationId, at.conversationId),
      ),
    );
  return found?.id;
}

// ---- Statuses ----

const REPORTED = new Set(["sent", "delivered", "read", "failed"]);

/**
 * A Meta status as a delivery report: its time, for `failed` Meta's first error (code, title, and
 * `error_data.details` or else its message), and the conversation and pricing it carries (kept in
 * the message's metadata). A status Frontdesk does not track (`deleted`, `warning`) is skipped.
 */
function deliveryReportOf(status: MessageStatus): DeliveryReport | undefined {
  const name = status.status.toLowerCase();
  if (!REPORTED.has(name)) return undefined;
  const [error] = status.errors ?? [];
  const metadata = {
    ...(status.conversation ? { whatsappConversation: status.conversation } : {}),
    ...(status.pricing ? { whatsappPricing: status.pricing } : {}),
  };
  return {
    status: name as DeliveryReport["status"],
    at: status.timestamp,
    ...(name === "failed" && error
      ? {
          error: {
            code: error.code === undefined ? null : String(error.code),
            title: error.title ?? null,
            details: error.error_data?.details ?? error.message ?? null,
          },
        }
      : {}),
    ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
  };
}

// ---- Template changes ----

/** Meta's template events as stored statuses: lower case; REINSTATED means the template is approved again. */
const templateStatusOf = (event: string) => (event.toUpperCase() === "REINSTATED" ? "approved" : event.toLowerCase());

/** Meta's reason for a rejection, else what it says about a pause or a flag. */
const reasonOf = (value: z.infer<typeof templateStatusValue>) =>
  templateReason(value.reason) ?? value.other_info?.description ?? value.other_info?.title ?? null;

type TemplateUpdate = Partial<
  Pick<typeof whatsappTemplates.$inferInsert, "status" | "rejectedReason" | "qualityScore" | "category">
>;

/**
 * Applies a template status, quality or category update to the tenant's template with that Meta id
 * in that account (a template Frontdesk has not stored yet is left to the refresh job, which stores
 * it whole). A row already as the update says is not written.
 */
async function applyAccountChange(tx: Database, tenantId: string, change: TenantWork["accountChanges"][number]) {
  let templateId: string;
  let set: TemplateUpdate;
  switch (change.field) {
    case "message_template_status_update": {
      const value = parsed(templateStatusValue, change.value, change.where);
      templateId = value.message_template_id;
      set = { status: templateStatusOf(value.event), rejectedReason: reasonOf(value) };
      break;
    }
    case "message_template_quality_update": {
      const value = parsed(templateQualityValue, change.value, change.where);
      templateId = value.message_template_id;
      set = { qualityScore: value.new_quality_score.toLowerCase() };
      break;
    }
    case "template_category_update": {
      const value = parsed(templateCategoryValue, change.value, change.where);
      const category = value.new_category.toLowerCase();
      if (!(TEMPLATE_CATEGORIES as readonly string[]).includes(category)) return;
      templateId = value.message_template_id;
      set = { category: category as (typeof TEMPLATE_CATEGORIES)[number] };
      break;
    }
    default:
      // Account, number and other updates: nothing Frontdesk stores.
      return;
  }
  const differs = (Object.keys(set) as (keyof TemplateUpdate)[]).map(
    (key) => sql`${whatsappTemplates[key]} is distinct from ${set[key] ?? null}`,
  );
  await tx
    .update(whatsappTemplates)
    .set({ ...set, updatedAt: sql`now()` })
    .where(
      and(
        eq(whatsappTemplates.tenantId, tenantId),
        eq(whatsappTemplates.businessAccountId, change.businessAccountId),
        eq(whatsappTemplates.metaTemplateId, templateId),
        or(...differs),
      ),
    );
}
