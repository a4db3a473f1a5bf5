import { createHash, randomBytes, randomInt } from "node:crypto";
import type { MetaTemplate } from "../../shared/clients/whatsapp";

/**
 * An in-memory WhatsApp Business account that answers Meta's Graph API (WhatsApp Cloud API) the way
 * Meta does, for the calls Frontdesk makes: `POST /{phone-number-id}/messages` (a send, or
 * `status: "read"`), `GET /{media-id}` and the media URL it answers, and `GET|POST|DELETE
 * /{waba-id}/message_templates` (cursor paging with an absolute `paging.next` carrying the token, as
 * Meta's does). Any `/vNN.N/` version prefix is accepted. Answers and errors are Meta's shapes
 * (https://developers.facebook.com/docs/whatsapp/cloud-api/reference); failures can be injected.
 *
 * The token is honoured in the Authorization header only (Meta also takes `?access_token=`): a client
 * that moved it into a URL fails here. Tests put it behind msw (scripts/dev/graph-server.ts, through
 * tests/helpers/whatsapp-msw.ts); `npm run whatsapp:mock` serves it over HTTP. Dev-only, like all of
 * scripts/dev/: never imported by production code.
 */

/** Meta's CDN host of media URLs (`GET /{media-id}` answers a URL there, which needs the token too). */
export const META_MEDIA_URL = "https://lookaside.fbsbx.com";

/** A numeric id like Meta's (phone number, WABA, template, media ids), random so parallel runs never collide. */
export function graphId(digits = 16): string {
  return `${randomInt(1, 10)}${Array.from({ length: digits - 1 }, () => randomInt(0, 10)).join("")}`;
}

/** The display number of a phone number id, as a webhook's `metadata.display_phone_number`. */
export const displayNumberOf = (phoneNumberId: string) => `1555${phoneNumberId.slice(-7)}`;

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A message id in Meta's form (`wamid.HBgL...`, base64 characters; none that need escaping in a URL). */
export function wamid(): string {
  return `wamid.HBgL${Array.from({ length: 44 }, () => ALPHANUMERIC[randomInt(0, ALPHANUMERIC.length)]).join("")}`;
}

const fbtraceId = () => `A${randomBytes(15).toString("base64url")}`;

interface KnownError {
  status: number;
  title: string;
  details: string;
  subcode?: number;
}

/** Meta's error codes the tests use (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes). */
export const META_ERRORS: Record<number, KnownError> = {
  2: { status: 503, title: "Service temporarily unavailable", details: "Service temporarily unavailable." },
  4: {
    status: 429,
    title: "Application request limit reached",
    details: "The app has reached its API call rate limit.",
  },
  100: { status: 400, title: "Invalid parameter", details: "Invalid parameter." },
  104: { status: 401, title: "An access token is required to request this resource.", details: "" },
  190: { status: 401, title: "Invalid OAuth access token - Cannot parse access token", details: "", subcode: 463 },
  2500: { status: 400, title: "Unknown path components", details: "" },
  80007: {
    status: 400,
    title: "Rate limit issues",
    details: "The WhatsApp Business Account has reached its rate limit.",
  },
  130429: {
    status: 400,
    title: "Rate limit hit",
    details: "Cloud API message throughput has been reached. Try again later.",
  },
  131000: { status: 500, title: "Something went wrong", details: "Message failed to send due to an unknown error." },
  131008: {
    status: 400,
    title: "Required parameter is missing",
    details: "The request is missing a required parameter.",
  },
  131009: { status: 400, title: "Parameter value is not valid", details: "One or more parameter values are invalid." },
  131026: {
    status: 400,
    title: "Message undeliverable",
    details: "Unable to deliver message. The recipient may not be a WhatsApp user or may not accept new terms.",
  },
  131030: {
    status: 400,
    title: "Recipient phone number not in allowed list",
    details: "Recipient phone number not in allowed list: Add recipient phone number to recipient list and try again.",
    subcode: 2655007,
  },
  131047: {
    status: 400,
    title: "Re-engagement message",
    details:
      "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
  },
  131051: { status: 400, title: "Unsupported message type", details: "Message type is not currently supported." },
  131056: {
    status: 400,
    title: "(Business Account, Consumer Account) pair rate limit hit",
    details:
      "Too many messages sent from the sender phone number to the same recipient phone number in a short period.",
  },
  132001: {
    status: 404,
    title: "Template name does not exist in the translation",
    details: "template name does not exist in the translation",
  },
  132015: { status: 400, title: "Template is Paused", details: "Template is paused due to low quality." },
  132016: { status: 400, title: "Template is Disabled", details: "Template has been paused too many times." },
};

