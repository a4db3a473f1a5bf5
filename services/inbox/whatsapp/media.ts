import { and, eq, inArray, sql } from "drizzle-orm";
import { messages } from "../../../db/schema";
import { GraphError } from "../../../shared/clients/whatsapp";
import type { ServiceContext } from "../../../shared/context";
import { notFound } from "../../../shared/errors";
import { MEDIA_TYPES } from "../messages.schemas";
import { requestGraph, upstreamFailed } from "./graph";
import { accessOf, numberOfChannel } from "./numbers";

/**
 * The media of an inbound WhatsApp message. Meta keeps it; the message stores Meta's object for its
 * type as its payload (`{ id, mime_type, sha256, caption }`), whose `id` Graph resolves to a
 * short-lived URL (`GET /{media-id}`) that itself needs the number's token. The bytes are passed on
 * as they arrive, never stored, and the token stays in the requests to Meta.
 */

/** The media's bytes as Meta streams them, with what the caller's answer says of them. */
export interface MessageMedia {
  body: ReadableStream<Uint8Array>;
  contentType: string;
  contentLength: string | undefined;
}

/**
 * GET /api/messages/:id/media: a message of the tenant with a Meta media id, on a WhatsApp number
 * (else 404), resolved and downloaded through Graph; Graph's refusal is a 502 with its error.
 */
export async function messageMedia(ctx: ServiceContext, id: string): Promise<MessageMedia> {
  const { tenantId } = ctx.caller;
  const [message] = await ctx.db
    .select({ channelId: messages.channelId, mediaId: sql<string | null>`${messages.payload}->>'id'` })
    .from(messages)
    .where(and(eq(messages.tenantId, tenantId), eq(messages.id, id), inArray(messages.contentType, MEDIA_TYPES)));
  if (!message?.mediaId || !message.channelId) throw notFound("Media of the message");
  const number = await numberOfChannel(ctx.db, tenantId, message.channelId);
  if (!number) throw notFound("Media of the message");
  const graph = requestGraph(accessOf(number));
  try {
    const media = await graph.getMedia(message.mediaId);
    const download = await graph.downloadMedia(media.url);
    if (!download.body) throw new GraphError(502, { error: { message: "Graph answered the media without a body" } });
    // fetch decodes a compressed answer, whose content-length is the encoded size: then no length is known.
    const encoded = (download.headers.get("content-encoding") ?? "identity").toLowerCase() !== "identity";
    return {
      body: download.body,
      contentType: download.headers.get("content-type") ?? media.mime_type,
      contentLength: encoded
        ? undefined
        : (download.headers.get("content-length") ?? (media.file_size ? String(media.file_size) : undefined)),
    };
  } catch (error) {
    throw error instanceof GraphError ? upstreamFailed(error, "serve the media") : error;
  }
}
