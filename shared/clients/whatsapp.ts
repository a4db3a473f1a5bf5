import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Meta's WhatsApp Cloud API (the Graph API), as Frontdesk calls it: send a message, mark one read,
 * resolve and download media, list, create and delete message templates. Requests and answers are
 * Meta's own shapes (https://developers.facebook.com/docs/whatsapp/cloud-api/reference).
 *
 * The base URL comes from WHATSAPP_GRAPH_URL (a mock, a proxy), else Meta's; the API version is
 * pinned (WHATSAPP_API_VERSION) unless a number's configuration names its own. The access token
 * goes in the Authorization header only, never in a URL, so no log line or error carries it.
 */

const WHATSAPP_DEFAULT_GRAPH_URL = "https://graph.facebook.com";
export const WHATSAPP_API_VERSION = "v23.0";

/** One attempt's limit; the caller's deadline bounds the attempts together. */
const ATTEMPT_TIMEOUT_MS = 10_000;
const FIRST_BACKOFF_MS = 250;

/** Meta's rate-limit codes (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes). */
const THROTTLING_CODES = new Set([4, 80007, 130429, 131056]);

/** Meta's error envelope (`{ error: { message, type, code, error_subcode, error_data, fbtrace_id } }`). */
interface GraphErrorBody {
  error?: {
    message?: string;
    type?: string;
    code?: number;
    error_subcode?: number;
    error_user_title?: string;
    error_user_msg?: string;
    error_data?: { details?: string };
    fbtrace_id?: string;
  };
}

/** A Graph answer other than 2xx: its HTTP status and Meta's error code, title and details. */
export class GraphError extends Error {
  readonly status: number;
  readonly code: number | undefined;
  readonly subcode: number | undefined;
  readonly title: string;
  readonly details: string | undefined;
  readonly fbtraceId: string | undefined;

  constructor(status: number, body: GraphErrorBody | undefined) {
    const error = body?.error;
    const title = error?.error_user_title ?? error?.message ?? `Graph answered ${status}`;
    super(title);
    this.name = "GraphError";
    this.status = status;
    this.code = error?.code;
    this.subcode = error?.error_subcode;
    this.title = title;
    this.details = error?.error_data?.details ?? error?.error_user_msg;
    this.fbtraceId = error?.fbtrace_id;
  }

  /**
   * Rate limits and Meta's own failures may pass; anything else is the request's fault. Meta answers
   * some throttling with a 400 (130429 throughput, 131056 pair rate, 80007 account rate limit) and
   * says to go by the code, not the HTTP status.
   */
  get retryable(): boolean {
    return this.status === 429 || this.status >= 500 || THROTTLING_CODES.has(this.code ?? 0);
  }
}

/** `POST /{phone-number-id}/messages`'s answer. */
export interface SentMessage {
  messaging_product: "whatsapp";
  contacts?: { input: string; wa_id: string }[];
  messages: { id: string; message_status?: string }[];
}

/** `GET /{media-id}`'s answer: a short-lived URL that itself needs the token. */
export interface MediaInfo {
  id: string;
  url: string;
  mime_type: string;
  sha256?: string;
  file_size?: number;
  messaging_product?: string;
}

/** A template as `GET /{waba-id}/message_templates` lists it. */
export interface MetaTemplate {
  id: string;
  name: string;
  language: string;
  status: string;
  category: string;
  components: Record<string, unknown>[];
  rejected_reason?: string;
  quality_score?: { score?: string } | string;
  parameter_format?: string;
  previous_category?: string;
}

export interface TemplatePage {
  data: MetaTemplate[];
  paging?: { cursors?: { before?: string; after?: string }; next?: string; previous?: string };
}

export interface NewTemplate {
  name: string;
  language: string;
  category: string;
  components: Record<string, unknown>[];
  parameter_format?: string;
}

/** A number's (or account's) access to Graph: its token, and the API version if it names one. */
export interface GraphAccess {
  accessToken: string;
  apiVersion?: string | null;
}

