import { randomBytes } from "node:crypto";
import { metaSignature } from "../../shared/clients/whatsapp";
import { displayNumberOf, META_ERRORS, wamid } from "./fake-graph";

/**
 * Meta's WhatsApp webhook bodies, in Meta's envelope
 * (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components), and the signed
 * request Meta would send: `{ object: "whatsapp_business_account", entry: [{ id: <WABA id>,
 * changes: [{ field, value }] }] }`. Messages and statuses carry the number's `metadata`
 * (`phone_number_id`); template events carry only the entry's WABA id. For the tests, the local
 * mock (`npm run whatsapp:mock`) and the benchmark. Dev-only.
 */

/** The number a webhook is about. */
export interface WebhookNumber {
  phoneNumberId: string;
  businessAccountId: string;
  displayPhoneNumber?: string;
}

type InboundType =
  | "text"
  | "image"
  | "video"
  | "audio"
  | "document"
  | "sticker"
  | "location"
  | "contacts"
  | "interactive"
  | "button"
  | "reaction"
  | "unsupported";

/** Epoch seconds as Meta writes them (a string), from seconds or a Date. */
export type Timestamp = number | Date;

export interface InboundOptions {
  /** The customer's wa_id (digits). */
  from: string;
  /** The profile name in `contacts[]`. */
  name?: string;
  /** The wamid (a new one unless given: a redelivery reuses it). */
  id?: string;
  type?: InboundType;
  timestamp?: Timestamp;
  /** The text's body; a media message's caption; a button's text. */
  text?: string;
  /** A reply's context: the sender and wamid of the message replied to. */
  context?: { from: string; id: string; forwarded?: boolean; frequently_forwarded?: boolean };
  /** image, video, audio, document, sticker: Meta's media id (FakeGraph.addMedia) and its details. */
  media?: { id: string; mimeType?: string; sha256?: string; filename?: string; voice?: boolean; animated?: boolean };
  location?: { latitude: number; longitude: number; name?: string; address?: string; url?: string };
  /** contacts: the shared contact cards (Meta's shape); one card of `name` and `from` unless given. */
  contacts?: Record<string, unknown>[];
  interactive?:
    | { type: "button_reply"; id: string; title: string }
    | { type: "list_reply"; id: string; title: string; description?: string };
  /** button: a template's quick-reply button (payload, and `text` as its label). */
  payload?: string;
  /** reaction: the wamid reacted to, and the emoji ("" removes a reaction, as Meta sends it). */
  reaction?: { messageId: string; emoji: string };
}

export interface StatusOptions {
  /** The wamid of the outbound message. */
  id: string;
  status: "sent" | "delivered" | "read" | "failed";
  /** The customer's wa_id. */
  recipient: string;
  timestamp?: Timestamp;
  /** failed: Meta's error codes (131026 by default), or whole error objects. */
  errors?: (number | { code: number; title?: string; message?: string; details?: string })[];
  /** Meta's conversation object (a service one on sent and delivered by default; null leaves it out). */
  conversation?: Record<string, unknown> | null;
  /** Meta's pricing object (billable service on sent and delivered by default; null leaves it out). */
  pricing?: Record<string, unknown> | null;
}

export interface TemplateEventOptions {
  /** Meta's template id (sent as a number, as Meta does, when it is one). */
  templateId: string;
  name: string;
  language: string;
}

const MEDIA = new Set(["image", "video", "audio", "document", "sticker"]);
const DEFAULT_MIME: Record<string, string> = {
  image: "image/jpeg",
  video: "video/mp4",
  audio: "audio/ogg; codecs=opus",
  document: "application/pdf",
  sticker: "image/webp",
};

const seconds = (at: Timestamp = new Date()) =>
  String(Math.floor((at instanceof Date ? at.getTime() : at * 1000) / 1000));

/** Meta sends template ids as JSON numbers; ids too large for one stay strings. */
const templateIdValue = (id: string) => (/^\d+$/.test(id) && Number.isSafeInteger(Number(id)) ? Number(id) : id);

