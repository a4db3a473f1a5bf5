import { randomBytes, randomInt } from "node:crypto";
import { and, eq, isNull, notInArray, sql } from "drizzle-orm";
import fc from "fast-check";
import Retell from "retell-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { getDb } from "../../db/client";
import {
  API_KEY_SCOPES,
  agents,
  contacts,
  conversations,
  messages,
  ROLES,
  type Role,
  webhookEvents,
  whatsappTemplates,
} from "../../db/schema";
import * as channels from "../../netlify/functions/inbox-channels-id";
import * as whatsappWebhook from "../../netlify/functions/inbox-webhook";
import * as login from "../../netlify/functions/platform-auth-login";
import * as returnRequests from "../../netlify/functions/returns-return-requests";
import { type FakeGraph, wamid } from "../../scripts/dev/fake-graph";
import type { FakeRetell } from "../../scripts/dev/fake-retell";
import { type Account, addMember, createApiKey, registerTenant, unique } from "../../scripts/dev/fixtures";
import { type ConfiguredNumber, configureWhatsApp } from "../../scripts/dev/graph-server";
import { type CallOptions, type CallResult, call, matchPath } from "../../scripts/dev/http";
import {
  combine,
  inboundMessage,
  signedWebhook,
  statusUpdate,
  templateStatusUpdate,
} from "../../scripts/dev/meta-webhooks";
import { saveRetellKey } from "../../scripts/dev/retell-server";
import { declaredOperations } from "../../scripts/functions";
import { ACTIVE_STATUSES } from "../../services/inbox/conversations";
import { type MetaTemplate, metaSignature } from "../../shared/clients/whatsapp";
import { serveMsw } from "../helpers/msw";
import { retellMock } from "../helpers/retell-msw";
import { moduleMatrices, type World } from "../helpers/security-matrix";
import { graphMock } from "../helpers/whatsapp-msw";
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
 * Retell and Meta webhooks, the provider's own signature over whatever body is sent). Nothing may
 * answer 5xx but Meta's refusal (a 502 UPSTREAM_FAILED, where the operation declares it), every
 * 4xx is the error envelope, and no answer carries a stack, SQL, a file path or a secret of the
 * target's providers. Retell and Meta's Graph are msw fakes: no request leaves this machine. A
 * Meta webhook the route accepted must also be processed, or refused for a change that does not
 * parse. `FUZZ_RUNS` cases per operation and caller (`npm run fuzz`: 2000), from the fixed `FUZZ_SEED`.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 4);
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_401);

const documented = documentedOperations();
const declared = new Map((await declaredOperations()).map((op) => [op.key, op]));
const matrices = await moduleMatrices();
const retell = retellMock();
const meta = graphMock();
// One msw server for both providers: two would each refuse the other's host.
const outside = serveMsw([...retell.handlers, ...meta.handlers]);

/**
 * The tenant the fuzz aims at: tenant A of the security matrix, with Retell connected and an agent
 * of its own, and the matrix's WhatsApp channel configured as a number of a fake Graph account.
 */
interface Target {
  world: World;
  rows: Record<string, unknown>;
  retell: FakeRetell;
  agentId: string;
  returnRequest: { publicId: string; customerEmail: string };
  /** The API key callers use: not the world's, which DELETE /api/api-keys/:id revokes. */
  fuzzKey: string;
  graph: FakeGraph;
  number: ConfiguredNumber;
  /** The fixtures' conversation, its contact, the contact's wa_id, and the wamid of a message sent to it. */
  conversationId: string;
  contactId: string;
  customer: string;
  sentWamid: string;
  /** A template of the account, numbered as Meta numbers them, that tenant A has stored. */
  template: MetaTemplate;
  /** An inbound image of the conversation, its bytes at Graph. */
  imageMessageId: string;
  /** What no answer may show: the providers' keys, tokens and secrets. */
  secrets: string[];
}
let target: Target;

