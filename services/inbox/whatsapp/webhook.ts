import { createHash, timingSafeEqual } from "node:crypto";
import { and, desc, eq, inArray, ne, or, sql } from "drizzle-orm";
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
import { ACTIVE_STATUSES, insertConversation } from "../conversations";
import { appendMessageOnce, type DeliveryReport, recordDeliveryReport } from "../messages";
import { isChannelVerifyToken, numbersByAccountId, numbersByPhoneId, type WhatsAppNumber } from "./numbers";
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
 * no number of any tenant, signed with META_APP_SECRET, is kept as `unroutable` (answered 200, so
 * Meta does not retry it forever); any other body that reaches no tenant is a 401, nothing stored.
 */

const PROVIDER = "whatsapp";

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

/** The phone number ids and WABA ids a body names, as routing reads them. */
function namedIn(body: WhatsAppWebhookBody) {
  const phoneNumberIds = new Set<string>();
  const accountIds = new Set<string>();
  for (const entry of body.entry) {
    for (const change of entry.changes) {
      if (change.field !== MESSAGES_FIELD) accountIds.add(entry.id);
      else if (change.value.metadata) phoneNumberIds.add(change.value.metadata.phone_number_id);
    }
  }
  return { phoneNumberIds: [...phoneNumberIds], accountIds: [...accountIds] };
}

/** The numbers a body names, each once (a number may be named by its id and by its account). */
async function numbersNamedIn(db: Database, body: WhatsAppWebhookBody): Promise<WhatsAppNumber[]> {
  const { phoneNumberIds, accountIds } = namedIn(body);
  const found = [...(await numbersByPhoneId(db, phoneNumberIds)), ...(await numbersByAccountId(db, accountIds))];
  return [...new Map(found.map((number) => [number.channelId, number])).values()];
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
 * rule above). The body has been parsed by the route (envelope only), `rawBody` is what was signed.
 */
export async function receiveWebhook(
  db: Database,
  input: { rawBody: string; signature: string | null; body: WhatsAppWebhookBody },
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

  const signedFor = (number: WhatsAppNumber) => verifies(number.appSecret ?? deployment);
  const work = workByTenant(input.body, await numbersNamedIn(db, input.body));
  const tenantIds = [...work]
    .filter(
      ([, changes]) =>
        changes.messageChanges.every((change) => signedFor(change.number)) &&
        changes.accountChanges.every((change) => change.numbers.some(signedFor)),
    )
    .map(([tenantId]) => tenantId);
  let status: WebhookEventStatus;
  if (tenantIds.length > 0) status = "pending";
  else if (work.size === 0 && verifies(deployment)) status = "unroutable";
  else throw unauthorized("The X-Hub-Signature-256 does not match this body under the app secret of its numbers");

  const [event] = await db
    .insert(webhookEvents)
    .values({ provider: PROVIDER, rawBody, status, tenantIds })
    .returning({ id: webhookEvents.id });
  if (!event) throw new Error("webhook event insert returned no row");
  return { eventId: event.id, status };
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

/** What one event's processing came to (undefined: no such event). */
interface ProcessOutcome {
  status: WebhookEventStatus;
  tenantIds: string[];
  error: string | null;
}

/**
 * Applies a stored event, once per tenant it reached, each tenant in one transaction; then marks it
 * `processed`, or `failed` with a short reason (a tenant's error, a change that does not parse, or a
 * status for a message not stored yet) for `webhook-retry`. Already processed or unroutable events
 * are left as they are. Safe to run twice, at once or later: everything it writes is idempotent.
 */
export async function processWebhookEvent(db: Database, eventId: string): Promise<ProcessOutcome | undefined> {
  const [event] = await db
    .select({ rawBody: webhookEvents.rawBody, status: webhookEvents.status, tenantIds: webhookEvents.tenantIds })
    .from(webhookEvents)
    .where(and(eq(webhookEvents.id, eventId), eq(webhookEvents.provider, PROVIDER)));
  if (!event) return undefined;
  if (event.status === "processed" || event.status === "unroutable") {
    return { status: event.status, tenantIds: event.tenantIds, error: null };
  }

  const reached = new Set(event.tenantIds);
  const processed: string[] = [];
  let error: string | null = null;
  try {
    const body = parsed(whatsappWebhookBody, JSON.parse(event.rawBody), "body");
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
      error = `${unknownStatuses} status(es) for messages not stored yet; retried later`;
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
        attempts: sql`${webhookEvents.attempts} + 1`,
        tenantIds: processed,
        lastError: null,
        updatedAt: sql`now()`,
      })
      .where(eq(webhookEvents.id, eventId));
    return { status: "processed", tenantIds: processed, error };
  }
  // A run that succeeded meanwhile (the request's own and the retry job's) keeps its `processed`.
  await db
    .update(webhookEvents)
    .set({ status: "failed", attempts: sql`${webhookEvents.attempts} + 1`, lastError: error, updatedAt: sql`now()` })
    .where(and(eq(webhookEvents.id, eventId), ne(webhookEvents.status, "processed")));
  return { status: "failed", tenantIds: event.tenantIds, error };
}