/** Meta's error envelope for `code` (the known title and details unless overridden). */
export function metaErrorBody(
  code: number,
  overrides: { message?: string; details?: string; subcode?: number; userTitle?: string; userMessage?: string } = {},
) {
  const known = META_ERRORS[code];
  const details = overrides.details ?? known?.details;
  const subcode = overrides.subcode ?? known?.subcode;
  return {
    error: {
      message: overrides.message ?? `(#${code}) ${known?.title ?? "An unknown error occurred"}`,
      type: "OAuthException",
      code,
      ...(subcode !== undefined ? { error_subcode: subcode } : {}),
      ...(overrides.userTitle ? { error_user_title: overrides.userTitle, is_transient: false } : {}),
      ...(overrides.userMessage ? { error_user_msg: overrides.userMessage } : {}),
      ...(details ? { error_data: { messaging_product: "whatsapp", details } } : {}),
      fbtrace_id: fbtraceId(),
    },
  };
}

/** The HTTP answer Meta gives for `code` (its usual status unless told). */
export function metaError(code: number, status = META_ERRORS[code]?.status ?? 400, overrides = {}): Response {
  return Response.json(metaErrorBody(code, overrides), { status });
}

/** A request as the fake received it (the URL is kept whole: tests check no token is in one). */
export interface GraphRequest {
  method: string;
  url: string;
  path: string;
  authorization: string | null;
  body?: Record<string, any>;
}

/** A message Meta accepted: its wamid, the sending number, the recipient and the body as received. */
export interface AcceptedMessage {
  id: string;
  phoneNumberId: string;
  to: string;
  body: Record<string, any>;
}

interface Failure {
  times: number;
  status: number;
  body: unknown;
  path?: string;
  retryAfter?: number;
}

interface StoredMedia {
  bytes: Uint8Array<ArrayBuffer>;
  mimeType: string;
  sha256: string;
}

const SEND_TYPES = new Set([
  "text",
  "image",
  "video",
  "audio",
  "document",
  "sticker",
  "location",
  "contacts",
  "interactive",
  "template",
  "reaction",
]);
const MEDIA_TYPES = new Set(["image", "video", "audio", "document", "sticker"]);
const CATEGORIES = new Set(["MARKETING", "UTILITY", "AUTHENTICATION"]);

export interface FakeGraphOptions {
  accessToken?: string;
  businessAccountId?: string;
  phoneNumberIds?: string[];
  /** Where media URLs point (Meta's CDN by default; the local mock points them at itself). */
  mediaUrl?: string;
}

export class FakeGraph {
  readonly accessToken: string;
  readonly businessAccountId: string;
  readonly phoneNumberIds: string[];
  mediaUrl: string;
  /** Every request received, in order, failed ones included. */
  readonly requests: GraphRequest[] = [];
  /** The messages Meta accepted (a failed attempt is not here), with the wamid answered. */
  readonly outbox: AcceptedMessage[] = [];
  /** Message ids marked read (`status: "read"`), in order. */
  readonly reads: string[] = [];
  /** The account's templates in Meta's shape, in listing order; tests may edit it directly. */
  readonly templates: MetaTemplate[] = [];
  readonly media = new Map<string, StoredMedia>();
  /** Added before every answer (a timeout test sets it above the client's limit). */
  latencyMs = 0;
  private failures: Failure[] = [];
  private rejected = new Map<string, { code: number; status?: number }>();
  private sequence = 0;

  constructor(options: FakeGraphOptions = {}) {
    this.accessToken = options.accessToken ?? `EAAG${randomBytes(24).toString("base64url")}`;
    this.businessAccountId = options.businessAccountId ?? graphId(15);
    this.phoneNumberIds = options.phoneNumberIds ?? [graphId(15)];
    this.mediaUrl = options.mediaUrl ?? META_MEDIA_URL;
  }

