import type { Config, Context } from "@netlify/functions";
import { z } from "zod";
import { type Database, getDb } from "../../db/client";
import type { ApiKeyScope } from "../../db/schema";
import { type Access, authenticate, authorize } from "../auth/authenticate";
import type { AuthenticatedCaller, Caller, Page, ServiceContext, UserCaller } from "../context";
import { AppError, type ErrorCode } from "../errors";
import { findJsonProblem } from "../json";
import { logError, logRequest } from "../log";
import { requestIdOf } from "../request-id";
import { preflight } from "./cors";
import { errorResponse } from "./errors";
import { applyResponseHeaders } from "./headers";
import { answerOnce, idempotencyKeyOf, requestHash } from "./idempotency";

export const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export type Method = (typeof METHODS)[number];

export const MAX_BODY_BYTES = 1024 * 1024;

/** Public operations may be called by anyone; API keys reach only operations that name scopes. */
type CallerFor<A extends Access> = A extends "public" | { anonymous: true }
  ? Caller
  : A extends { scopes: readonly ApiKeyScope[] }
    ? AuthenticatedCaller
    : UserCaller;

interface HandlerInput<A extends Access, P, Q, B, U extends boolean> {
  ctx: ServiceContext<CallerFor<A>>;
  params: P;
  query: Q;
  /** The validated body; undefined for an `unparsedBody` operation, which reads `rawBody` itself. */
  body: [U] extends [true] ? undefined : B;
  /** The body exactly as received, for operations that verify a signature over it (webhooks). */
  rawBody: [U] extends [true] ? string : string | undefined;
  request: Request;
  /**
   * Runs `task` after the answer (Netlify's `context.waitUntil` keeps the function alive until it
   * settles): work the caller must not wait for, such as processing a webhook already stored. It
   * starts on a later turn of the event loop, never inside the handler's own. A failure is logged,
   * never answered.
   */
  after(task: () => Promise<unknown>): void;
}

/**
 * One HTTP method of a route: who may call it, the shapes of what comes in and goes out, and
 * the one service call it makes. The same declaration drives validation and the OpenAPI document.
 */
export interface Operation<
  A extends Access = Access,
  P = unknown,
  Q = unknown,
  B = unknown,
  R = unknown,
  U extends boolean = boolean,
> {
  summary: string;
  description?: string;
  access: A;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /**
   * The body is read (at most MAX_BODY_BYTES, a JSON media type) but neither parsed nor validated:
   * the handler gets only its text (`rawBody`), and `body` documents the request (OpenAPI) without
   * being applied. For a webhook that must check its sender's signature before judging the body,
   * and keep a signed body it cannot read rather than refuse it (which the sender would retry forever).
   */
  unparsedBody?: U;
  /** The schema of `data`; for paginated operations, of one item. The output is parsed through it. */
  response?: z.ZodType;
  /** The handler returns a Page (shared/context.ts); the response adds it as `pagination`, with `limit`/`offset`. */
  paginated?: boolean;
  status?: 200 | 201 | 202 | 204;
  /** Answers 202 instead when it holds for the result (a webhook acknowledging what it did not store). */
  accepted?: (result: R) => boolean;
  /** Documents the 429 of operations guarded by the Postgres limiter. */
  rateLimited?: boolean;
  /** Documents statuses beyond those route() derives from the declaration (e.g. health's 503). */
  errors?: ErrorCode[];
  /** For routes whose answer is not the JSON envelope (docs page, CSV). */
  produces?: string;
  /** Cache-Control of a success, for the rare public answer a cache may keep; anything else is no-store. */
  cache?: string;
  /**
   * Honours an `Idempotency-Key` header (shared/http/idempotency.ts): a retry with the same key and
   * request answers the first response without running again. The handler then runs inside one
   * transaction (ctx.db is it; a service's own ctx.db.transaction() becomes a savepoint), so a
   * failed statement aborts the whole call: recover from one only inside a savepoint. The answer
   * must be JSON (or empty). Only for authenticated operations: keys are per tenant.
   */
  idempotent?: boolean;
  handler(input: HandlerInput<A, P, Q, B, U>): Promise<R | Response> | R | Response;
}

