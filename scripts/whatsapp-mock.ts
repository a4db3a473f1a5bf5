/**
 * `npm run whatsapp:mock`: a stand-in for Meta's WhatsApp Cloud API (Graph) on http://localhost:8898,
 * for trying the WhatsApp inbox without a Meta account. It serves the in-memory Graph the tests use
 * (scripts/dev/fake-graph.ts: send and mark read, media, templates with paging, Meta's shapes and
 * errors) for one demo number, and plays Meta's part in the webhook: each control endpoint posts a
 * webhook signed with the number's app secret to WEBHOOK_URL, as Meta does, and answers what
 * Frontdesk answered.
 *
 *   POST /_mock/inbound?from=<wa_id>&text=...&name=...       a customer's text message
 *   POST /_mock/inbound?from=<wa_id>&type=image&text=<caption>  an image (served by the mock's media URL)
 *        (&reply_to=<wamid> makes it a reply to that message)
 *   POST /_mock/statuses/<wamid>?order=sent,delivered,read   statuses of a message Frontdesk sent, one
 *        webhook each, in the order given (read,delivered,sent tries the reverse; failed&code=131026 a failure)
 *   POST /_mock/templates/<id>/status?event=APPROVED|REJECTED|PAUSED|DISABLED&reason=...
 *                                                            Meta's review of a template (also applied here)
 *   GET  /_mock/sent                                         the messages Frontdesk sent, with their wamids
 *   GET  /_mock/templates                                    the account's templates (ids, names, statuses)
 *
 * Run Frontdesk against it with WHATSAPP_GRAPH_URL=http://localhost:8898 npm start, and configure the
 * number with the PATCH /api/settings printed at start.
 */
import { DEMO_WHATSAPP } from "../services/inbox/seed";
import { FakeGraph, wamid } from "./dev/fake-graph";
import { inboundMessage, signedWebhook, statusUpdate, templateStatusUpdate } from "./dev/meta-webhooks";
import { serveMock } from "./dev/mock-server";

const port = Number(process.env.WHATSAPP_MOCK_PORT ?? 8898);
const webhookUrl = process.env.WEBHOOK_URL ?? "http://localhost:8888/api/webhook";
const appSecret = "whatsapp-mock-app-secret-local-only";
const verifyToken = "whatsapp-mock-verify-token";

const graph = new FakeGraph({
  accessToken: "EAAGwhatsappMockLocalOnly0123456789",
  // The demo tenant's WhatsApp number (npm start seeds it without a token): configuring it adds the token.
  businessAccountId: DEMO_WHATSAPP.businessAccountId,
  phoneNumberIds: [DEMO_WHATSAPP.phoneNumberId],
  mediaUrl: `http://localhost:${port}`,
});
const number = { phoneNumberId: graph.phoneNumberIds[0]!, businessAccountId: graph.businessAccountId };
graph.addTemplates(1, () => ({
  name: "hello_world",
  components: [
    { type: "HEADER", format: "TEXT", text: "Hello World" },
    { type: "BODY", text: "Welcome!" },
  ],
}));
// Enough that Frontdesk's template refresh follows paging.next (it asks for 100 a page).
graph.addTemplates(Number(process.env.WHATSAPP_MOCK_TEMPLATES ?? 120));

/** A 1×1 PNG, the picture every mock customer sends. */
const PICTURE = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);
const STATUS_RANK = { sent: 0, delivered: 1, read: 2, failed: 1 } as const;
const EVENTS = ["APPROVED", "REJECTED", "PAUSED", "DISABLED"] as const;

/** Posts one webhook as Meta does; what Frontdesk answered, or why it could not be reached. */
async function deliver(body: unknown): Promise<{ status: number | null; answer?: unknown; error?: string }> {
  const { rawBody, headers } = signedWebhook(body, appSecret);
  try {
    const answer = await fetch(webhookUrl, {
      method: "POST",
      headers: { ...headers, "user-agent": "facebookexternalua" },
      body: rawBody,
      signal: AbortSignal.timeout(20_000),
    });
    const text = await answer.text();
    return { status: answer.status, answer: parseJson(text) };
  } catch (error) {
    const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : error;
    return { status: null, error: `Frontdesk did not answer at ${webhookUrl} (${cause}): is it running (npm start)?` };
  }
}

