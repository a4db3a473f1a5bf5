import { isDeepStrictEqual } from "node:util";
import { z } from "zod";
import packageJson from "../../package.json";
import type { Access } from "../auth/authenticate";
import { ERROR_STATUS, type ErrorCode } from "../errors";
import { MAX_BODY_BYTES, METHODS, type Method, type RouteDefinition } from "../http/route";
import { EXACT_TOTAL_LIMIT } from "../pagination";

/**
 * The OpenAPI 3.1 document, built from the route declarations (`route()`'s `.definition`) at
 * runtime, so it cannot drift from what the handlers validate and return. Schemas come from zod's
 * own `z.toJSONSchema` (JSON Schema 2020-12, which OpenAPI 3.1 uses as is); every schema declared
 * with `.meta({ id })` becomes a reusable component under `#/components/schemas/<id>`.
 */

type JsonSchema = z.core.JSONSchema.BaseSchema;
type AnyOperation = NonNullable<RouteDefinition["operations"][Method]>;
type Io = "input" | "output";

interface OpenApiOperation {
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  security: Record<string, string[]>[];
  parameters?: Record<string, unknown>[];
  requestBody?: Record<string, unknown>;
  responses: Record<string, Record<string, unknown>>;
}

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description: string };
  tags: { name: string }[];
  paths: Record<string, Partial<Record<Lowercase<Method>, OpenApiOperation>>>;
  components: {
    schemas: Record<string, JsonSchema>;
    responses: Record<string, Record<string, unknown>>;
    headers: Record<string, Record<string, unknown>>;
    securitySchemes: Record<string, Record<string, unknown>>;
  };
}

/** What the document needs of a function module: its route declaration, read only when building. */
export interface DocumentedModule {
  default: { definition: RouteDefinition };
}

const errorBody = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      details: z
        .array(z.looseObject({ path: z.string().optional(), message: z.string() }))
        .optional()
        .describe("One entry per validation issue; `path` is like `body.email`"),
    }),
  })
  .meta({ id: "Error", description: "Every error answer: a stable code and a human-readable message" });

const bound = EXACT_TOTAL_LIMIT.toLocaleString("en");
const pagination = z
  .object({
    total: z
      .number()
      .int()
      .min(0)
      .describe(`Items across all pages: exact when \`totalIsExact\`, else the bound they exceed (${bound})`),
    totalIsExact: z
      .boolean()
      .describe(
        `False when there are more items than are counted (more than ${bound}); call history's total is always exact`,
      ),
    limit: z.number().int(),
    offset: z.number().int(),
    page: z
      .number()
      .int()
      .nullable()
      .describe("Spec 003's page number, from 1 (offset / limit + 1); null on a cursor's page"),
    totalPages: z.number().int().min(0).describe("Pages of `limit` items in `total` (a lower bound when the total is)"),
    hasMore: z.boolean().describe("Whether a page follows this one"),
    nextCursor: z
      .string()
      .nullable()
      .describe(
        "Pass as `cursor` for the next page, which then costs what the first does however deep; null on the last page",
      ),
  })
  .meta({ id: "Pagination" });

const SUCCESS_TEXT: Record<number, string> = { 200: "OK", 201: "Created", 202: "Accepted", 204: "No content" };

/** Shared error answers, by status: the component name and what it means. */
const ERRORS: Record<number, [name: string, description: string]> = {
  400: ["BadRequest", "Invalid JSON, or params, query or body failing validation (`details` lists each issue)"],
  401: ["Unauthorized", "Missing, expired or invalid credentials"],
  403: ["Forbidden", "The caller's role or API key scopes do not allow this operation"],
  404: ["NotFound", "No such resource in the caller's tenant"],
  405: ["MethodNotAllowed", "The path does not support this method; `Allow` lists those it does"],
  409: ["Conflict", "The change conflicts with existing data, such as a duplicate"],
  413: ["PayloadTooLarge", `The body is larger than ${MAX_BODY_BYTES} bytes`],
  415: ["UnsupportedMediaType", "The body is not `application/json`"],
  422: ["UnprocessableEntity", "The request is well-formed but breaks a business rule"],
  429: ["TooManyRequests", "Too many attempts; retry after `Retry-After` seconds"],
  500: ["InternalError", "An unexpected error; the message quotes the request id, the cause is only logged"],
  502: [
    "BadGateway",
    "A provider (Meta's Graph API) refused or failed the request; `details` carry its status and error code",
  ],
  503: ["ServiceUnavailable", "A service this operation depends on, such as the database, does not answer"],
};

