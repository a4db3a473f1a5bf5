import { and, eq, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { z } from "zod";
import type { Database } from "../../../db/client";
import { contacts, conversations, messages } from "../../../db/schema";
import { type GraphAccess, GraphError, type SentMessage } from "../../../shared/clients/whatsapp";
import { AppError, notFound, unprocessable } from "../../../shared/errors";
import { mediaContent, reactionContent, templateContent } from "../messages.schemas";
import { requestGraph } from "./graph";
import { accessOf, numberOfChannel } from "./numbers";

/**
 * What goes out to Meta for a conversation on a WhatsApp number: the message a route stored, as
 * Meta's message object (text, media by link, template, reaction, a reply's context), sent with the
 * number's token; and the read receipt of an inbound message an agent has read.
 */

/** Meta lets a business write freely this long after the customer's last message; after it, only templates. */
const SERVICE_WINDOW = sql.raw("interval '24 hours'");

/** A message ready to go: the number that sends it, its access to Graph, and Meta's request body. */
export interface Outgoing {
  phoneNumberId: string;
  access: GraphAccess;
  body: Record<string, unknown>;
}

/** What of a stored message its send reads. */
type StoredMessage = Pick<
  typeof messages.$inferSelect,
  "direction" | "channelId" | "conversationId" | "contentType" | "text" | "payload" | "replyToId"
>;

const target = alias(messages, "target");
const inbound = alias(messages, "inbound");
const ofContact = alias(conversations, "of_contact");

/** The WhatsApp id of a message of the conversation, as JSON (`{ wamid }`, null when no such message). */
const wamidOf = (tenantId: string, conversationId: string, id: string | undefined) =>
  id
    ? sql<{ wamid: string | null } | null>`(select json_build_object('wamid', ${target.platformMessageId})
        from ${messages} as ${target} where ${target.tenantId} = ${tenantId}
        and ${target.conversationId} = ${conversationId} and ${target.id} = ${id})`
    : sql<null>`null`;

/**
 * The send a stored outbound message makes, inside its transaction (so a refusal here stores
 * nothing): undefined when its conversation is not on an active WhatsApp number (the message stays
 * queued, as on any channel that does not send). Otherwise one statement reads the recipient (the
 * contact's phone number without "+", Meta's wa_id), whether the contact wrote on this number in
 * the last 24 hours, and the WhatsApp ids of the messages replied or reacted to. Refused: a
 * free-form message outside that window (OUTSIDE_SERVICE_WINDOW; templates go any time), a
 * conversation without a phone number, content WhatsApp cannot send, a number without a token.
 */
export async function outgoingOf(
  tx: Database,
  tenantId: string,
  message: StoredMessage,
): Promise<Outgoing | undefined> {
  if (message.direction !== "outbound" || !message.channelId) return undefined;
  const number = await numberOfChannel(tx, tenantId, message.channelId);
  if (!number?.isActive) return undefined;
  const access = accessOf(number);
  const reactTo = message.contentType === "reaction" ? parse(reactionContent, message).messageId : undefined;
  const [row] = await tx
    .select({
      phoneNumber: contacts.phoneNumber,
      inWindow: sql<boolean>`exists (
        select 1 from ${conversations} as ${ofContact}
        join ${messages} as ${inbound}
          on ${inbound.tenantId} = ${ofContact.tenantId} and ${inbound.conversationId} = ${ofContact.id}
        where ${ofContact.tenantId} = ${tenantId} and ${ofContact.contactId} = ${conversations.contactId}
          and ${ofContact.channelId} = ${message.channelId} and ${inbound.direction} = 'inbound'
          and ${inbound.timestamp} >= now() - ${SERVICE_WINDOW})`,
      replyTo: wamidOf(tenantId, message.conversationId, message.replyToId ?? undefined),
      reactTo: wamidOf(tenantId, message.conversationId, reactTo),
    })
    .from(conversations)
    .leftJoin(contacts, and(eq(contacts.tenantId, conversations.tenantId), eq(contacts.id, conversations.contactId)))
    .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, message.conversationId)));
  if (!row?.phoneNumber)
    throw unprocessable("The conversation's contact has no phone number to send a WhatsApp message to");
  if (message.contentType !== "template" && !row.inWindow) {
    throw new AppError(
      "OUTSIDE_SERVICE_WINDOW",
      "The contact has not written on this WhatsApp number in the last 24 hours: only a template may be sent",
    );
  }
  if (reactTo && !row.reactTo) throw notFound("Message reacted to");
  const reactedTo = row.reactTo && wamid(row.reactTo, "reacted to");
  const context = row.replyTo ? { context: { message_id: wamid(row.replyTo, "replied to") } } : {};
  return {
    phoneNumberId: number.phoneNumberId,
    access,
    body: {
      recipient_type: "individual",
      to: row.phoneNumber.replace(/^\+/, ""),
      ...context,
      ...metaMessageOf(message, reactedTo),
    },
  };
}