const parseJson = (text: string) => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

/** 200 when every webhook reached Frontdesk, else 502 (Frontdesk down or failing). */
const answered = (results: { status: number | null }[], extra: Record<string, unknown>) =>
  Response.json(
    { sentTo: webhookUrl, ...extra },
    { status: results.every((r) => r.status !== null && r.status < 500) ? 200 : 502 },
  );

async function inbound(query: URLSearchParams): Promise<Response> {
  const type = query.get("type") ?? "text";
  if (type !== "text" && type !== "image") return Response.json({ message: "type is text or image" }, { status: 400 });
  const from = (query.get("from") ?? "14155550123").replace(/\D/g, "");
  const mediaId = type === "image" ? graph.addMedia(PICTURE, "image/png") : undefined;
  const replyTo = query.get("reply_to");
  const id = wamid();
  const body = inboundMessage(number, {
    id,
    from,
    name: query.get("name") ?? "Demo Customer",
    type,
    text: query.get("text") ?? (type === "text" ? "Hi! Is my order on its way?" : undefined),
    ...(mediaId ? { media: { id: mediaId, mimeType: "image/png", sha256: graph.media.get(mediaId)?.sha256 } } : {}),
    ...(replyTo ? { context: { from: number.phoneNumberId, id: replyTo } } : {}),
  });
  const result = await deliver(body);
  return answered([result], { wamid: id, ...(mediaId ? { mediaId } : {}), ...result });
}

async function statuses(id: string, query: URLSearchParams): Promise<Response> {
  const message = graph.outbox.find((m) => m.id === id);
  if (!message) {
    return Response.json(
      { message: "No message of that wamid was sent through the mock", sent: graph.outbox.slice(-10).map((m) => m.id) },
      { status: 404 },
    );
  }
  const order = (query.get("order") ?? "sent,delivered,read").split(",").map((s) => s.trim());
  const unknown = order.filter((s) => !(s in STATUS_RANK));
  if (unknown.length > 0) {
    return Response.json(
      { message: `Unknown status ${unknown.join(", ")}: sent, delivered, read, failed` },
      { status: 400 },
    );
  }
  // Timestamps follow what really happened (sent, then delivered, then read), whatever the arrival order.
  const at = Math.floor(Date.now() / 1000);
  const results = [];
  for (const status of order as (keyof typeof STATUS_RANK)[]) {
    const result = await deliver(
      statusUpdate(number, {
        id,
        status,
        recipient: message.to.replace(/\D/g, ""),
        timestamp: at + STATUS_RANK[status],
        ...(status === "failed" ? { errors: [Number(query.get("code") ?? 131026)] } : {}),
      }),
    );
    results.push({ whatsappStatus: status, ...result });
    if (result.status === null) break;
  }
  return answered(results, { wamid: id, deliveries: results });
}

async function templateStatus(id: string, query: URLSearchParams): Promise<Response> {
  const template = graph.templates.find((t) => t.id === id);
  if (!template) return Response.json({ message: "No template of that id (GET /_mock/templates)" }, { status: 404 });
  const event = EVENTS.find((e) => e === (query.get("event") ?? "APPROVED").toUpperCase());
  if (!event) {
    return Response.json({ message: "event is APPROVED, REJECTED, PAUSED or DISABLED" }, { status: 400 });
  }
  const reason = query.get("reason") ?? (event === "REJECTED" ? "INVALID_FORMAT" : "NONE");
  graph.setTemplateStatus(id, event, event === "REJECTED" ? reason : undefined);
  const result = await deliver(
    templateStatusUpdate(graph.businessAccountId, {
      templateId: id,
      name: template.name,
      language: template.language,
      event,
      reason,
    }),
  );
  return answered([result], { templateId: id, event, ...result });
}

