import Retell from "retell-sdk";

/** A call as Retell sends it: a `POST /v3/list-calls` item, a `GET /v2/get-call` answer or a webhook's `call`. */
export type RetellCall = Retell.CallResponse | Retell.CallListResponse["items"][number];
export type RetellListParams = Retell.CallListParams;

/**
 * `fetch` that reads an error answer's (small) body before handing it on. Before retrying a 429 or
 * 5xx the SDK cancels the body it will not read, and a cancel can hang forever on some fetch
 * implementations (mswjs/interceptors#799, fixed only in versions that need Node 22); a body
 * already read cannot.
 */
async function fetchWithBufferedErrors(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const response = await fetch(input, init);
  if (response.ok || response.body === null) return response;
  const { status, statusText, headers } = response;
  return new Response(await response.arrayBuffer(), { status, statusText, headers });
}

/** Retell's own API, the SDK's default; RETELL_BASE_URL points the clients elsewhere (a mock, a proxy). */
export const RETELL_DEFAULT_BASE_URL = "https://api.retellai.com";

const clients = new Map<string, { apiKey: string; client: Retell }>();

/**
 * The tenant's Retell client, made on first use and kept for the warm function instance. It is
 * made lazily because the SDK binds `fetch` when constructed (tests start msw first). The base
 * URL comes from RETELL_BASE_URL when set (a mock, a proxy), else Retell's own.
 */
export function retellClient(tenantId: string, apiKey: string): Retell {
  const cached = clients.get(tenantId);
  if (cached?.apiKey === apiKey) return cached.client;
  const client = new Retell({
    apiKey,
    baseURL: process.env.RETELL_BASE_URL || RETELL_DEFAULT_BASE_URL,
    maxRetries: Number(process.env.RETELL_MAX_RETRIES ?? 2),
    fetch: fetchWithBufferedErrors,
  });
  clients.set(tenantId, { apiKey, client });
  return client;
}

/**
 * Checks Retell's `x-retell-signature` (`v=<ms>,d=<hmac>`, at most 5 minutes old) over the exact
 * raw body. The SDK's verify is async: awaiting it here is what keeps a forgery out.
 */
export async function verifyRetellSignature(rawBody: string, apiKey: string, signature: string): Promise<boolean> {
  return await Retell.verify(rawBody, apiKey, signature);
}