const requestIdHeader = { "x-request-id": { $ref: "#/components/headers/RequestId" } };
const idempotentReplayedHeader = {
  "Idempotent-Replayed": {
    description: "`true` when this is the stored answer to an earlier request with the same Idempotency-Key",
    schema: { type: "string", enum: ["true"] },
  },
};

/** zod cannot express a Date in JSON Schema; on the wire it is an ISO 8601 string. */
const renderDates: NonNullable<z.core.ToJSONSchemaParams["override"]> = ({ zodSchema, jsonSchema }) => {
  if (zodSchema._zod.def.type === "date") Object.assign(jsonSchema, { type: "string", format: "date-time" });
};

const COMPONENT_NAME = /^[A-Za-z0-9._-]+$/;
const DEFS_REF = /^#\/\$defs\/(.+)$/;
const decodePointer = (segment: string) => segment.replace(/~1/g, "/").replace(/~0/g, "~");

function rewriteRefs<T>(value: T, target: (ref: string) => string): T {
  if (Array.isArray(value)) return value.map((item) => rewriteRefs(item, target)) as T;
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      key === "$ref" && typeof item === "string" ? target(item) : rewriteRefs(item, target),
    ]),
  ) as T;
}

function hasRef(value: unknown, ref: string): boolean {
  if (value === null || typeof value !== "object") return false;
  return Object.entries(value).some(([key, item]) => (key === "$ref" && item === ref) || hasRef(item, ref));
}

/**
 * `components.schemas`, filled as schemas are converted. zod puts `.meta({ id })` schemas (and the
 * targets of recursive references) in the root's `$defs`; they move here and their `$ref`s are
 * rewritten from `#/$defs/X` to `#/components/schemas/X`.
 */
class Components {
  readonly schemas: Record<string, JsonSchema> = {};

  /**
   * The JSON Schema of `schema` as a request (`input`: before defaults and transforms) or a
   * response (`output`) sees it. `hint` names the anonymous definitions of this one conversion.
   */
  add(schema: z.ZodType, io: Io, hint: string): JsonSchema {
    const {
      $schema: _dialect,
      $defs,
      ...converted
    } = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any", override: renderDates });
    const defs: Record<string, JsonSchema> = { ...$defs } as Record<string, JsonSchema>;
    let root: JsonSchema = converted;
    // A recursive root without an id refers to itself as "#", which would mean the whole document here.
    if (hasRef(root, "#")) {
      defs["#"] = root;
      root = { $ref: "#" };
    }

    const names = new Map<string, string>();
    for (const key of Object.keys(defs)) {
      // zod names definitions without an id `__schema<n>`: unique within one conversion only.
      names.set(key, key === "#" ? hint : key.startsWith("__schema") ? `${hint}${key.slice("__schema".length)}` : key);
    }
    const target = (ref: string) => {
      const key = ref === "#" ? "#" : decodePointer(DEFS_REF.exec(ref)?.[1] ?? "");
      const name = names.get(key);
      if (!name) throw new Error(`OpenAPI: cannot resolve $ref "${ref}" in ${hint}`);
      return `#/components/schemas/${name}`;
    };

    // One id may render differently as input and as output (defaults, transforms, closed objects):
    // responses are converted first and keep the id; a differing input shape becomes `<id>Input`.
    // Renaming one definition changes those referring to it, hence the loop until nothing changes.
    for (let renamed = true; renamed; ) {
      renamed = false;
      for (const [key, definition] of Object.entries(defs)) {
        const name = names.get(key)!;
        const existing = this.schemas[name];
        if (!existing || isDeepStrictEqual(existing, rewriteRefs(definition, target))) continue;
        if (io === "input" && name === key) {
          names.set(key, `${key}Input`);
          renamed = true;
        } else {
          throw new Error(`OpenAPI: two different schemas are both named "${name}"; give one another .meta({ id })`);
        }
      }
    }

    for (const [key, definition] of Object.entries(defs)) {
      const name = names.get(key)!;
      if (!COMPONENT_NAME.test(name)) throw new Error(`OpenAPI: "${name}" is not a valid component name`);
      this.schemas[name] = rewriteRefs(definition, target);
    }
    return rewriteRefs(root, target);
  }