  /** The bodies of the accepted sends (`POST /{phone}/messages` other than a read), in order. */
  get sent(): Record<string, any>[] {
    return this.outbox.map((message) => message.body);
  }

  /**
   * The next `times` requests (to paths containing `path`, if given) answer `status` with Meta's
   * envelope (`body`, else the usual one for the status); `retryAfter` adds a Retry-After (seconds).
   */
  failNext(times: number, status: number, body?: unknown, options: { path?: string; retryAfter?: number } = {}) {
    this.failures.push({ times, status, body: body ?? defaultErrorBody(status), ...options });
    return this;
  }

  /**
   * Sends to `waId` answer Meta's error `code` at once (131030 not in the allowed list, 131047
   * re-engagement...). Meta reports some failures only later, by a `failed` status webhook: for
   * those, accept the send and post `statusUpdate(..., { status: "failed", errors })`.
   */
  rejectRecipient(waId: string, code: number, status?: number) {
    this.rejected.set(digits(waId), { code, status });
    return this;
  }

  /** Stores media as if a customer had sent it; its id is what an inbound webhook names. */
  addMedia(bytes: Uint8Array | string, mimeType: string): string {
    const data = typeof bytes === "string" ? new TextEncoder().encode(bytes) : new Uint8Array(bytes);
    const id = graphId(16);
    this.media.set(id, { bytes: data, mimeType, sha256: createHash("sha256").update(data).digest("hex") });
    return id;
  }

  /** Adds `count` templates (approved utility ones unless `overrides` shapes them), in listing order. */
  addTemplates(count: number, overrides?: (index: number) => Partial<MetaTemplate>): MetaTemplate[] {
    const added: MetaTemplate[] = [];
    for (let index = 0; index < count; index++) {
      const n = ++this.sequence;
      const template: MetaTemplate = {
        id: graphId(16),
        name: `order_update_${n}`,
        language: "en_US",
        status: "APPROVED",
        category: "UTILITY",
        parameter_format: "POSITIONAL",
        components: [
          {
            type: "BODY",
            text: "Hello {{1}}, your order {{2}} has shipped.",
            example: { body_text: [["Ana", "#1001"]] },
          },
          { type: "FOOTER", text: "Reply STOP to opt out" },
        ],
        ...overrides?.(index),
      };
      this.templates.push(template);
      added.push(template);
    }
    return added;
  }

  /** Changes a template's status as Meta's review does (REJECTED with a reason, PAUSED...). */
  setTemplateStatus(id: string, status: string, reason?: string): MetaTemplate {
    const template = this.template(id);
    template.status = status.toUpperCase();
    if (reason) template.rejected_reason = reason;
    else delete template.rejected_reason;
    return template;
  }

  template(id: string): MetaTemplate {
    const template = this.templates.find((t) => t.id === id);
    if (!template) throw new Error(`no template ${id}`);
    return template;
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const body =
      request.method === "POST" ? ((await request.json().catch(() => undefined)) as Record<string, any>) : undefined;
    const authorization = request.headers.get("authorization");
    this.requests.push({ method: request.method, url: request.url, path: url.pathname, authorization, body });
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    if (!authorization) return metaError(104);
    if (authorization !== `Bearer ${this.accessToken}`) return metaError(190);

    const failure = this.failures.find((f) => f.times > 0 && (!f.path || url.pathname.includes(f.path)));
    if (failure) {
      failure.times--;
      const headers: Record<string, string> = failure.retryAfter ? { "retry-after": String(failure.retryAfter) } : {};
      return Response.json(failure.body, { status: failure.status, headers });
    }

    if (url.pathname === "/whatsapp_business/attachments/") return this.download(url);
    const path = url.pathname
      .replace(/^\/v\d+\.\d+(?=\/)/, "")
      .split("/")
      .filter(Boolean)
      .map(decodeURIComponent);
    const [node, edge, ...rest] = path;
    if (!node || rest.length > 0) return metaError(2500, 400, { message: `Unknown path components: ${url.pathname}` });
    if (edge === "messages" && request.method === "POST") {
      if (!this.phoneNumberIds.includes(node)) return unknownObject(request.method, node);
      return body?.status === "read" ? this.markRead(body) : this.send(node, body);
    }
    if (edge === "message_templates") {
      if (node !== this.businessAccountId) return unknownObject(request.method, node);
      if (request.method === "GET") return this.listTemplates(url);
      if (request.method === "POST") return this.createTemplate(body);
      if (request.method === "DELETE") return this.deleteTemplate(url);
    }
    if (!edge && request.method === "GET") return this.mediaInfo(node);
    if (edge) return metaError(2500, 400, { message: `Unknown path components: /${edge}` });
    return unknownObject(request.method, node);
  }