/** Declares one operation; a function so TypeScript infers params/query/body from the schemas. */
export function operation<
  const A extends Access,
  P = undefined,
  Q = undefined,
  B = undefined,
  R = unknown,
  const U extends boolean = false,
>(definition: Operation<A, P, Q, B, R, U>): Operation<A, P, Q, B, R, U> {
  return definition;
}

/**
 * A route function's `config`: Netlify's Config with a single path. Declare it annotated
 * (`export const config: RouteConfig = { ... }`), never with `satisfies`: Netlify reads the
 * object literal statically at build time and skips other expressions.
 */
export type RouteConfig = Config & { path: `/${string}` };

export interface RouteDefinition {
  path: string;
  operations: Partial<Record<Method, Operation<Access, any, any, any, any>>>;
}

export type RouteHandler = ((request: Request, context: Context) => Promise<Response>) & {
  definition: RouteDefinition;
};

/** What a route function file exports. */
export interface RouteModule {
  default: RouteHandler;
  config: RouteConfig;
}

/**
 * Turns a route's declaration into its Netlify handler: answers other methods 405 with Allow,
 * authenticates, authorizes, validates, calls, serialises and maps every error to the envelope.
 */
export function route(config: RouteConfig, operations: RouteDefinition["operations"]): RouteHandler {
  const allow = [...Object.keys(operations), "OPTIONS"].join(", ");
  for (const [method, op] of Object.entries(operations)) {
    if (op?.idempotent && op.access === "public") {
      throw new Error(`${method} ${config.path}: an idempotent operation needs a tenant, so it cannot be public`);
    }
  }

  const handler = async (request: Request, context: Context): Promise<Response> => {
    const started = performance.now();
    const requestId = requestIdOf(request, context);
    const url = new URL(request.url);
    let tenantId: string | undefined;
    let response: Response;
    try {
      if (request.method === "OPTIONS") {
        response = preflight(allow);
      } else {
        const op = operations[request.method as Method];
        if (!op) throw new AppError("METHOD_NOT_ALLOWED", `${request.method} is not allowed on this path`);
        const caller = await authenticate(request, op.access, getDb);
        authorize(caller, op.access);
        if (caller.kind !== "public") tenantId = caller.tenantId;
        const params = parse(op.params, context?.params ?? {}, "params");
        const query = pageByNumber(op, parse(op.query, searchParams(url), "query"), url);
        const raw = op.body ? await readJson(request, !op.unparsedBody) : undefined;
        const body = op.body && !op.unparsedBody ? parse(op.body, raw?.json, "body") : undefined;
        const ip = context?.ip || request.headers.get("x-nf-client-connection-ip") || "unknown";
        const after = (task: () => Promise<unknown>) => {
          // setImmediate: the task starts once the handler's turn is over, not inside it.
          const running = new Promise((resolve) => setImmediate(resolve))
            .then(task)
            .catch((error) => logError({ msg: "background task failed", requestId, error }));
          context?.waitUntil?.(running);
        };
        const answer = async (db: Database) => {
          const ctx = { db, caller, requestId, ip } as ServiceContext<never>;
          const result = await op.handler({ ctx, params, query, body, rawBody: raw?.text, request, after });
          return result instanceof Response ? result : serialize(op, result, query);
        };
        const db = await getDb();
        const key = op.idempotent ? idempotencyKeyOf(request) : undefined;
        response =
          key && tenantId
            ? await answerOnce(
                db,
                {
                  tenantId,
                  key,
                  operation: `${request.method} ${config.path}`,
                  requestHash: requestHash(request.method, url, op.unparsedBody ? raw?.text : raw?.json),
                },
                answer,
              )
            : await answer(db);
      }
    } catch (error) {
      response = errorResponse(error, requestId, { method: request.method, url: request.url });
      if (response.status === 405) response.headers.set("allow", allow);
    }
    applyResponseHeaders(response, request, requestId, operations[request.method as Method]?.cache);
    logRequest({ requestId, method: request.method, path: url.pathname, status: response.status, started, tenantId });
    return response;
  };

  return Object.assign(handler, { definition: { path: config.path, operations } });
}