  /** Follows a `#/components/schemas/X` reference. */
  resolve(schema: JsonSchema): JsonSchema {
    const name = schema.$ref?.replace("#/components/schemas/", "");
    return name === undefined ? schema : (this.schemas[name] ?? schema);
  }
}

interface Entry {
  functionName: string;
  path: string;
  method: Method;
  op: AnyOperation;
  operationId: string;
}

const capitalize = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/** `GET /api/users/:id` → `getUsersById`. */
function operationIdOf(method: Method, path: string): string {
  const words = path
    .replace(/^\/api(?=\/)/, "")
    .split("/")
    .filter(Boolean)
    .map((segment) => (segment.startsWith(":") ? `by-${segment.slice(1)}` : segment))
    .flatMap((segment) => segment.split(/[^A-Za-z0-9]+/))
    .filter(Boolean);
  return method.toLowerCase() + words.map(capitalize).join("");
}

/** An operation's tag is its module: the prefix of its function's file name (`voice-calls-id` → `voice`). */
const tagOf = (functionName: string): string => functionName.split("-")[0] || "default";

function accessNote(access: Access): string {
  if (access === "public") return "Public: no credentials needed.";
  const roles = !access.roles
    ? "Roles: any member of the tenant."
    : access.roles.length > 0
      ? `Roles: ${access.roles.join(", ")}.`
      : "Not available to users.";
  const keys = access.scopes?.length ? `API key scopes: ${access.scopes.join(", ")}.` : "Not available to API keys.";
  const anonymous = access.anonymous ? " With no credentials at all, the public (see above)." : "";
  return `${roles} ${keys}${anonymous}`;
}

function securityOf(access: Access): Record<string, string[]>[] {
  if (access === "public") return [];
  const users = access.roles?.length === 0 ? [] : [{ bearerAuth: [] }];
  const schemes = access.scopes?.length ? [...users, { apiKey: [] }] : users;
  // OpenAPI's "no credentials" alternative: an empty requirement.
  return access.anonymous ? [...schemes, {}] : schemes;
}

function errorStatuses({ path, method, op }: Entry): number[] {
  const writes = method !== "GET";
  return [
    ...(op.params || op.query || op.body ? [400] : []),
    ...(op.access === "public" ? [] : [401, 403]),
    ...(path.includes(":") ? [404] : []),
    405,
    ...(writes ? [409] : []),
    ...(op.body ? [413, 415] : []),
    ...(writes ? [422] : []),
    ...(op.rateLimited ? [429] : []),
    500,
    ...(op.errors ?? []).map((code) => ERROR_STATUS[code]),
  ];
}