/** The number's app secret, and the deployment's META_APP_SECRET: so a body naming no number is signed too (unroutable). */
const APP_SECRET = randomBytes(16).toString("hex");
const deploymentSecret = process.env.META_APP_SECRET;

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
  "GET /api/webhook": (t) => ({
    query: { "hub.mode": "subscribe", "hub.verify_token": t.number.verifyToken, "hub.challenge": "1158201444" },
  }),
  // Every kind of change at once: a new message of the customer, a status of the sent message, a template's review.
  "POST /api/webhook": (t) => ({
    body: combine(
      inboundMessage(t.number, { from: t.customer, name: "Fuzz customer", text: "Is my order on its way?" }),
      statusUpdate(t.number, { id: t.sentWamid, status: "delivered", recipient: t.customer }),
      templateStatusUpdate(t.number.businessAccountId, {
        templateId: t.template.id,
        name: t.template.name,
        language: t.template.language,
        event: "APPROVED",
      }),
    ),
  }),
};

/**
 * Bases in place of a matrix fixture, for WhatsApp paths it does not take: the media of a message
 * that has some; and a template send (spec 003's type and content), whose broken name or language
 * Meta refuses (a 502). The matrix's text reply is sent once in connectWhatsApp, and fuzzed through
 * POST /api/chats/:id/messages.
 */
const FUZZ_BASES: Record<string, (t: Target) => CallOptions> = {
  "GET /api/messages/:id/media": (t) => ({ path: `/api/messages/${t.imageMessageId}/media` }),
  "POST /api/messages": (t) => ({
    body: {
      conversationId: t.conversationId,
      type: "template",
      content: {
        name: t.template.name,
        language: t.template.language,
        components: [
          {
            type: "body",
            parameters: [
              { type: "text", text: "Ana" },
              { type: "text", text: "#1001" },
            ],
          },
        ],
      },
    },
  }),
};

function fixtureOf(key: string, world: World, rows: Record<string, unknown>): CallOptions | undefined {
  for (const [module, matrix] of Object.entries(matrices)) {
    const fixture = matrix.fixtures[key];
    if (fixture) return fixture(world, rows[module]);
  }
  return undefined;
}

function baseRequest(key: string): CallOptions | undefined {
  return FUZZ_BASES[key]?.(target) ?? fixtureOf(key, target.world, target.rows) ?? PUBLIC_BASES[key]?.(target);
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
  process.env.META_APP_SECRET = APP_SECRET;
  const whatsapp = await connectWhatsApp(world, rows);
  target = {
    world,
    rows,
    retell: fake,
    agentId,
    returnRequest: { publicId: filed.body.data.publicId, customerEmail: CUSTOMER_EMAIL },
    fuzzKey: (await createApiKey(a, [...API_KEY_SCOPES])).key,
    ...whatsapp,
    secrets: [fake.apiKey, whatsapp.graph.accessToken, APP_SECRET, whatsapp.number.verifyToken],
  };
});

/**
 * Tenant A's WhatsApp, as the fixtures need it to reach Graph: the matrix's WhatsApp channel (the
 * tenant's first, so the settings shortcut configures it) becomes a number of a fake account; the
 * seeded inbound messages get Meta's ids (a reply to one names it); the tenant's templates move to
 * that account, which has them approved, plus one numbered as Meta numbers them; and the fixtures'
 * reply is sent once, which proves their conversation is on the number.
 */
