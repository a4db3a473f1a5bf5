import { z } from "zod";
import { WEBHOOK_EVENT_STATUSES } from "../../../db/schema";
import { storableText } from "../../../shared/schemas";

/**
 * Meta's WhatsApp webhook (`entry[].changes[].value`), typed for what Frontdesk reads. Every object is
 * loose: Meta adds fields, and an event must never be refused for one it has not seen before. The
 * route does not apply these (it hands the webhook the raw body, to check its signature first); the
 * webhook checks only the envelope (what routing needs) before storing the body as received; each
 * change's value is parsed field by field when the event is processed, and one that does not match
 * fails that event (kept, with the reason, for the retry job) rather than being refused at the door.
 */

/** Meta's ids (phone number, WABA, wamid, media): strings, bounded. */
const metaId = z.string().min(1).max(256);
const shortText = storableText.max(1000);
const longText = storableText.max(65_536);

/** Meta's unix seconds (a string in Meta's bodies; a number accepted too), as a Date. */
const unixSeconds = z
  .union([z.string().regex(/^\d{1,11}$/), z.number().int().min(0).max(99_999_999_999)])
  .transform((seconds) => new Date(Number(seconds) * 1000));

/** A template id: a number in Meta's template events, a string in its API answers; stored as a string. */
const templateId = z
  .union([metaId, z.number().int().min(0)])
  .transform(String)
  .pipe(z.string().regex(/^\d+$/));

// ---- The envelope: what the route validates and routing reads ----

const envelopeChange = z.looseObject({
  field: z.string().min(1).max(200).describe("messages, message_template_status_update, ..."),
  value: z.looseObject({
    metadata: z
      .looseObject({ phone_number_id: metaId })
      .optional()
      .describe("On `messages` changes: the number the messages and statuses are for"),
  }),
});

export const whatsappWebhookBody = z
  .looseObject({
    object: z.string().max(100).describe("whatsapp_business_account"),
    entry: z
      .array(
        z.looseObject({
          id: metaId.describe("The WhatsApp Business Account (WABA) id"),
          changes: z.array(envelopeChange),
        }),
      )
      .min(1),
  })
  .meta({ id: "WhatsAppWebhook" });
export type WhatsAppWebhookBody = z.infer<typeof whatsappWebhookBody>;

// ---- `messages` changes: inbound messages, contacts, statuses ----

const media = z.looseObject({ id: metaId, mime_type: shortText.optional(), caption: longText.optional() });
const reply = z.looseObject({ id: shortText.optional(), title: shortText.optional() });

/**
 * An inbound message. The object of its `type` (`text`, `image`, ...) becomes the stored message's
 * payload; the fields its text is read from are typed, the rest kept as Meta sent them.
 */
const inboundMessage = z.looseObject({
  from: metaId,
  id: metaId,
  timestamp: unixSeconds,
  type: z.string().min(1).max(100),
  context: z.looseObject({ id: metaId.optional(), from: metaId.optional() }).optional(),
  text: z.looseObject({ body: longText }).optional(),
  image: media.optional(),
  video: media.optional(),
  audio: media.optional(),
  document: media.optional(),
  sticker: media.optional(),
  location: z.looseObject({}).optional(),
  contacts: z.array(z.looseObject({})).optional(),
  interactive: z
    .looseObject({ type: shortText.optional(), button_reply: reply.optional(), list_reply: reply.optional() })
    .optional(),
  button: z.looseObject({ text: shortText.optional(), payload: shortText.optional() }).optional(),
  reaction: z.looseObject({ message_id: metaId.optional(), emoji: shortText.optional() }).optional(),
});
export type InboundMessage = z.infer<typeof inboundMessage>;

const statusError = z.looseObject({
  code: z.union([z.number().int(), shortText]).optional(),
  title: shortText.optional(),
  message: longText.optional(),
  error_data: z.looseObject({ details: longText.optional() }).optional(),
});

/** A delivery status of a message the number sent. */
const messageStatus = z.looseObject({
  id: metaId,
  status: z.string().min(1).max(100),
  timestamp: unixSeconds,
  recipient_id: metaId.optional(),
  conversation: z.looseObject({}).optional(),
  pricing: z.looseObject({}).optional(),
  errors: z.array(statusError).optional(),
});
export type MessageStatus = z.infer<typeof messageStatus>;

export const messagesValue = z.looseObject({
  metadata: z.looseObject({ phone_number_id: metaId }),
  contacts: z
    .array(z.looseObject({ wa_id: metaId, profile: z.looseObject({ name: shortText.optional() }).optional() }))
    .optional(),
  messages: z.array(inboundMessage).optional(),
  statuses: z.array(messageStatus).optional(),
});

// ---- Template changes (routed by the entry's WABA id) ----

const templateFields = {
  message_template_id: templateId,
  message_template_name: shortText.optional(),
  message_template_language: shortText.optional(),
};

export const templateStatusValue = z.looseObject({
  ...templateFields,
  event: z.string().min(1).max(100),
  reason: shortText.nullish(),
  other_info: z.looseObject({ title: shortText.optional(), description: longText.optional() }).optional(),
});
export const templateQualityValue = z.looseObject({
  ...templateFields,
  new_quality_score: z.string().min(1).max(100),
});
export const templateCategoryValue = z.looseObject({
  ...templateFields,
  new_category: z.string().min(1).max(100),
});

// ---- The route's own shapes ----

export const verifyWebhookQuery = z
  .object({
    "hub.mode": z.string().max(100).describe("`subscribe`"),
    "hub.verify_token": z.string().min(1).max(1000).describe("META_VERIFY_TOKEN, or a WhatsApp channel's verify token"),
    "hub.challenge": z.string().min(1).max(1000).describe("Answered back as the body, as plain text"),
  })
  .strict();

export const receiveWebhookResult = z
  .object({
    received: z.literal(true),
    eventId: z.uuid().describe("The stored event"),
    status: z
      .enum(WEBHOOK_EVENT_STATUSES)
      .describe(
        "`pending`: processed after the answer; `unroutable`: no number or account of any tenant, kept; " +
          "`failed`: signed, but not JSON or not Meta's envelope, kept with the reason",
      ),
  })
  .meta({ id: "WhatsAppWebhookReceipt" });
