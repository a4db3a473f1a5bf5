import fc from "fast-check";
import Retell from "retell-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { getDb } from "../../db/client";
import { API_KEY_SCOPES, agents, ROLES, type Role } from "../../db/schema";
import * as login from "../../netlify/functions/platform-auth-login";
import * as returnRequests from "../../netlify/functions/returns-return-requests";
import type { FakeRetell } from "../../scripts/dev/fake-retell";
import { type Account, addMember, createApiKey, registerTenant, unique } from "../../scripts/dev/fixtures";
import { type CallOptions, type CallResult, call, matchPath } from "../../scripts/dev/http";
import { saveRetellKey } from "../../scripts/dev/retell-server";
import { declaredOperations } from "../../scripts/functions";
import { mockRetell } from "../helpers/retell-msw";
import { moduleMatrices, type World } from "../helpers/security-matrix";
import {
  bodyFields,
  type DocumentedOperation,
  documentedOperations,
  type FieldPath,
  type Schema,
  valuePaths,
} from "./schema";
import {
  HOSTILE_BODY_TEXTS,
  HOSTILE_CONTENT_TYPES,
  HOSTILE_KEYS,
  hostileText,
  hostileValue,
  REMOVED,
  toJsonText,
  validValue,
} from "./values";

/**
 * Every operation of openapi.json, sent hostile values derived from its own schemas (wrong types,
 * edge numbers, huge, NUL-bearing and lone-surrogate strings, deep JSON, bad ids and dates,
 * prototype keys, broken JSON and media types), mostly inside an otherwise valid request so the
 * handler's deeper code runs, by no one, the owner, an API key with every scope (and, for the
 * Retell webhook, Retell's own signature). Nothing may answer 5xx, every 4xx is the error
 * envelope, and no answer carries a stack, SQL or a file path. `FUZZ_RUNS` cases per operation
 * and caller (`npm run fuzz`: 2000), from the fixed `FUZZ_SEED`.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 4);
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_401);

const documented = documentedOperations();
const declared = new Map((await declaredOperations()).map((op) => [op.key, op]));
const matrices = await moduleMatrices();
const retell = mockRetell();

/** The tenant the fuzz aims at: tenant A of the security matrix, with Retell connected and an agent of its own. */
interface Target {
  world: World;
  rows: Record<string, unknown>;
  retell: FakeRetell;
  agentId: string;
  returnRequest: { publicId: string; customerEmail: string };
  /** The API key callers use: not the world's, which DELETE /api/api-keys/:id revokes. */
  fuzzKey: string;
}
let target: Target;

const CUSTOMER_EMAIL = "fuzz-customer@example.test";
const filing = (businessId: string) => ({
  businessId,
  orderId: unique("FUZZ"),
  customerEmail: CUSTOMER_EMAIL,
  reasonForReturn: "damaged",
});

/** A valid request per operation, aimed at the target's rows: the security matrix's fixtures, and these for public operations. */
const PUBLIC_BASES: Record<string, (t: Target) => CallOptions> = {
  "GET /api/health": () => ({}),
  "GET /api/docs": () => ({}),
  "GET /api/openapi.json": () => ({}),
  "POST /api/auth/register": () => ({
    body: {
      tenantName: unique("fuzz business"),
      name: "Fuzz owner",
      email: `${unique("fuzz")}@example.test`.toLowerCase(),
      password: "correct horse battery",
    },
  }),
  "POST /api/auth/login": (t) => ({ body: { email: t.world.a.email, password: t.world.a.password } }),
  // Tenant B's token: the first refresh rotates it, the later ones replay it.
  "POST /api/auth/refresh": (t) => ({ body: { refreshToken: t.world.b.refreshToken } }),
  "POST /api/return-requests": (t) => ({ body: filing(t.world.a.tenantId) }),
  "POST /api/return-requests/lookup": (t) => ({ body: t.returnRequest }),
  "GET /api/policies/active": (t) => ({ query: { businessId: t.world.a.tenantId } }),
  "POST /api/webhooks/retell": (t) => ({
    body: { event: "call_ended", call: t.retell.makeCall(t.agentId, Date.now() - 10 * 60_000) },
  }),
};

function baseRequest(key: string): CallOptions | undefined {
  for (const [module, matrix] of Object.entries(matrices)) {
    const fixture = matrix.fixtures[key];
    if (fixture) return fixture(target.world, target.rows[module]);
  }
  return PUBLIC_BASES[key]?.(target);
}