const conversationColumns = shownColumns(conversations);

async function applyTenantWork(tx: Database, tenantId: string, work: TenantWork): Promise<TenantOutcome> {
  const touched = new Set<string>();
  let unknownStatuses = 0;
  for (const change of work.messageChanges) {
    const value = parsed(messagesValue, change.value, change.where);
    await storeInbound(tx, tenantId, change.number, value, touched);
    for (const status of value.statuses ?? []) {
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
 * conversation on this number, oldest first; one already stored (same wamid) is skipped.
 */
async function storeInbound(
  tx: Database,
  tenantId: string,
  number: WhatsAppNumber,
  value: z.infer<typeof messagesValue>,
  touched: Set<string>,
) {
  const inbound = [...(value.messages ?? [])].sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
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
      ...(await contentOf(tx, tenantId, conversationId, message)),
    });
    if (stored) touched.add(conversationId);
  }
}

/**
 * The contact with phone number `+<wa_id>`, created when missing, and its identity on the channel.
 * Meta's profile name only fills an empty name: a name someone set is never overwritten. The upsert
 * locks the contact's row until commit, so two first messages of one person at the same moment open
 * one conversation, not two (as openWhatsAppConversation in ../messages.ts).
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
  const [contact] = await tx
    .insert(contacts)
    .values({ tenantId, phoneNumber: `+${waId}`, name: name?.trim() || null, firstSeenAt: at, lastSeenAt: at })
    .onConflictDoUpdate({
      target: [contacts.tenantId, contacts.phoneNumber],
      set: {
        name: sql`coalesce(nullif(${contacts.name}, ''), excluded.name)`,
        lastSeenAt: sql`greatest(${contacts.lastSeenAt}, excluded.last_seen_at)`,
        updatedAt: sql`case when nullif(${contacts.name}, '') is null and excluded.name is not null
          then now() else ${contacts.updatedAt} end`,
      },
    })
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
  const [open] = await tx
    .select({ id: conversations.id })
    .from(conversations)
    .where(
      and(
        eq(conversations.tenantId, tenantId),
        eq(conversations.contactId, contactId),
        eq(conversations.channelId, channelId),
        inArray(conversations.status, ACTIVE_STATUSES),
      ),
    )
    .orderBy(desc(conversations.updatedAt), desc(conversations.id))
    .limit(1);
  if (open) return open.id;
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
async function contentOf(tx: Database, tenantId: string, conversationId: string, message: InboundMessage) {
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
  const replyToId = repliedTo ? await messageWithWamid(tx, tenantId, conversationId, repliedTo) : undefined;
  return {
    contentType: type,
    payload,
    ...(texts[type] ? { text: texts[type] } : {}),
    ...(replyToId ? { replyToId } : {}),
  };
}

async function messageWithWamid(tx: Database, tenantId: string, conversationId: string, wamid: string) {
  const [found] = await tx
    .select({ id: messages.id })
    .from(messages)
    .where(
      and(
        eq(messages.tenantId, tenantId),
        eq(messages.conversationId, conversationId),
        eq(messages.platformMessageId, wamid),
      ),
    )
    .limit(1);
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

/** Meta's reason for a rejection (NONE is none), else what it says about a pause or a flag. */
function reasonOf(value: z.infer<typeof templateStatusValue>) {
  const reason = value.reason && value.reason.toUpperCase() !== "NONE" ? value.reason : undefined;
  return reason ?? value.other_info?.description ?? value.other_info?.title ?? null;
}

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