async function control(request: Request, url: URL): Promise<Response | undefined> {
  if (request.method === "GET" && url.pathname === "/_mock/sent") {
    return Response.json(graph.outbox.map(({ id, to, body }) => ({ wamid: id, to, type: body.type ?? "text", body })));
  }
  if (request.method === "GET" && url.pathname === "/_mock/templates") {
    return Response.json(
      graph.templates.map(({ id, name, language, status, category }) => ({ id, name, language, status, category })),
    );
  }
  if (request.method !== "POST") return undefined;
  if (url.pathname === "/_mock/inbound") return inbound(url.searchParams);
  const status = /^\/_mock\/statuses\/([^/]+)$/.exec(url.pathname);
  if (status) return statuses(decodeURIComponent(status[1]!), url.searchParams);
  const template = /^\/_mock\/templates\/([^/]+)\/status$/.exec(url.pathname);
  if (template) return templateStatus(decodeURIComponent(template[1]!), url.searchParams);
  return undefined;
}

async function handle(request: Request): Promise<Response> {
  const url = new URL(request.url);
  return (
    (await control(request, url)) ??
    (url.pathname.startsWith("/_mock/")
      ? Response.json({ message: `No mock endpoint ${request.method} ${url.pathname}` }, { status: 404 })
      : await graph.handle(request))
  );
}

serveMock(port, handle, () => {
  const settings = JSON.stringify({
    whatsappConfig: {
      phoneNumberId: number.phoneNumberId,
      businessAccountId: number.businessAccountId,
      accessToken: graph.accessToken,
      appSecret,
    },
    webhookConfig: { verifyToken },
  });
  const auth = `-H "authorization: Bearer $TOKEN"`;
  const json = `-H 'content-type: application/json'`;
  console.log(`Mock WhatsApp Cloud API (Graph) on http://localhost:${port}: ${graph.templates.length} templates
  phone number id      ${number.phoneNumberId}
  business account id  ${number.businessAccountId}
  access token         ${graph.accessToken}
  app secret           ${appSecret}
  verify token         ${verifyToken}
  webhooks go to       ${webhookUrl}

Run Frontdesk with WHATSAPP_GRAPH_URL=http://localhost:${port} npm start, then (with $TOKEN an owner's token):
  # configure the number, and check Meta's webhook verification
  curl -X PATCH localhost:8888/api/settings ${auth} ${json} \\
    -d '${settings}'
  curl "localhost:8888/api/webhook?hub.mode=subscribe&hub.verify_token=${verifyToken}&hub.challenge=42"
  # a customer writes (text, then a picture), and the conversation shows it
  curl -X POST "localhost:${port}/_mock/inbound?from=14155550123&text=Hello"
  curl -X POST "localhost:${port}/_mock/inbound?from=14155550123&type=image&text=My%20receipt"
  curl localhost:8888/api/conversations ${auth}
  # reply, find the wamid Frontdesk sent, and have Meta report its statuses in reverse order
  curl -X POST localhost:8888/api/messages ${auth} ${json} -d '{"to":"+14155550123","type":"text","content":{"text":"On its way!"}}'
  curl localhost:${port}/_mock/sent
  curl -X POST "localhost:${port}/_mock/statuses/<wamid>?order=read,delivered,sent"
  # submit a template, find its Meta id, approve it
  curl -X POST localhost:8888/api/templates ${auth} ${json} \\
    -d '{"name":"welcome_message","category":"MARKETING","language":"en","components":[{"type":"BODY","text":"Hello {{1}}, welcome!","example":{"body_text":[["Maria"]]}}]}'
  curl localhost:${port}/_mock/templates
  curl -X POST "localhost:${port}/_mock/templates/<id>/status?event=APPROVED"
  curl "localhost:8888/api/analytics/overview?days=7" ${auth}`);
});