async function connectWhatsApp(world: World, rows: Record<string, unknown>) {
  const db = await getDb();
  const { tenantId } = world.a;
  const graph = meta.account();
  const number = await configureWhatsApp(world.a, graph, { appSecret: APP_SECRET });
  await db
    .update(messages)
    .set({ platformMessageId: sql`'wamid.fuzz' || ${messages.id}` })
    .where(
      and(
        eq(messages.tenantId, tenantId),
        eq(messages.channelId, number.channelId),
        eq(messages.direction, "inbound"),
        isNull(messages.platformMessageId),
      ),
    );

  const stored = await db
    .update(whatsappTemplates)
    .set({ businessAccountId: graph.businessAccountId })
    .where(eq(whatsappTemplates.tenantId, tenantId))
    .returning();
  for (const { metaTemplateId: id, name, language, category, components } of stored) {
    graph.templates.push({ id, name, language, status: "APPROVED", category: category.toUpperCase(), components });
  }
  const [template] = graph.addTemplates(1) as [MetaTemplate];
  await db.insert(whatsappTemplates).values({
    tenantId,
    businessAccountId: graph.businessAccountId,
    metaTemplateId: template.id,
    name: template.name,
    language: template.language,
    category: "utility",
    status: "approved",
    components: template.components,
  });

  const reply = fixtureOf("POST /api/messages", world, rows);
  const messagesModule = declared.get("POST /api/messages")?.module;
  if (!reply || !messagesModule) throw new Error("no POST /api/messages to send the fixtures' reply with");
  const replied = await call(messagesModule, { method: "POST", token: world.a.accessToken, ...reply });
  const [sent] = graph.outbox;
  if (replied.status !== 201 || !sent) {
    throw new Error(`the fixtures' reply did not reach Graph: ${replied.status} ${replied.text}`);
  }
  const conversationId: string = replied.body.data.conversationId;
  const [{ contactId } = { contactId: null }] = await db
    .select({ contactId: conversations.contactId })
    .from(conversations)
    .where(and(eq(conversations.tenantId, tenantId), eq(conversations.id, conversationId)));
  if (!contactId) throw new Error("the fixtures' conversation has no contact");

  // An image the customer sent, through the webhook: GET /api/messages/:id/media has bytes to stream.
  const imageWamid = wamid();
  const mediaId = graph.addMedia("fuzz image bytes", "image/jpeg");
  const image = inboundMessage(number, { from: sent.to, id: imageWamid, type: "image", media: { id: mediaId } });
  const received = await call(whatsappWebhook, { method: "POST", ...signedWebhook(image, APP_SECRET) });
  const [imageRow] = await db
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.tenantId, tenantId), eq(messages.platformMessageId, imageWamid)));
  if (!imageRow) throw new Error(`the image webhook stored no message: ${received.status} ${received.text}`);

  return {
    graph,
    number,
    conversationId,
    contactId,
    customer: sent.to,
    sentWamid: sent.id,
    template,
    imageMessageId: imageRow.id,
  };
}

/**
 * Puts the number back as connectWhatsApp left it, the fixtures' conversation open and its contact
 * with a phone number to send to: an earlier operation's fuzz may have changed the number (PATCH
 * /api/settings whatsappConfig, the channel's PATCH: another token, an API version, inactive), closed
 * the conversation or removed the phone. A new phone, not the old one: a webhook from the old one may
 * have made another contact of it since.
 */
async function restoreWhatsApp(token: string) {
  const { number } = target;
  const { tenantId } = target.world.a;
  const db = await getDb();
  await db
    .update(conversations)
    .set({ status: "open" })
    .where(
      and(
        eq(conversations.tenantId, tenantId),
        eq(conversations.id, target.conversationId),
        notInArray(conversations.status, [...ACTIVE_STATUSES]),
      ),
    );
  await db
    .update(contacts)
    .set({ phoneNumber: `+1444${randomInt(0, 1e7).toString().padStart(7, "0")}` })
    .where(and(eq(contacts.tenantId, tenantId), eq(contacts.id, target.contactId), isNull(contacts.phoneNumber)));
  const restored = await call(channels, {
    method: "PATCH",
    path: `/api/channels/${number.channelId}`,
    token,
    body: {
      platformSpecificId: number.phoneNumberId,
      accountId: number.businessAccountId,
      accessToken: number.accessToken,
      appSecret: number.appSecret,
      verifyToken: number.verifyToken,
      metadata: null,
      isActive: true,
    },
  });
  if (restored.status !== 200) throw new Error(`restoring the number failed: ${restored.status} ${restored.text}`);
}

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

/** Webhooks a provider signs: their provider's signature over the body as sent, mutations included. */
const SIGNERS: Record<string, Caller> = {
  "POST /api/webhooks/retell": {
    name: "Retell's signature",
    prepare: async () => async (rawBody) => ({
      headers: { "x-retell-signature": await Retell.sign(rawBody ?? "", target.retell.apiKey) },
    }),
  },
  "POST /api/webhook": {
    name: "Meta's signature",
    prepare: async () => async (rawBody) => ({
      headers: { "x-hub-signature-256": metaSignature(rawBody ?? "", APP_SECRET) },
    }),
  },
};

const callersOf = (op: DocumentedOperation) => {
  const signer = SIGNERS[op.key];
  return signer ? [...CALLERS, signer] : CALLERS;
};

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