  private markRead(body: Record<string, any>): Response {
    if (body.messaging_product !== "whatsapp") return required("messaging_product");
    if (typeof body.message_id !== "string" || !body.message_id) return required("message_id");
    this.reads.push(body.message_id);
    return Response.json({ success: true });
  }

  private send(phoneNumberId: string, body: Record<string, any> | undefined): Response {
    if (!body) return metaError(100, 400, { details: "The request body is not valid JSON." });
    if (body.messaging_product !== "whatsapp") return required("messaging_product");
    if (body.recipient_type !== undefined && body.recipient_type !== "individual") {
      return metaError(131009, 400, { details: "recipient_type must be individual" });
    }
    if (typeof body.to !== "string" || !digits(body.to)) return required("to");
    const type = body.type ?? "text";
    if (!SEND_TYPES.has(type)) return metaError(131051);
    const content = body[type];
    if (!content || typeof content !== "object") return required(type);
    if (type === "text" && (typeof content.body !== "string" || !content.body)) return required("text['body']");
    if (MEDIA_TYPES.has(type) && !content.id && !content.link) return required(`${type}['id'] or ${type}['link']`);
    if (type === "reaction" && !content.message_id) return required("reaction['message_id']");
    if (type === "template") {
      const refused = this.templateRefusal(content);
      if (refused) return refused;
    }
    const rejected = this.rejected.get(digits(body.to));
    if (rejected) return metaError(rejected.code, rejected.status);
    const id = wamid();
    this.outbox.push({ id, phoneNumberId, to: body.to, body });
    return Response.json({
      messaging_product: "whatsapp",
      contacts: [{ input: body.to, wa_id: digits(body.to) }],
      messages: [{ id, ...(type === "template" ? { message_status: "accepted" } : {}) }],
    });
  }

  /** Meta sends only an approved template of the account in that language. */
  private templateRefusal(content: Record<string, any>): Response | undefined {
    if (!content.name) return required("template['name']");
    if (!content.language?.code) return required("template['language']['code']");
    const template = this.templates.find((t) => t.name === content.name && t.language === content.language.code);
    if (template?.status === "PAUSED") return metaError(132015);
    if (template?.status === "DISABLED") return metaError(132016);
    if (template?.status !== "APPROVED") return metaError(132001);
    return undefined;
  }

  private mediaInfo(id: string): Response {
    const media = this.media.get(id);
    if (!media) return unknownObject("GET", id);
    const download = new URL("/whatsapp_business/attachments/", this.mediaUrl);
    download.searchParams.set("mid", id);
    download.searchParams.set("source", "getMedia");
    download.searchParams.set("ext", String(Math.floor(Date.now() / 1000) + 300));
    download.searchParams.set("hash", randomBytes(12).toString("base64url"));
    return Response.json({
      messaging_product: "whatsapp",
      url: download.toString(),
      mime_type: media.mimeType,
      sha256: media.sha256,
      file_size: String(media.bytes.byteLength),
      id,
    });
  }

  private download(url: URL): Response {
    const media = this.media.get(url.searchParams.get("mid") ?? "");
    if (!media) return new Response("Not Found", { status: 404 });
    return new Response(media.bytes, {
      headers: { "content-type": media.mimeType, "content-length": String(media.bytes.byteLength) },
    });
  }

