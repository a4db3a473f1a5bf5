import type { Context } from "@netlify/functions";
import { statementCounter } from "../../db/client";
import type { RouteModule } from "../../shared/http/route";

// Calling a function in-process, as Netlify invokes it: for the tests and `npm run bench`.

export interface CallOptions {
  method?: string;
  /** The request path; defaults to the function's own config.path. */
  path?: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** A raw body, sent as it is (for malformed JSON and media-type tests). */
  rawBody?: string;
  token?: string;
  apiKey?: string;
  headers?: Record<string, string>;
  /** Client IP as Netlify reports it; random by default so rate limits don't couple tests. */
  ip?: string;
}

export interface CallResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
  /** Statements Drizzle sent while handling this request. */
  statements: number;
}

/** A path segment decoded; a malformed percent-encoding (`%E0%A4%A`) is passed on as sent, for the route to refuse. */
function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Netlify's `config.path` matching: `:name` segments become context.params; anything else must match. */
export function matchPath(pattern: string, pathname: string): Record<string, string> | undefined {
  const want = pattern.split("/");
  const got = pathname.split("/");
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, segment] of want.entries()) {
    const actual = got[index] ?? "";
    if (segment.startsWith(":")) params[segment.slice(1)] = decodedSegment(actual);
    else if (segment !== actual) return undefined;
  }
  return params;
}

const randomIp = () =>
  `10.${Math.floor(Math.random() * 255)}.${Math.floor(Math.random() * 255)}.${Math.floor(Math.random() * 255)}`;

/** Calls a function's real default export in-process, with params derived from its own config.path. */
export async function call<T = any>(fn: RouteModule, options: CallOptions = {}): Promise<CallResult<T>> {
  const path = options.path ?? fn.config.path;
  const params = matchPath(fn.config.path, path);
  if (!params) throw new Error(`${path} does not match ${fn.config.path}`);
  const url = new URL(`http://localhost:8888${path}`);
  for (const [key, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  const headers = new Headers(options.headers);
  if (options.token) headers.set("authorization", `Bearer ${options.token}`);
  if (options.apiKey) headers.set("x-api-key", options.apiKey);
  let body = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  const request = new Request(url, { method: options.method ?? "GET", headers, body });
  // Work a function defers (context.waitUntil) is awaited before the call returns, so a test sees its effect.
  const deferred: Promise<unknown>[] = [];
  const context = {
    params,
    ip: options.ip ?? randomIp(),
    requestId: crypto.randomUUID(),
    waitUntil: (promise: Promise<unknown>) => deferred.push(promise),
  } as unknown as Context;
  const before = statementCounter.count;
  const response = await fn.default(request, context);
  const statements = statementCounter.count - before;
  await Promise.all(deferred);
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed as T, text, statements };
}