async function signIn(account: Account): Promise<string> {
  const response = await call(login, { method: "POST", body: { email: account.email, password: account.password } });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${response.text}`);
  return response.body.data.accessToken;
}

beforeAll(async () => {
  const { owner: a, retell: fake } = await retell.tenantWithRetell("fuzz-a");
  const aMembers = { owner: a } as Record<Role, Account>;
  for (const role of ROLES.filter((r) => r !== "owner")) aMembers[role] = await addMember(a, role);
  const b = await registerTenant("fuzz-b");
  const world: World = {
    a,
    aMembers,
    aKey: await createApiKey(a, [...API_KEY_SCOPES]),
    aScopedKeys: Object.fromEntries(
      await Promise.all(API_KEY_SCOPES.map(async (scope) => [scope, await createApiKey(a, [scope])])),
    ) as World["aScopedKeys"],
    b,
    bKey: await createApiKey(b, [...API_KEY_SCOPES]),
  };
  const db = await getDb();
  const rows: Record<string, unknown> = {};
  for (const [module, matrix] of Object.entries(matrices)) rows[module] = await matrix.seed(db, a);
  // An agent of the target's fake Retell account, with calls: the sync has work, the webhook a tenant.
  const agentId = unique("fuzz-agent");
  await db.insert(agents).values({ tenantId: a.tenantId, agentId, agentName: "Fuzz desk" });
  fake.addAgent(agentId, "Fuzz desk").addCalls(5, { agentId, start: Date.now() - 60 * 60_000 });
  const filed = await call(returnRequests, { method: "POST", body: filing(a.tenantId) });
  if (filed.status !== 201) throw new Error(`return request failed: ${filed.status} ${filed.text}`);
  target = {
    world,
    rows,
    retell: fake,
    agentId,
    returnRequest: { publicId: filed.body.data.publicId, customerEmail: CUSTOMER_EMAIL },
    fuzzKey: (await createApiKey(a, [...API_KEY_SCOPES])).key,
  };
});

/** What one case breaks in its base request: one parameter or field, an extra key, the whole body or its media type. */
type Mutation =
  | { kind: "none" }
  | { kind: "param"; name: string; value: string }
  | { kind: "query"; name: string; value: string }
  | { kind: "field"; path: FieldPath; value: unknown }
  | { kind: "extra-query"; key: string; value: string }
  | { kind: "extra-field"; key: string; value: unknown }
  | { kind: "body"; value: unknown }
  | { kind: "raw-body"; text: string }
  | { kind: "content-type"; contentType: string };

/** One generated case: its base (the valid fixture, or a schema-valid body or query over it) and its mutation. */
interface Case {
  schemaBody?: unknown;
  schemaQuery?: Record<string, unknown>;
  mutation: Mutation;
}

function caseArbitrary(op: DocumentedOperation, base: CallOptions): fc.Arbitrary<Case> {
  const schemaPaths = op.body ? bodyFields(op.body) : [];
  const known = new Set(schemaPaths.map(({ path }) => JSON.stringify(path)));
  // Fields the valid base sends beyond its schema (a Retell call's open object) are broken too.
  const basePaths = valuePaths(base.body)
    .filter((path) => !known.has(JSON.stringify(path)))
    .map((path) => ({ path, schema: {} as Schema }));
  const breakOne: fc.Arbitrary<Mutation>[] = [
    ...Object.entries(op.params).map(([name, schema]) =>
      hostileText(schema).map((value): Mutation => ({ kind: "param", name, value })),
    ),
    ...Object.entries(op.query).map(([name, schema]) =>
      hostileText(schema).map((value): Mutation => ({ kind: "query", name, value })),
    ),
    ...[...schemaPaths, ...basePaths].map(({ path, schema }) =>
      hostileValue(schema).map((value): Mutation => ({ kind: "field", path, value })),
    ),
  ];
  const extraQuery = fc
    .record({ key: fc.constantFrom(...HOSTILE_KEYS), value: hostileText({}) })
    .map((extra): Mutation => ({ kind: "extra-query", ...extra }));
  const wholeBody: fc.WeightedArbitrary<Mutation>[] = op.body
    ? [
        {
          weight: 1,
          arbitrary: fc
            .record({ key: fc.constantFrom(...HOSTILE_KEYS), value: hostileValue({}) })
            .map((extra): Mutation => ({ kind: "extra-field", ...extra })),
        },
        { weight: 1, arbitrary: hostileValue(op.body).map((value): Mutation => ({ kind: "body", value })) },
        {
          weight: 1,
          arbitrary: fc.constantFrom(...HOSTILE_BODY_TEXTS).map((text): Mutation => ({ kind: "raw-body", text })),
        },
        {
          weight: 1,
          arbitrary: fc
            .constantFrom(...HOSTILE_CONTENT_TYPES)
            .map((contentType): Mutation => ({ kind: "content-type", contentType })),
        },
      ]
    : [];
  const mutation = fc.oneof(
    ...(breakOne.length > 0 ? [{ weight: 8, arbitrary: fc.oneof(...breakOne) }] : []),
    { weight: 1, arbitrary: extraQuery },
    ...wholeBody,
    { weight: 1, arbitrary: fc.constant<Mutation>({ kind: "none" }) },
  );
  const hasQuery = Object.keys(op.query).length > 0;
  return fc.record({
    schemaBody: op.body ? fc.option(validValue(op.body), { nil: undefined, freq: 2 }) : fc.constant(undefined),
    schemaQuery: hasQuery
      ? fc.option(validValue({ type: "object", properties: op.query }) as fc.Arbitrary<Record<string, unknown>>, {
          nil: undefined,
          freq: 2,
        })
      : fc.constant(undefined),
    mutation,
  });
}

/** Sets an own property, even `__proto__`, which plain assignment would take as the prototype. */
function define(node: object, key: string | number, value: unknown) {
  Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
}

function withField(root: unknown, path: FieldPath, value: unknown): unknown {
  const copy = structuredClone(root !== null && typeof root === "object" ? root : {}) as Record<
    string | number,
    unknown
  >;
  let node = copy;
  for (const [index, key] of path.slice(0, -1).entries()) {
    let next = node[key];
    if (next === null || typeof next !== "object") {
      next = typeof path[index + 1] === "number" ? [] : {};
      define(node, key, next);
    }
    node = next as Record<string | number, unknown>;
  }
  const last = path.at(-1) as string | number;
  if (value === REMOVED) delete node[last];
  else define(node, last, value);
  return copy;
}

interface BuiltRequest {
  path: string;
  query: Record<string, string>;
  rawBody?: string;
  contentType?: string;
}

const asText = (value: unknown) => (typeof value === "string" ? value : toJsonText(value));

/**
 * Query parameters that hold a request open for as long as they say (the event feed's long-poll and
 * stream `wait`, in seconds): a valid value is sent as 0, so thousands of cases don't each wait up to
 * 25 s; anything else (a hostile value) is sent as generated.
 */
const WAITING_PARAMETERS = new Set(["wait"]);
const holdShort = (key: string, value: string) =>
  WAITING_PARAMETERS.has(key) && /^\d+(\.\d+)?$/.test(value) ? "0" : value;

function build(op: DocumentedOperation, base: CallOptions, generated: Case): BuiltRequest {
  const params = matchPath(op.path, base.path ?? op.path);
  if (!params) throw new Error(`base path ${base.path} does not match ${op.path}`);
  const query: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...base.query, ...generated.schemaQuery })) {
    if (value !== undefined) query[key] = holdShort(key, asText(value));
  }
  let body = generated.schemaBody ?? base.body;
  let rawBody: string | undefined;
  let contentType = "application/json";
  const { mutation } = generated;
  switch (mutation.kind) {
    case "param":
      params[mutation.name] = mutation.value;
      break;
    case "query":
      query[mutation.name] = holdShort(mutation.name, mutation.value);
      break;
    case "extra-query":
      define(query, mutation.key, mutation.value);
      break;
    case "field":
      body = withField(body, mutation.path, mutation.value);
      break;
    case "extra-field":
      body = withField(body, [mutation.key], mutation.value);
      break;
    case "body":
      body = mutation.value;
      break;
    case "raw-body":
      rawBody = mutation.text;
      break;
    case "content-type":
      contentType = mutation.contentType;
      break;
    case "none":
      break;
  }
  if (op.body && rawBody === undefined && body !== undefined && body !== REMOVED) rawBody = toJsonText(body);
  // A URL cannot carry a lone surrogate; what reaches a path parameter is its replacement character.
  const path = op.path.replace(/:(\w+)/g, (_, name: string) =>
    encodeURIComponent((params[name] ?? "").replace(/\p{Cs}/gu, "\ufffd")),
  );
  return { path, query, rawBody, contentType: rawBody === undefined ? undefined : contentType };
}

/** Who sends the request: the credentials it adds, given the body it signs (Retell signs the raw body). */
interface Caller {
  name: string;
  /** Called once per property: a fresh sign-in, so one operation's fuzz (signout) cannot spend the next one's session. */
  prepare(): Promise<(rawBody: string | undefined) => Promise<Pick<CallOptions, "token" | "apiKey" | "headers">>>;
}

const CALLERS: Caller[] = [
  { name: "no one", prepare: async () => async () => ({}) },
  {
    name: "the owner",
    prepare: async () => {
      const token = await signIn(target.world.a);
      return async () => ({ token });
    },
  },
  { name: "an API key with every scope", prepare: async () => async () => ({ apiKey: target.fuzzKey }) },
];

const RETELL_SIGNED: Caller = {
  name: "Retell's signature",
  prepare: async () => async (rawBody) => ({
    headers: { "x-retell-signature": await Retell.sign(rawBody ?? "", target.retell.apiKey) },
  }),
};

const callersOf = (op: DocumentedOperation) =>
  op.key === "POST /api/webhooks/retell" ? [...CALLERS, RETELL_SIGNED] : CALLERS;

const envelope = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), details: z.array(z.unknown()).optional() }).strict(),
  })
  .strict();

/** What an answer must never show: a stack frame, SQL or the server's files. */
const LEAK_MARKERS = [
  "    at ",
  "select ",
  "insert into",
  "syntax error",
  "violates",
  'relation "',
  "/work/",
  "node_modules",
  ".ts:",
];

function problemsOf(response: CallResult, sent: string): string[] {
  const problems: string[] = [];
  if (response.status >= 500) problems.push(`answered ${response.status}`);
  if (response.status >= 400 && !envelope.safeParse(response.body).success)
    problems.push("a 4xx body that is not the error envelope");
  const answer = response.text.toLowerCase();
  const asked = sent.toLowerCase();
  // A marker the request itself carried may be echoed back; one it did not is the server's own.
  for (const marker of LEAK_MARKERS) {
    if (answer.includes(marker) && !asked.includes(marker)) problems.push(`the body shows ${JSON.stringify(marker)}`);
  }
  return problems;
}

/** A long text's start and end (where a NUL or a surrogate often sits), and its length. */
const clip = (text: string, length = 160) =>
  text.length > length ? `${text.slice(0, length - 40)}…${text.slice(-40)} (${text.length} chars)` : text;

/** Where a mutation strikes, and with what. */
function describeMutation(mutation: Mutation): { where: string; value: string } {
  const json = (value: unknown) => (value === REMOVED ? "(removed)" : clip(toJsonText(value)));
  switch (mutation.kind) {
    case "param":
      return { where: `path param ${mutation.name}`, value: json(mutation.value) };
    case "query":
      return { where: `query ${mutation.name}`, value: json(mutation.value) };
    case "extra-query":
      return { where: `extra query key ${clip(JSON.stringify(mutation.key), 40)}`, value: json(mutation.value) };
    case "field":
      return { where: `body field ${mutation.path.join(".")}`, value: json(mutation.value) };
    case "extra-field":
      return { where: `extra body key ${clip(JSON.stringify(mutation.key), 40)}`, value: json(mutation.value) };
    case "body":
      return { where: "whole body", value: json(mutation.value) };
    case "raw-body":
      return { where: "raw body", value: json(mutation.text) };
    case "content-type":
      return { where: "content-type", value: json(mutation.contentType) };
    case "none":
      return { where: "the valid base request", value: "unchanged" };
  }
}

const stats = {
  requests: 0,
  statuses: new Map<number, number>(),
  /** Per operation: answers other than 401/403, i.e. requests that got past authentication. */
  reached: new Map<string, number>(),
  /** Operations that answered a 2xx at least once: their valid base went through. */
  succeeded: new Set<string>(),
  /** Failures by operation, caller and where the mutation struck; shrinking leaves the simplest input last. */
  failures: new Map<string, string>(),
};

function record(
  key: string,
  caller: string,
  generated: Case,
  request: BuiltRequest,
  response: CallResult,
  problems: string[],
) {
  stats.requests += 1;
  stats.statuses.set(response.status, (stats.statuses.get(response.status) ?? 0) + 1);
  if (response.status !== 401 && response.status !== 403) stats.reached.set(key, (stats.reached.get(key) ?? 0) + 1);
  if (response.status < 300) stats.succeeded.add(key);
  if (problems.length === 0) return;
  const { where, value } = describeMutation(generated.mutation);
  const base = generated.schemaBody === undefined ? "" : " (in a schema-valid body)";
  stats.failures.set(
    `${key} as ${caller}: ${where}${base}`,
    `= ${value}: ${problems.join("; ")}; query ${clip(JSON.stringify(request.query))}; answer ${clip(response.text, 300)}`,
  );
}

/** A per-property seed from FUZZ_SEED and the property's name, so properties do not draw alike. */
function seedOf(name: string): number {
  let hash = SEED | 0;
  for (const char of name) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) | 0;
  return hash;
}

afterAll(() => {
  const histogram = Object.fromEntries([...stats.statuses].sort(([a], [b]) => a - b));
  const serverErrors = [...stats.statuses]
    .filter(([status]) => status >= 500)
    .reduce((sum, [, count]) => sum + count, 0);
  console.log(
    [
      `fuzz: seed ${SEED}, ${RUNS} runs per operation and caller`,
      `fuzz: ${stats.reached.size}/${documented.length} operations reached past authentication, ${stats.requests} requests sent`,
      `fuzz: never answered 2xx: ${
        documented
          .map(({ key }) => key)
          .filter((key) => !stats.succeeded.has(key))
          .join(", ") || "none"
      }`,
      `fuzz: statuses ${JSON.stringify(histogram)}; 5xx answers: ${serverErrors}`,
      `fuzz: ${stats.failures.size} distinct failures`,
      ...[...stats.failures].map(([what, why]) => `  - ${what}\n      ${why}`),
    ].join("\n"),
  );
});

describe("coverage", () => {
  it("every operation of openapi.json has a function and a valid base request", () => {
    expect(documented.length).toBeGreaterThan(0);
    expect(documented.map(({ key }) => key).filter((key) => !declared.has(key))).toEqual([]);
    expect(documented.map(({ key }) => key).filter((key) => !baseRequest(key))).toEqual([]);
  });
});

describe.each(documented)("$key", (op) => {
  let cases: fc.Arbitrary<Case>;
  beforeAll(async () => {
    // An earlier operation's fuzz may have replaced the tenant's Retell key (PATCH /api/settings): restore it.
    await saveRetellKey({ ...target.world.a, accessToken: await signIn(target.world.a) }, target.retell.apiKey);
    cases = caseArbitrary(op, baseRequest(op.key) ?? {});
  });

  it.each(callersOf(op).map((caller) => [caller.name, caller] as const))(
    "answers hostile input from %s without a 5xx or a leak",
    async (callerName, caller) => {
      const module = declared.get(op.key)?.module;
      if (!module) throw new Error(`${op.key} has no function`);
      const credentialsOf = await caller.prepare();
      const name = `${op.key} as ${callerName}`;
      await fc.assert(
        fc.asyncProperty(cases, async (generated) => {
          const request = build(op, baseRequest(op.key) ?? {}, generated);
          const credentials = await credentialsOf(request.rawBody);
          const response = await call(module, {
            method: op.method,
            path: request.path,
            query: request.query,
            rawBody: request.rawBody,
            ...credentials,
            headers: {
              ...(request.contentType ? { "content-type": request.contentType } : {}),
              ...credentials.headers,
            },
          });
          const sent = `${request.path} ${JSON.stringify(request.query)} ${request.rawBody ?? ""}`;
          const problems = problemsOf(response, sent);
          record(op.key, callerName, generated, request, response, problems);
          if (problems.length > 0) {
            throw new Error(
              `${name}: ${problems.join("; ")}\n  sent ${Object.values(describeMutation(generated.mutation)).join(" = ")}\n  answer ${clip(response.text, 300)}`,
            );
          }
        }),
        {
          seed: seedOf(name),
          numRuns: RUNS,
          reporter: (details) => {
            if (!details.failed) return;
            const cause =
              details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
            throw new Error(
              `${cause}\n  (seed ${details.seed}, path "${details.counterexamplePath}", ${details.numShrinks} shrinks)`,
            );
          },
        },
      );
    },
    30_000 + RUNS * 500,
  );
});

describe("coverage, after the fuzz", () => {
  it("every operation of openapi.json was fuzzed past authentication", () => {
    expect(documented.map(({ key }) => key).filter((key) => !stats.reached.get(key))).toEqual([]);
  });
});