/**
 * Validates one part of the request: first what no schema should have to meet (text Postgres cannot
 * store, JSON deep enough to overflow zod, JSON.stringify or PGlite, `__proto__` keys), then the schema.
 */
function parse<T>(schema: z.ZodType<T> | undefined, input: unknown, where: "params" | "query" | "body"): T {
  if (!schema) return undefined as T;
  const problem = findJsonProblem(input);
  if (problem) throw invalid(where, [problem]);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw invalid(where, result.error.issues);
}

function invalid(where: string, issues: { path: PropertyKey[]; message: string; code: string }[]) {
  return new AppError(
    "VALIDATION_FAILED",
    `The request ${where} is invalid`,
    issues.map((issue) => ({
      path: [where, ...issue.path.map(String)].join("."),
      message: issue.message,
      code: issue.code,
    })),
  );
}

/** Names that reach Object.prototype, or a constructor's, through a later `obj[key]`; no query needs them. */
const PROTOTYPE_NAMES = new Set(["__proto__", "constructor", "prototype"]);

/**
 * Query strings become an object without a prototype (so `toString` or `constructor` is only ever
 * the caller's value, never Object.prototype's); a repeated key becomes an array; prototype names are dropped.
 */
function searchParams(url: URL): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of url.searchParams) {
    if (PROTOTYPE_NAMES.has(key)) continue;
    const existing = out[key];
    out[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}

/** The body's text and, when `parse`, its JSON (an empty body is `{}`). */
async function readJson(request: Request, parse: boolean): Promise<{ text: string; json: unknown }> {
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > MAX_BODY_BYTES) throw tooLarge();
  if (bytes.byteLength === 0) return { text: "", json: {} };
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/([\w.+-]*\+)?json\b/i.test(type)) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "The request body must be JSON (Content-Type: application/json)");
  }
  const text = new TextDecoder().decode(bytes);
  if (!parse) return { text, json: undefined };
  try {
    return { text, json: JSON.parse(text) };
  } catch {
    throw new AppError("INVALID_JSON", "The request body is not valid JSON");
  }
}

const tooLarge = () => new AppError("PAYLOAD_TOO_LARGE", `The request body must be at most ${MAX_BODY_BYTES} bytes`);

/** Spec 003's `page` becomes the offset it names; given with `offset` or `cursor` as well, it is a 400. */
function pageByNumber<Q>(op: Operation<Access, any, any, any, any>, query: Q, url: URL): Q {
  const page = op.paginated ? (query as { page?: number }).page : undefined;
  if (page === undefined) return query;
  for (const other of ["offset", "cursor"]) {
    if (url.searchParams.has(other)) {
      throw invalid("query", [{ path: ["page"], message: `Give either page or ${other}, not both`, code: "custom" }]);
    }
  }
  const { limit } = query as { limit: number };
  return { ...query, offset: (page - 1) * limit };
}

const pageSchemas = new WeakMap<z.ZodType, z.ZodType>();

/** A paginated operation's items schema, built once per item schema rather than on every request. */
function pageSchema(item: z.ZodType): z.ZodType {
  let schema = pageSchemas.get(item);
  if (schema === undefined) {
    schema = z.array(item);
    pageSchemas.set(item, schema);
  }
  return schema;
}

function serialize(op: Operation<Access, any, any, any, any>, result: unknown, query: unknown): Response {
  const status = op.accepted?.(result) ? 202 : (op.status ?? 200);
  if (status === 204) return new Response(null, { status });
  if (op.paginated) {
    const { items, total, totalIsExact, hasMore, nextCursor } = result as Page<unknown>;
    const { limit, offset, cursor } = query as { limit: number; offset: number; cursor?: string };
    const data = op.response ? pageSchema(op.response).parse(items) : items;
    // Spec 003's page numbers: null on a cursor's page, which no number names.
    const page = cursor === undefined ? Math.floor(offset / limit) + 1 : null;
    const totalPages = Math.ceil(total / limit);
    return Response.json(
      { data, pagination: { total, totalIsExact, limit, offset, page, totalPages, hasMore, nextCursor } },
      { status },
    );
  }
  return Response.json({ data: op.response ? op.response.parse(result) : result }, { status });
}
