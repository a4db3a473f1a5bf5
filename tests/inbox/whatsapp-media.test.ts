import { gzipSync } from "node:zlib";
import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { getDb } from "../../db/client";
import { conversations, messages } from "../../db/schema";
import * as mediaFn from "../../netlify/functions/inbox-messages-id-media";
import { type FakeGraph, META_MEDIA_URL, wamid } from "../../scripts/dev/fake-graph";
import { type Account, createApiKey, registerTenant } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";
import { mockGraph } from "../helpers/whatsapp-msw";

const whatsapp = mockGraph();

/**
 * Bytes of every kind a file has (NUL, control characters, multi-byte characters): valid UTF-8, so
 * they survive call()'s text body and can be compared whole.
 */
const PICTURE = new TextEncoder().encode("GIF89a\u0000\u0001\u0002\u001f\u007f é ✓ 🚚 end");

/** A message of a conversation on the tenant's number, as the webhook stores an inbound one. */
async function messageOf(
  owner: Account,
  channelId: string,
  fields: { contentType: "image" | "file" | "text"; payload?: Record<string, unknown>; text?: string },
) {
  const db = await getDb();
  const [conversation] = await db
    .insert(conversations)
    .values({ tenantId: owner.tenantId, channelType: "whatsapp", channelId })
    .returning();
  const [message] = await db
    .insert(messages)
    .values({
      tenantId: owner.tenantId,
      conversationId: conversation!.id,
      channelId,
      direction: "inbound",
      sender: "customer",
      status: "delivered",
      platformMessageId: wamid(),
      ...fields,
    })
    .returning();
  return message!;
}

async function inboundPicture(label: string) {
  const { owner, graph, number } = await whatsapp.tenantWithWhatsApp(label);
  const mediaId = graph.addMedia(PICTURE, "image/gif");
  const message = await messageOf(owner, number.channelId, {
    contentType: "image",
    text: "My parcel",
    payload: { id: mediaId, mime_type: "image/gif", sha256: graph.media.get(mediaId)?.sha256, caption: "My parcel" },
  });
  return { owner, graph, number, mediaId, message };
}

const media = (id: string, credentials: { token?: string; apiKey?: string }) =>
  call(mediaFn, { path: `/api/messages/${id}/media`, ...credentials });

const noToken = (graph: FakeGraph, res: { text: string; headers: Headers }) => {
  expect(res.text).not.toContain(graph.accessToken);
  for (const [, value] of res.headers) expect(value).not.toContain(graph.accessToken);
};

describe("GET /api/messages/:id/media", () => {
  it("streams the media Meta holds with its type and length, through Graph with the token, answering no token", async () => {
    const { owner, graph, mediaId, message } = await inboundPicture("wa-media");
    const res = await media(message.id, { token: owner.accessToken });
    expect(res.status, res.text).toBe(200);
    expect(new TextEncoder().encode(res.text)).toEqual(PICTURE);
    expect(res.headers.get("content-type")).toBe("image/gif");
    expect(res.headers.get("content-length")).toBe(String(PICTURE.byteLength));
    noToken(graph, res);
    // GET /{media-id}, then the URL it answered: both with the token in the header, never in a URL.
    expect(graph.requests.map((request) => [request.method, new URL(request.url).host, request.authorization])).toEqual(
      [
        ["GET", "graph.facebook.com", `Bearer ${graph.accessToken}`],
        ["GET", "lookaside.fbsbx.com", `Bearer ${graph.accessToken}`],
      ],
    );
    expect(graph.requests[0]?.path).toBe(`/v23.0/${mediaId}`);
    for (const request of graph.requests) expect(request.url).not.toContain(graph.accessToken);

    // An API key with the read scope may fetch it too; one without it may not.
    expect((await media(message.id, { apiKey: (await createApiKey(owner, ["read"])).key })).status).toBe(200);
    expect((await media(message.id, { apiKey: (await createApiKey(owner, ["write"])).key })).status).toBe(403);
  });

  it("answers 404 for a message without Meta media, another tenant's message or none, asking Graph nothing", async () => {
    const { owner, graph, number, message } = await inboundPicture("wa-media-404");
    const text = await messageOf(owner, number.channelId, { contentType: "text", text: "Hi" });
    const byLink = await messageOf(owner, number.channelId, {
      contentType: "image",
      payload: { mediaUrl: "https://cdn.example.test/a.png" },
    });
    const intruder = await registerTenant("wa-media-intruder");
    for (const [id, account] of [
      [text.id, owner],
      [byLink.id, owner],
      [crypto.randomUUID(), owner],
      [message.id, intruder],
    ] as const) {
      const res = await media(id, { token: account.accessToken });
      expect(res.status, res.text).toBe(404);
      expect(res.body.error.code).toBe("NOT_FOUND");
    }
    expect(graph.requests).toEqual([]);
  });

  it("answers a compressed download decoded, without Graph's (encoded) length", async () => {
    const { owner, message } = await inboundPicture("wa-media-gzip");
    const gzipped = gzipSync(PICTURE);
    whatsapp.server.use(
      http.get(
        `${META_MEDIA_URL}/whatsapp_business/attachments/`,
        () =>
          new HttpResponse(gzipped, {
            headers: {
              "content-type": "image/gif",
              "content-encoding": "gzip",
              "content-length": String(gzipped.byteLength),
            },
          }),
        { once: true },
      ),
    );
    const res = await media(message.id, { token: owner.accessToken });
    expect(res.status, res.text).toBe(200);
    expect(new TextEncoder().encode(res.text)).toEqual(PICTURE);
    expect(res.headers.get("content-length")).toBeNull();
    expect(res.headers.get("content-encoding")).toBeNull();
  });

  it("serves the media of every type that carries a file, a `file` message's too", async () => {
    const { owner, graph, number } = await whatsapp.tenantWithWhatsApp("wa-media-file");
    const mediaId = graph.addMedia(PICTURE, "application/pdf");
    const file = await messageOf(owner, number.channelId, {
      contentType: "file",
      payload: { id: mediaId, mime_type: "application/pdf" },
    });
    const res = await media(file.id, { token: owner.accessToken });
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
  });

  it("answers Graph's refusal 502 with its status and code, and no token", async () => {
    const { owner, graph, message } = await inboundPicture("wa-media-502");
    graph.media.clear();
    const res = await media(message.id, { token: owner.accessToken });
    expect(res.status, res.text).toBe(502);
    expect(res.body.error).toMatchObject({
      code: "UPSTREAM_FAILED",
      details: [{ status: 400, code: 100, subcode: 33 }],
    });
    noToken(graph, res);
  });
});