/** One inbound message object (`value.messages[]`). */
function messageObject(options: InboundOptions): Record<string, unknown> {
  const type = options.type ?? "text";
  const message: Record<string, unknown> = {
    from: options.from,
    id: options.id ?? wamid(),
    timestamp: seconds(options.timestamp),
    ...(options.context ? { context: options.context } : {}),
    type,
  };
  if (type === "text") message.text = { body: options.text ?? "Hello" };
  else if (MEDIA.has(type)) {
    const media = options.media ?? { id: "0" };
    message[type] = {
      ...(options.text && type !== "audio" && type !== "sticker" ? { caption: options.text } : {}),
      ...(type === "document" ? { filename: media.filename ?? "document.pdf" } : {}),
      mime_type: media.mimeType ?? DEFAULT_MIME[type],
      sha256: media.sha256 ?? randomBytes(32).toString("base64"),
      id: media.id,
      ...(type === "audio" ? { voice: media.voice ?? false } : {}),
      ...(type === "sticker" ? { animated: media.animated ?? false } : {}),
    };
  } else if (type === "location") {
    message.location = options.location ?? { latitude: 38.7223, longitude: -9.1393, name: "Lisbon" };
  } else if (type === "contacts") {
    message.contacts = options.contacts ?? [
      {
        name: { formatted_name: options.name ?? "Shared Contact", first_name: options.name ?? "Shared" },
        phones: [{ phone: `+${options.from}`, wa_id: options.from, type: "CELL" }],
      },
    ];
  } else if (type === "interactive") {
    const reply = options.interactive ?? { type: "button_reply", id: "yes", title: "Yes" };
    const { type: kind, ...fields } = reply;
    message.interactive = { type: kind, [kind]: fields };
  } else if (type === "button") {
    message.button = { payload: options.payload ?? options.text ?? "Yes", text: options.text ?? "Yes" };
  } else if (type === "reaction") {
    const reaction = options.reaction ?? { messageId: wamid(), emoji: "\u{1F44D}" };
    message.reaction = { message_id: reaction.messageId, emoji: reaction.emoji };
  } else if (type === "unsupported") {
    message.errors = [webhookError(131051)];
  }
  return message;
}

/** One status object (`value.statuses[]`). */
function statusObject(options: StatusOptions): Record<string, unknown> {
  const timestamp = seconds(options.timestamp);
  const billed = options.status === "sent" || options.status === "delivered";
  const conversation =
    options.conversation === undefined
      ? billed
        ? {
            id: randomBytes(16).toString("hex"),
            ...(options.status === "sent" ? { expiration_timestamp: String(Number(timestamp) + 86_400) } : {}),
            origin: { type: "service" },
          }
        : null
      : options.conversation;
  const pricing =
    options.pricing === undefined
      ? billed
        ? { billable: true, pricing_model: "CBP", category: "service" }
        : null
      : options.pricing;
  const errors = options.errors ?? (options.status === "failed" ? [131026] : undefined);
  return {
    id: options.id,
    status: options.status,
    timestamp,
    recipient_id: options.recipient,
    ...(conversation ? { conversation } : {}),
    ...(pricing ? { pricing } : {}),
    ...(errors
      ? {
          errors: errors.map((e) =>
            typeof e === "number" ? webhookError(e) : webhookError(e.code, e.title, e.message, e.details),
          ),
        }
      : {}),
  };
}

/** An error as webhooks carry it (statuses[].errors, unsupported messages). */
function webhookError(code: number, title?: string, message?: string, details?: string) {
  const known = META_ERRORS[code];
  const heading = title ?? known?.title ?? "Unknown error";
  return {
    code,
    title: heading,
    message: message ?? heading,
    error_data: { details: details ?? known?.details ?? heading },
    href: "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
  };
}