  /** One page; filters as Meta's (status, category, language, name) and cursors over the listing order. */
  private listTemplates(url: URL): Response {
    const query = url.searchParams;
    const limit = Math.max(1, Math.min(Number(query.get("limit") ?? 25) || 25, 1000));
    const matching = this.templates.filter(
      (t) =>
        (!query.get("status") || t.status === query.get("status")?.toUpperCase()) &&
        (!query.get("category") || t.category === query.get("category")?.toUpperCase()) &&
        (!query.get("language") || t.language === query.get("language")) &&
        (!query.get("name") || t.name.includes(query.get("name") ?? "")),
    );
    const after = query.get("after");
    const start = after ? position(matching, after) + 1 : 0;
    const data = matching.slice(start, start + limit);
    if (data.length === 0) return Response.json({ data: [] });
    const cursor = (template: MetaTemplate) => Buffer.from(template.id).toString("base64url");
    const page = (name: "after" | "before", value: string) => {
      const link = new URL(url);
      link.search = "";
      link.searchParams.set("access_token", this.accessToken);
      for (const key of ["status", "category", "language", "name"]) {
        const value = query.get(key);
        if (value) link.searchParams.set(key, value);
      }
      link.searchParams.set("limit", String(limit));
      link.searchParams.set(name, value);
      return link.toString();
    };
    const before = cursor(data[0]!);
    const last = cursor(data.at(-1)!);
    return Response.json({
      data,
      paging: {
        cursors: { before, after: last },
        ...(start + limit < matching.length ? { next: page("after", last) } : {}),
        ...(start > 0 ? { previous: page("before", before) } : {}),
      },
    });
  }

  private createTemplate(body: Record<string, any> | undefined): Response {
    if (!body?.name) return required("name");
    if (!/^[a-z0-9_]{1,512}$/.test(body.name)) {
      return metaError(100, 400, {
        details: "Template name can only contain lowercase alphanumeric characters and underscores.",
      });
    }
    if (!body.language) return required("language");
    const category = String(body.category ?? "").toUpperCase();
    if (!CATEGORIES.has(category)) return metaError(100, 400, { details: `Invalid category: ${body.category}` });
    const components = body.components;
    if (!Array.isArray(components) || !components.some((c) => String(c?.type).toUpperCase() === "BODY")) {
      return metaError(100, 400, { details: "components must contain a BODY component." });
    }
    if (this.templates.some((t) => t.name === body.name && t.language === body.language)) {
      return metaError(100, 400, {
        subcode: 2388024,
        userTitle: "Content in this language already exists",
        userMessage: `There is already ${body.language} content for this template. Create a new template and try again.`,
      });
    }
    const template: MetaTemplate = {
      id: graphId(16),
      name: body.name,
      language: body.language,
      status: "PENDING",
      category,
      components,
      ...(body.parameter_format ? { parameter_format: body.parameter_format } : {}),
    };
    this.templates.push(template);
    return Response.json({ id: template.id, status: template.status, category });
  }

  /** By name (every language), or by name and `hsm_id` (that one template). */
  private deleteTemplate(url: URL): Response {
    const name = url.searchParams.get("name");
    const hsmId = url.searchParams.get("hsm_id");
    if (!name) return required("name");
    const doomed = this.templates.filter((t) => t.name === name && (!hsmId || t.id === hsmId));
    if (doomed.length === 0) {
      return metaError(100, 400, { subcode: 2593002, userTitle: "Message template not found", details: name });
    }
    for (const template of doomed) this.templates.splice(this.templates.indexOf(template), 1);
    return Response.json({ success: true });
  }
}

/** Where a cursor's template stands (or stood: a removed one's place is not known, so paging restarts). */
function position(templates: MetaTemplate[], cursor: string): number {
  const id = Buffer.from(cursor, "base64url").toString();
  return templates.findIndex((t) => t.id === id);
}

function digits(phone: string): string {
  return phone.replace(/\D/g, "");
}

function required(parameter: string): Response {
  return metaError(100, 400, {
    message: `(#100) The parameter ${parameter} is required.`,
    details: `The parameter ${parameter} is required.`,
  });
}

function unknownObject(method: string, id: string): Response {
  return metaError(100, 400, {
    subcode: 33,
    message: `Unsupported ${method.toLowerCase()} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
  });
}

function defaultErrorBody(status: number) {
  if (status === 429) return metaErrorBody(4);
  if (status === 401) return metaErrorBody(190);
  if (status >= 500) return metaErrorBody(131000);
  return metaErrorBody(100);
}