function wamid(of: { wamid: string | null }, what: string): string {
  if (!of.wamid) throw unprocessable(`The message ${what} has no WhatsApp id: it was never on WhatsApp`);
  return of.wamid;
}

/** The message's content as a `content` shape; a message whose payload has none WhatsApp can send is a 422. */
function parse<T>(schema: z.ZodType<T>, message: StoredMessage): T {
  const parsed = schema.safeParse(message.payload);
  if (!parsed.success) {
    throw unprocessable(`This ${message.contentType} message's content cannot be sent through WhatsApp`);
  }
  return parsed.data;
}

/** Meta's message object (its `type` and that type's object) for a stored message. */
function metaMessageOf(message: StoredMessage, reactedTo: string | null): Record<string, unknown> {
  const { contentType: type } = message;
  switch (type) {
    case "text": {
      if (!message.text) throw unprocessable("A text message needs text to be sent through WhatsApp");
      const previewUrl = message.payload?.previewUrl;
      return {
        type,
        text: { body: message.text, ...(typeof previewUrl === "boolean" ? { preview_url: previewUrl } : {}) },
      };
    }
    case "image":
    case "video":
    case "audio":
    case "document": {
      const { mediaUrl, caption, filename } = parse(mediaContent, message);
      if (caption !== undefined && type === "audio") throw unprocessable("WhatsApp sends audio without a caption");
      if (filename !== undefined && type !== "document") throw unprocessable("Only a document has a filename");
      return {
        type,
        [type]: { link: mediaUrl, ...(caption === undefined ? {} : { caption }), ...(filename ? { filename } : {}) },
      };
    }
    case "template": {
      const { name, language, components } = parse(templateContent, message);
      return { type, template: { name, language: { code: language }, ...(components ? { components } : {}) } };
    }
    case "reaction":
      return { type, reaction: { message_id: reactedTo, emoji: parse(reactionContent, message).emoji } };
    default:
      throw unprocessable(`A ${type} message cannot be sent through WhatsApp`);
  }
}

/** What became of a send: Meta's id of the message, or Graph's refusal (a 4xx, or a 429 or 5xx past the budget). */
export type SendResult = { platformMessageId: string } | { error: GraphError };

/**
 * Sends the message; a Graph error is answered, not thrown, so the caller can store it with the
 * message. A 2xx that is not JSON or names no message id is such an error too (a 502): the message
 * is stored failed rather than left queued.
 *
 * Without an Idempotency-Key the caller calls this with no transaction open. With one, the key's
 * transaction spans this call (up to GRAPH_BUDGET_MS): the key's row and the conversation's row
 * (locked by appendMessage's UPDATE) stay locked until Meta answers and the outcome commits, so
 * other messages to that conversation wait meanwhile, and a status webhook finds the message only
 * after the commit (it is retried later). The key's lock is what makes concurrent retries send
 * once; but should the function be killed after Meta accepted the message and before the commit,
 * nothing is stored, the key included, and a retry sends again: a keyed send is at-least-once
 * under a crash, once otherwise.
 */
export async function sendToMeta(outgoing: Outgoing): Promise<SendResult> {
  const graph = requestGraph(outgoing.access);
  try {
    const sent: Partial<SentMessage> | null = await graph.sendMessage(outgoing.phoneNumberId, outgoing.body);
    const id = sent?.messages?.[0]?.id;
    if (typeof id !== "string" || !id) {
      return { error: new GraphError(502, { error: { message: "Graph answered no message id" } }) };
    }
    return { platformMessageId: id };
  } catch (error) {
    if (error instanceof GraphError) return { error };
    throw error;
  }
}

/** A Graph error as a message's error fields: Meta's code, title and details. */
export const errorFieldsOf = (error: GraphError) => ({
  ...(error.code === undefined ? {} : { errorCode: String(error.code) }),
  errorTitle: error.title,
  ...(error.details ? { errorDetails: error.details } : {}),
});

/**
 * Marks an inbound message (and with it those before it: the customer sees blue ticks) read at
 * Meta, once an agent has read its conversation. A number without a token has nothing to mark
 * with; Graph's refusal is thrown, for the caller to log.
 */
export async function markReadAtMeta(db: Database, tenantId: string, channelId: string, wamid: string) {
  const number = await numberOfChannel(db, tenantId, channelId);
  if (!number?.isActive || !number.accessToken) return;
  await requestGraph(accessOf(number)).markRead(number.phoneNumberId, wamid);
}