/** A `messages` change of a number: any of contacts, messages and statuses. */
export function messagesChange(
  number: WebhookNumber,
  parts: { contacts?: { name: string; waId: string }[]; messages?: unknown[]; statuses?: unknown[] },
) {
  return {
    field: "messages",
    value: {
      messaging_product: "whatsapp",
      metadata: {
        display_phone_number: number.displayPhoneNumber ?? displayNumberOf(number.phoneNumberId),
        phone_number_id: number.phoneNumberId,
      },
      ...(parts.contacts
        ? { contacts: parts.contacts.map((c) => ({ profile: { name: c.name }, wa_id: c.waId })) }
        : {}),
      ...(parts.messages ? { messages: parts.messages } : {}),
      ...(parts.statuses ? { statuses: parts.statuses } : {}),
    },
  };
}

export interface MetaWebhookBody {
  object: "whatsapp_business_account";
  entry: { id: string; time?: number; changes: { field: string; value: Record<string, unknown> }[] }[];
}

/** Meta's envelope: one entry of the account with these changes. */
export function envelope(
  businessAccountId: string,
  changes: { field: string; value: Record<string, unknown> }[],
  time?: Timestamp,
): MetaWebhookBody {
  return {
    object: "whatsapp_business_account",
    entry: [{ id: businessAccountId, ...(time !== undefined ? { time: Number(seconds(time)) } : {}), changes }],
  };
}

/** Several webhooks' entries in one body (Meta batches entries of several accounts). */
export function combine(...bodies: MetaWebhookBody[]): MetaWebhookBody {
  return { object: "whatsapp_business_account", entry: bodies.flatMap((body) => body.entry) };
}

/** A customer's message to the number, with the customer's profile in `contacts[]`. */
export function inboundMessage(number: WebhookNumber, options: InboundOptions): MetaWebhookBody {
  return envelope(number.businessAccountId, [
    messagesChange(number, {
      contacts: [{ name: options.name ?? "Customer", waId: options.from }],
      messages: [messageObject(options)],
    }),
  ]);
}

/** A status of a message the number sent. */
export function statusUpdate(number: WebhookNumber, options: StatusOptions): MetaWebhookBody {
  return envelope(number.businessAccountId, [messagesChange(number, { statuses: [statusObject(options)] })]);
}

/** Meta's review of a template: APPROVED (reason "NONE"), REJECTED with a reason, PAUSED, DISABLED. */
export function templateStatusUpdate(
  businessAccountId: string,
  options: TemplateEventOptions & {
    event: "APPROVED" | "REJECTED" | "PAUSED" | "DISABLED" | "PENDING_DELETION" | "FLAGGED" | "REINSTATED";
    reason?: string;
  },
): MetaWebhookBody {
  return envelope(
    businessAccountId,
    [
      {
        field: "message_template_status_update",
        value: {
          event: options.event,
          message_template_id: templateIdValue(options.templateId),
          message_template_name: options.name,
          message_template_language: options.language,
          reason: options.reason ?? "NONE",
        },
      },
    ],
    new Date(),
  );
}

/** A template's quality rating change (GREEN, YELLOW, RED, UNKNOWN). */
export function templateQualityUpdate(
  businessAccountId: string,
  options: TemplateEventOptions & { previous: string; next: string },
): MetaWebhookBody {
  return envelope(
    businessAccountId,
    [
      {
        field: "message_template_quality_update",
        value: {
          previous_quality_score: options.previous,
          new_quality_score: options.next,
          message_template_id: templateIdValue(options.templateId),
          message_template_name: options.name,
          message_template_language: options.language,
        },
      },
    ],
    new Date(),
  );
}

/**
 * The body as Meta serialises it (non-ASCII as lower-case `\uXXXX`, `/` as `\/`; Meta signs that
 * escaped form), so a receiver that re-serialises the parsed body before checking fails.
 */
export function metaJson(body: unknown): string {
  return JSON.stringify(body)
    .replace(/\//g, "\\/")
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** The request Meta would send: the raw body and its headers, signed with the app secret. */
export function signedWebhook(body: unknown, appSecret: string) {
  const rawBody = typeof body === "string" ? body : metaJson(body);
  return {
    rawBody,
    headers: { "content-type": "application/json", "x-hub-signature-256": metaSignature(rawBody, appSecret) },
  };
}