/**
 * Meta's refusal or failure (a template name it does not have, a token it does not take): a 502
 * UPSTREAM_FAILED is a correct answer of an operation that declares a 502, and only of one.
 */
const upstreamRefusal = (op: DocumentedOperation, response: CallResult) =>
  response.status === 502 && op.statuses.includes(502) && response.body?.error?.code === "UPSTREAM_FAILED";

function problemsOf(op: DocumentedOperation, response: CallResult, sent: string): string[] {
  const problems: string[] = [];
  if (response.status >= 500 && !upstreamRefusal(op, response)) problems.push(`answered ${response.status}`);
  if (response.status >= 400 && !envelope.safeParse(response.body).success)
    problems.push(`a ${response.status} body that is not the error envelope`);
  const answer = response.text.toLowerCase();
  const asked = sent.toLowerCase();
  // A marker the request itself carried may be echoed back; one it did not is the server's own.
  for (const marker of LEAK_MARKERS) {
    if (answer.includes(marker) && !asked.includes(marker)) problems.push(`the body shows ${JSON.stringify(marker)}`);
  }
  for (const secret of target.secrets) {
    if (response.text.includes(secret) && !sent.includes(secret)) problems.push("the body shows a provider's secret");
  }
  return problems;
}

/** How processing may fail a Meta webhook the route stored: a change that does not parse, a status ahead of its message. */
const EXPECTED_PROCESSING_ERROR = /^(body|entry \d+ change \d+ \([^)]*\)): |status\(es\) for messages not stored yet/;

/**
 * What became of a Meta webhook the route stored, processed after the answer (which call() awaits):
 * processed or unroutable, or failed for an expected reason; any other failure is a bug the 200 hid.
 */
async function processingProblems(response: CallResult): Promise<string[]> {
  const eventId = response.body?.data?.eventId;
  if (response.status !== 200 || typeof eventId !== "string") return [];
  const db = await getDb();
  const [event] = await db
    .select({ status: webhookEvents.status, lastError: webhookEvents.lastError })
    .from(webhookEvents)
    .where(eq(webhookEvents.id, eventId));
  if (!event) return [`the stored event ${eventId} is missing`];
  stats.webhookEvents.set(event.status, (stats.webhookEvents.get(event.status) ?? 0) + 1);
  if (event.status !== "failed" || EXPECTED_PROCESSING_ERROR.test(event.lastError ?? "")) return [];
  return [`processing the stored event failed: ${clip(event.lastError ?? "(no error)", 300)}`];
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
  /** 502 UPSTREAM_FAILED answers of operations that declare them. */
  upstreamRefusals: new Map<string, number>(),
  /** Meta webhooks the route stored, by what processing made of them. */
  webhookEvents: new Map<string, number>(),
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
  if (response.status === 502 && problems.length === 0) {
    stats.upstreamRefusals.set(key, (stats.upstreamRefusals.get(key) ?? 0) + 1);
  }
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
  if (deploymentSecret === undefined) delete process.env.META_APP_SECRET;
  else process.env.META_APP_SECRET = deploymentSecret;
  const { graph } = target;
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
      `fuzz: statuses ${JSON.stringify(histogram)}; 5xx answers: ${serverErrors}, of which Meta's refusals (502): ${JSON.stringify(Object.fromEntries(stats.upstreamRefusals))}`,
      `fuzz: Graph received ${graph.requests.length} requests: ${graph.outbox.length} sends accepted, ${graph.reads.length} reads; Meta webhooks stored ${JSON.stringify(Object.fromEntries(stats.webhookEvents))}`,
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
    // An earlier operation's fuzz may have replaced the tenant's Retell key or its number (PATCH /api/settings,
    // the channel's PATCH): restore them.
    const accessToken = await signIn(target.world.a);
    await saveRetellKey({ ...target.world.a, accessToken }, target.retell.apiKey);
    await restoreWhatsApp(accessToken);
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
          const problems = problemsOf(op, response, sent);
          if (op.key === "POST /api/webhook") problems.push(...(await processingProblems(response)));
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

  it("no request reached the outside world (Retell and Graph answered from their fakes)", () => {
    expect(outside.unhandled).toEqual([]);
  });
});