function successResponse({ op, operationId }: Entry, components: Components): [string, Record<string, unknown>] {
  const status = op.status ?? 200;
  const response: Record<string, unknown> = {
    description: SUCCESS_TEXT[status] ?? "Success",
    headers: op.idempotent ? { ...requestIdHeader, ...idempotentReplayedHeader } : requestIdHeader,
  };
  if (status === 204) return [String(status), response];
  const hint = `${capitalize(operationId)}Response`;
  let contentType = "application/json";
  let schema: JsonSchema;
  if (op.produces) {
    contentType = op.produces;
    if (op.response) schema = components.add(op.response, "output", hint);
    else schema = /[/+]json\b/i.test(op.produces) ? { type: "object" } : { type: "string" };
  } else {
    const data = op.response ?? z.unknown();
    const envelope = op.paginated ? z.object({ data: z.array(data), pagination }) : z.object({ data });
    schema = components.add(envelope, "output", hint);
  }
  return [String(status), { ...response, content: { [contentType]: { schema } } }];
}

/** The properties of an object schema, for turning params and query into parameters. */
function fieldsOf(schema: JsonSchema, components: Components, what: string) {
  const object = components.resolve(schema);
  if (object.type !== "object") throw new Error(`OpenAPI: ${what} must be an object schema`);
  return {
    properties: (object.properties ?? {}) as Record<string, JsonSchema>,
    required: new Set(object.required ?? []),
  };
}

/** The header of operations declared `idempotent` (shared/http/idempotency.ts). */
const idempotencyKeyParameter = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  description:
    "Makes a retry safe (Stripe's semantics): a request with a key this tenant used in the last 24 hours, with the same " +
    "method, path, query and body, answers the first request's status and body again, with `Idempotent-Replayed: true`, " +
    "and writes nothing; the same key with another request is a 422. A request that failed and wrote nothing (an error " +
    "status) is not kept, so a retry with its key runs again; one that wrote something and answers an error (a " +
    "WhatsApp send Meta refused: the message is stored failed, the answer a 502) is kept, so a retry does not send again.",
  schema: { type: "string", minLength: 1, maxLength: 255, pattern: "^[\\x20-\\x7E]+$" },
};

/** A parameter carries its schema's description itself. */
function parameter(name: string, where: "path" | "query", required: boolean, schema: JsonSchema) {
  const { description, ...rest } = schema;
  return { name, in: where, required, ...(description ? { description } : {}), schema: rest };
}

function parametersOf(entry: Entry, components: Components): Record<string, unknown>[] {
  const { path, op, operationId } = entry;
  const hint = capitalize(operationId);
  const declared = op.params
    ? fieldsOf(components.add(op.params, "input", `${hint}Params`), components, "params")
    : null;
  // Every `:name` of the path is a parameter, declared in `params` or not.
  const pathAndHeaders = [
    ...[...path.matchAll(/:(\w+)/g)].map(([, name = ""]) =>
      parameter(name, "path", true, declared?.properties[name] ?? { type: "string" }),
    ),
    ...(op.idempotent ? [idempotencyKeyParameter] : []),
  ];
  if (!op.query) return pathAndHeaders;
  const query = fieldsOf(components.add(op.query, "input", `${hint}Query`), components, "query");
  return [
    ...pathAndHeaders,
    ...Object.entries(query.properties).map(([name, schema]) =>
      parameter(name, "query", query.required.has(name), schema),
    ),
  ];
}

function requestBodyOf({ op, operationId }: Entry, components: Components): Record<string, unknown> {
  const body = op.body!;
  let required = true;
  try {
    // route() reads an empty body as {}: when that is valid, the body may be left out.
    required = !body.safeParse({}).success;
  } catch {
    // An async refinement cannot be checked synchronously; say the body is required.
  }
  const schema = components.add(body, "input", `${capitalize(operationId)}Body`);
  return { required, content: { "application/json": { schema } } };
}