export interface GraphOptions {
  /** Retries of a 429 or 5xx stop when the next one could not finish by this time (epoch ms). */
  deadline?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const graphBaseUrl = () => (process.env.WHATSAPP_GRAPH_URL || WHATSAPP_DEFAULT_GRAPH_URL).replace(/\/+$/, "");

/** The client of one number or account. Made per use: it holds nothing but the token and base URL. */
export function graphClient(access: GraphAccess, options: GraphOptions = {}) {
  const base = `${graphBaseUrl()}/${access.apiVersion || WHATSAPP_API_VERSION}`;
  const authorization = `Bearer ${access.accessToken}`;

  /**
   * One Graph call; a 429 or 5xx is retried with doubling backoff while the deadline allows. Each
   * attempt's timeout bounds getting Graph's answer and `read` (a JSON answer is read whole within
   * it), not what the caller reads after: a media download streams on to a slow client past it.
   * A 2xx whose body cannot be read (not JSON, cut off) is a 502, never retried: Meta may have acted.
   */
  async function request<T>(url: string, init: RequestInit, read: (response: Response) => Promise<T>): Promise<T> {
    const deadline = options.deadline ?? Date.now() + 3 * ATTEMPT_TIMEOUT_MS;
    for (let attempt = 0; ; attempt++) {
      const timeout = new AbortController();
      const timer = setTimeout(
        () => timeout.abort(new DOMException("The attempt timed out", "TimeoutError")),
        Math.max(1, Math.min(ATTEMPT_TIMEOUT_MS, deadline - Date.now())),
      );
      let response: Response;
      try {
        response = await fetch(url, {
          ...init,
          headers: { authorization, ...(init.headers as Record<string, string>) },
          signal: timeout.signal,
        });
      } catch (cause) {
        clearTimeout(timer);
        // No answer at all (timeout, connection refused) counts as Meta's failure.
        const error = new GraphError(503, { error: { message: `Graph could not be reached: ${String(cause)}` } });
        if (!(await backoff(attempt, deadline))) throw error;
        continue;
      }
      if (response.ok) {
        try {
          return await read(response);
        } catch (cause) {
          const reason = cause instanceof Error ? cause.name : "unknown";
          throw new GraphError(502, { error: { message: `Graph's answer could not be read (${reason})` } });
        } finally {
          clearTimeout(timer);
        }
      }
      const body = (await response.json().catch(() => undefined)) as GraphErrorBody | undefined;
      clearTimeout(timer);
      const error = new GraphError(response.status, body);
      if (!error.retryable || !(await backoff(attempt, deadline, response.headers.get("retry-after")))) throw error;
    }
  }

  /** Waits before the next attempt; false when it could not start in time. */
  async function backoff(attempt: number, deadline: number, retryAfter?: string | null): Promise<boolean> {
    const seconds = Number(retryAfter);
    const wait = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : FIRST_BACKOFF_MS * 2 ** attempt;
    if (Date.now() + wait + 1_000 > deadline) return false;
    await sleep(wait);
    return true;
  }

  const json = <T>(url: string, init: RequestInit = {}): Promise<T> =>
    request(url, init, (response) => response.json() as Promise<T>);
  const post = <T>(path: string, body: unknown) =>
    json<T>(`${base}/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  return {
    /** Sends one message (`payload` is Meta's message object, without `messaging_product`). */
    sendMessage: (phoneNumberId: string, payload: Record<string, unknown>) =>
      post<SentMessage>(`${encodeURIComponent(phoneNumberId)}/messages`, { messaging_product: "whatsapp", ...payload }),

    /** Marks an inbound message (and those before it) read, which shows the customer blue ticks. */
    markRead: (phoneNumberId: string, messageId: string) =>
      post<{ success: boolean }>(`${encodeURIComponent(phoneNumberId)}/messages`, {
        messaging_product: "whatsapp",
        status: "read",
        message_id: messageId,
      }),

    getMedia: (mediaId: string) => json<MediaInfo>(`${base}/${encodeURIComponent(mediaId)}`),

    /**
     * The media's bytes, streamed; the URL is the one getMedia answered, which needs the token too.
     * The timeout stops once the headers are in: the body takes as long as the caller reads it.
     */
    downloadMedia: (url: string) => request(url, {}, async (response) => response),

    /**
     * One page of the account's templates: the first, or the one `next` names (Meta's `paging.next`,
     * followed only on the Graph host it was given by, with the token moved back into the header).
     */
    async listTemplates(businessAccountId: string, next?: string, limit = 100): Promise<TemplatePage> {
      // async, so a refused `next` rejects the promise like any other failure rather than throwing.
      if (next) return json<TemplatePage>(sameHost(next, base));
      const url = new URL(`${base}/${encodeURIComponent(businessAccountId)}/message_templates`);
      url.searchParams.set("limit", String(limit));
      return json<TemplatePage>(url.toString());
    },

    createTemplate: (businessAccountId: string, template: NewTemplate) =>
      post<{ id: string; status: string; category: string }>(
        `${encodeURIComponent(businessAccountId)}/message_templates`,
        template,
      ),

    /** Deletes the template of that name in the one language its id names (`hsm_id`). */
    deleteTemplate(businessAccountId: string, name: string, metaTemplateId: string) {
      const url = new URL(`${base}/${encodeURIComponent(businessAccountId)}/message_templates`);
      url.searchParams.set("name", name);
      url.searchParams.set("hsm_id", metaTemplateId);
      return json<{ success: boolean }>(url.toString(), { method: "DELETE" });
    },
  };
}

/** Meta's `paging.next` without the access token Meta puts in it (the token travels in the header only). */
export function withoutAccessToken(next: string): string {
  const url = new URL(next);
  url.searchParams.delete("access_token");
  return url.toString();
}

/** `next` if it is on the Graph host in use, without the access token; else an error. */
function sameHost(next: string, base: string): string {
  if (new URL(next).origin !== new URL(base).origin) throw new Error("Graph paging.next points at another host");
  return withoutAccessToken(next);
}

/** Meta's `X-Hub-Signature-256`: `sha256=<hex HMAC-SHA256 of the raw body under the app secret>`. */
export function verifyMetaSignature(rawBody: string, appSecret: string, header: string | null): boolean {
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header?.trim() ?? "");
  if (!match) return false;
  const expected = createHmac("sha256", appSecret).update(rawBody, "utf8").digest();
  return timingSafeEqual(expected, Buffer.from(match[1]!, "hex"));
}

/** The header Meta would send with `rawBody` (the mock and the tests sign with it). */
export function metaSignature(rawBody: string, appSecret: string): string {
  return `sha256=${createHmac("sha256", appSecret).update(rawBody, "utf8").digest("hex")}`;
}