function errorComponents(components: Components) {
  const schema = components.add(errorBody, "output", "Error");
  const headers = {
    RequestId: {
      description: "Identifies the request in the logs; quote it when reporting a problem",
      schema: { type: "string" },
    },
    Allow: { description: "The methods the path supports", schema: { type: "string" } },
    RetryAfter: { description: "Seconds to wait before trying again", schema: { type: "integer", minimum: 0 } },
  };
  const extraHeaders: Record<number, Record<string, unknown>> = {
    405: { Allow: { $ref: "#/components/headers/Allow" } },
    429: { "Retry-After": { $ref: "#/components/headers/RetryAfter" } },
  };
  const responses = Object.fromEntries(
    Object.entries(ERRORS).map(([status, [name, description]]) => [
      name,
      {
        description,
        headers: { ...requestIdHeader, ...extraHeaders[Number(status)] },
        content: { "application/json": { schema } },
      },
    ]),
  );
  return { headers, responses };
}

/** The document of the route functions given by name (the file name in netlify/functions, which names the module). */
export function buildOpenApiDocument(modules: Record<string, DocumentedModule>): OpenApiDocument {
  const routes = Object.entries(modules)
    .map(([functionName, module]) => ({ functionName, ...module.default.definition }))
    .sort((a, b) => a.path.localeCompare(b.path));
  const operationIds = new Set<string>();
  const entries: Entry[] = [];
  for (const { functionName, path, operations } of routes) {
    if (entries.some((entry) => entry.path === path)) throw new Error(`OpenAPI: two functions declare ${path}`);
    for (const method of METHODS) {
      const op = operations[method];
      if (!op) continue;
      let operationId = operationIdOf(method, path);
      for (let n = 2; operationIds.has(operationId); n++) operationId = `${operationIdOf(method, path)}${n}`;
      operationIds.add(operationId);
      entries.push({ functionName, path, method, op, operationId });
    }
  }

  const components = new Components();
  const errors = errorComponents(components);
  // Responses first, so a `.meta({ id })` schema's component is its output shape (see Components.add).
  const successes = entries.map((entry) => successResponse(entry, components));

  const paths: OpenApiDocument["paths"] = {};
  const tags: string[] = [];
  entries.forEach((entry, index) => {
    const { functionName, path, method, op, operationId } = entry;
    const tag = tagOf(functionName);
    if (!tags.includes(tag)) tags.push(tag);
    const parameters = parametersOf(entry, components);
    const [status, success] = successes[index]!;
    const responses: OpenApiOperation["responses"] = { [status]: success };
    if (op.accepted) responses["202"] = { ...success, description: SUCCESS_TEXT[202] };
    for (const code of errorStatuses(entry)) {
      responses[String(code)] = { $ref: `#/components/responses/${ERRORS[code]![0]}` };
    }
    const openApiPath = path.replace(/:(\w+)/g, "{$1}");
    paths[openApiPath] ??= {};
    paths[openApiPath][method.toLowerCase() as Lowercase<Method>] = {
      operationId,
      summary: op.summary,
      description: [op.description, accessNote(op.access)].filter(Boolean).join("\n\n"),
      tags: [tag],
      security: securityOf(op.access),
      ...(parameters.length ? { parameters } : {}),
      ...(op.body ? { requestBody: requestBodyOf(entry, components) } : {}),
      responses,
    };
  });

  return {
    openapi: "3.1.0",
    info: {
      title: "Frontdesk API",
      version: packageJson.version,
      description: [
        "Multi-tenant backend for AI customer conversations.",
        'Success answers are `{ "data": ... }`; lists add `pagination`. Errors are `{ "error": { "code", "message", "details"? } }`.',
        "Members authenticate with `Authorization: Bearer <access token>` from /api/auth/login; services with `x-api-key` on operations that name API key scopes.",
      ].join("\n\n"),
    },
    tags: tags.sort().map((name) => ({ name })),
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(components.schemas).sort(([a], [b]) => a.localeCompare(b))),
      responses: errors.responses,
      headers: errors.headers,
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description: "A member's access token from /api/auth/login or /api/auth/refresh (15 minutes)",
        },
        apiKey: {
          type: "apiKey",
          in: "header",
          name: "x-api-key",
          description: "A tenant's API key; accepted only by operations that list API key scopes",
        },
      },
    },
  };
}
