/**
 * The WhatsApp part of `npm run bench` (imported by scripts/bench.ts once the environment is set).
 * Graph is a FakeGraph behind msw (scripts/dev/graph-server.ts), so Meta answers in ~0 ms; numbers are
 * configured through the real PATCH /api/settings.
 * - The analytics overview (PostgreSQL only, as lists at scale): `GET /api/analytics/overview?days=30`
 *   for a tenant with 10,000 messages and one with 1,000,000 (1,000 conversations, spread evenly over
 *   the last 90 days, built with `insert ... select from generate_series`, then VACUUM ANALYZE), against
 *   the raw driver running the statement the route sent (its text and parameters, recorded at the
 *   driver), with the plan (EXPLAIN ANALYZE: the scan of messages, its index, the rows it read). An
 *   aggregate reads every message of its window, so it grows with them: the rows read are reported.
 * - `GET /api/templates?limit=50`, first page and `status=approved`, in a tenant with 5,000
 *   templates, against the raw driver replaying the statements the route sent, with their plan.
 * - The webhook, one signed message at a time: (a) `POST /api/webhook` to its answer (verify, route,
 *   store the raw event; the processing it defers is awaited after the clock stops) against one raw
 *   INSERT of the event; (b) processing a stored inbound text (`processWebhookEvent`) against the raw
 *   driver doing the same by hand (read the event, find the number, then in one transaction upsert the
 *   contact and its identity, find the conversation, insert the message, bump the conversation's
 *   counters, append message:new and conversation:updated; mark the event processed); (c) processing
 *   a `delivered` status against the same by hand (the forward-only UPDATE, message:status appended).
 * - Bursts through `call()`, each webhook's processing included: (d) 200 distinct inbound messages
 *   from 50 customers, 20 at a time: throughput, and exactly 200 messages, 200 processed events and
 *   conversation counters adding up to 200 after; (e) the issue's ingestion: BENCH_WHATSAPP_EVENTS
 *   (default 2,000; 10,000 is the issue's figure) events, inbound messages and delivered/read statuses
 *   of sent messages, 10% of them redelivered, shuffled, 20 at a time, against raw INSERTs of the same
 *   bodies 20 at a time; checked at the end: 0 lost, 0 duplicated, every status applied.
 * - `POST /api/messages` (spec 003's `to`, `type`, `content`): a text sent through the mocked Graph.
 */
import { randomUUID } from "node:crypto";
import type { Context } from "@netlify/functions";
import { type DatabaseHandle, statementCounter } from "../db/client";
import * as analyticsFunction from "../netlify/functions/inbox-analytics-overview";
import * as messagesFunction from "../netlify/functions/inbox-messages";
import * as templatesFunction from "../netlify/functions/inbox-templates";
import * as webhookFunction from "../netlify/functions/inbox-webhook";
import { processWebhookEvent, receiveWebhook } from "../services/inbox/whatsapp/webhook";
import { indexesIn, median, positiveInteger, type RawDriver, statementTap } from "./bench-kit";
import type { ListRequest } from "./bench-scale";
import { FakeGraph } from "./dev/fake-graph";
import { registerTenant } from "./dev/fixtures";
import { type ConfiguredNumber, configureWhatsApp, graphServer } from "./dev/graph-server";
import { call } from "./dev/http";
import { inboundMessage, type MetaWebhookBody, signedWebhook, statusUpdate } from "./dev/meta-webhooks";
import { grid } from "./table";

const SIZES = { small: 10_000, large: 1_000_000 } as const;
const SPREAD_DAYS = 90;
const WINDOW_DAYS = 30;
const CONVERSATIONS = 1_000;
const TEMPLATES = 5_000;
const TEMPLATE_PAGE = 50;
const CONCURRENCY = 20;
const BURST = { webhooks: 200, customers: 50 } as const;
/** The ingestion's mix: of the distinct events, this share are statuses (a delivered and a read per sent message). */
const STATUS_SHARE = 0.4;
const DUPLICATE_SHARE = 0.1;
const INGEST_CUSTOMERS = 100;

const round2 = (value: number) => Math.round(value * 100) / 100;
const seconds = (ms: number) => Math.round(ms / 100) / 10;
const count = (value: number) => value.toLocaleString("en");
const warmupOf = (iterations: number) => Math.max(5, Math.ceil(iterations / 10));

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await work();
  return { ms: performance.now() - started, result };
}

interface Run {
  ms: number;
  statements: number;
}

/**
 * The route and the raw side run alternately after a warm-up of each, so drift (other load, table
 * growth) hits both alike; each run answers its time and statements (any setup stays off its clock).
 */
async function alternate(iterations: number, route: () => Promise<Run>, raw: () => Promise<Run>) {
  for (let i = 0; i < warmupOf(iterations); i++) {
    await route();
    await raw();
  }
  const samples = { route: [] as number[], raw: [] as number[] };
  const statements = { route: 0, raw: 0 };
  for (let i = 0; i < iterations; i++) {
    for (const which of i % 2 ? (["raw", "route"] as const) : (["route", "raw"] as const)) {
      const run = which === "route" ? await route() : await raw();
      samples[which].push(run.ms);
      statements[which] += run.statements;
    }
  }
  return {
    iterations,
    route: { p50: round2(median(samples.route)), statements: statements.route / iterations },
    raw: { p50: round2(median(samples.raw)), statements: statements.raw / iterations },
    ratio: round2(median(samples.route) / median(samples.raw)),
  };
}

type Measured = Awaited<ReturnType<typeof alternate>>;

/** A GET through its handler: its time, statements and body (a non-200 answer stops the bench). */
async function get(request: ListRequest) {
  const run = await timed(() => call(request.fn, { token: request.token, query: request.query }));
  if (run.result.status !== 200) {
    throw new Error(`${request.fn.config.path} answered ${run.result.status}: ${run.result.text.slice(0, 500)}`);
  }
  return { ms: run.ms, statements: run.result.statements, body: run.result.body };
}

type Tap = ReturnType<typeof statementTap>;
type Statement = ReturnType<Tap["stop"]>[number];

/** A GET against the raw driver replaying the statements it sends (recorded at the driver once, first). */
async function againstRaw(
  tap: Tap,
  raw: RawDriver,
  request: ListRequest,
  iterations: number,
  check: (body: any) => void,
) {
  tap.start();
  check((await get(request)).body);
  const sent = tap.stop();
  const measured = await alternate(
    iterations,
    () => get(request),
    async () => {
      const run = await timed(async () => {
        for (const statement of sent) await raw.query(statement.sql, statement.params);
      });
      return { ms: run.ms, statements: sent.length };
    },
  );
  return { ...measured, sent };
}

interface Scan {
  node: string;
  index?: string;
  rows?: number;
}

/** The plan's nodes that read `relation`: their type, index (a bitmap scan's is its child's) and, analysed, rows. */
function scansOf(plan: unknown, relation: string): Scan[] {
  const found: Scan[] = [];
  const stack = [plan];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (Array.isArray(node)) stack.push(...node);
    else if (node && typeof node === "object") {
      const record = node as Record<string, unknown>;
      if (record["Relation Name"] === relation) {
        const children = (record.Plans as Record<string, unknown>[] | undefined) ?? [];
        const bitmap = children.find((child) => typeof child["Index Name"] === "string");
        found.push({
          node: String(record["Node Type"]),
          index: (record["Index Name"] ?? bitmap?.["Index Name"]) as string | undefined,
          rows: record["Actual Rows"] as number | undefined,
        });
      }
      stack.push(...Object.values(record));
    }
  }
  return found;
}

/** EXPLAIN (ANALYZE when asked) of a recorded statement: its top node, indexes and whole-table scans, its scans of `relation`. */
async function planOf(raw: RawDriver, statement: Statement, relation: string, analyze = false) {
  const options = analyze ? "analyze, format json" : "format json";
  const [explained] = await raw.query(`explain (${options}) ${statement.sql}`, statement.params);
  const root = (explained?.["QUERY PLAN"] as Record<string, unknown>[] | undefined)?.[0];
  return {
    topNode: String((root?.Plan as Record<string, unknown> | undefined)?.["Node Type"] ?? "none"),
    indexes: indexesIn(explained),
    scans: scansOf(explained, relation),
    executionMs: analyze ? round2(Number(root?.["Execution Time"])) : undefined,
  };
}

const describeScans = (scans: Scan[]) =>
  scans
    .map(
      (scan) =>
        `${scan.node}${scan.index ? ` ${scan.index}` : ""}${scan.rows === undefined ? "" : ` (${count(scan.rows)} rows)`}`,
    )
    .join(" + ");

// ---- Analytics ----

/**
 * A tenant with `size` messages in CONVERSATIONS conversations on one WhatsApp channel, evenly over
 * the last SPREAD_DAYS days, alternately inbound and outbound; outbound ones read (50%), delivered
 * (30%), sent (10%) or failed (10%).
 */
async function analyticsTenant(raw: RawDriver, size: number) {
  const account = await registerTenant(`bench-wa-analytics-${size}`);
  const [channel] = await raw.query(
    "insert into channels (tenant_id, type, platform_specific_id, name) values ($1, 'whatsapp', $2, 'Bench') returning id",
    [account.tenantId, `bench-analytics-${randomUUID()}`],
  );
  const [contact] = await raw.query(
    "insert into contacts (tenant_id, name, phone_number) values ($1, 'Bench Customer', '+15550001111') returning id",
    [account.tenantId],
  );
  await raw.query(
    `insert into conversations (tenant_id, channel_type, channel_id, contact_id, message_count, last_message_at)
     select $1, 'whatsapp', $2, $3, $4::int / $5::int, now() from generate_series(1, $5::int)`,
    [account.tenantId, channel?.id, contact?.id, size, CONVERSATIONS],
  );
  await raw.query(
    `insert into messages (tenant_id, conversation_id, channel_id, direction, sender, text, status, timestamp,
       created_at, updated_at)
     select $1, c.ids[1 + i % cardinality(c.ids)], $2, case when i % 2 = 0 then 'inbound' else 'outbound' end,
       case when i % 2 = 0 then 'customer' else 'agent' end, 'Bench message ' || i,
       case when i % 2 = 0 then 'delivered' else (array['read', 'read', 'read', 'read', 'read', 'delivered',
         'delivered', 'delivered', 'sent', 'failed'])[1 + (i / 2) % 10] end, at.t, at.t, at.t
     from (select array_agg(id) as ids from conversations where tenant_id = $1) as c,
       generate_series(1, $3::int) as i,
       lateral (select now() - (i::float8 / $3::int) * interval '${SPREAD_DAYS} days' as t) as at`,
    [account.tenantId, channel?.id, size],
  );
  return account;
}

async function benchAnalytics(raw: RawDriver, tap: Tap, iterations: number) {
  const small = await timed(() => analyticsTenant(raw, SIZES.small));
  const large = await timed(() => analyticsTenant(raw, SIZES.large));
  const analyze = await timed(() => raw.query("vacuum analyze messages", []));
  const build = {
    smallSeconds: seconds(small.ms),
    largeSeconds: seconds(large.ms),
    analyzeSeconds: seconds(analyze.ms),
  };
  /** The overview of one tenant against its statement on the raw driver, and that statement's plan. */
  const overviewOf = async (messages: number, token: string) => {
    let overview: Record<string, number> = {};
    const { sent, ...measured } = await againstRaw(
      tap,
      raw,
      { fn: analyticsFunction, token, query: { days: WINDOW_DAYS } },
      iterations,
      (body) => {
        overview = body.data.overview;
      },
    );
    const aggregate = sent.find((statement) => /from "messages"/.test(statement.sql));
    if (!aggregate) throw new Error(`the overview sent no statement on messages: ${sent.map((s) => s.sql).join("; ")}`);
    const plan = await planOf(raw, aggregate, "messages", true);
    return {
      messages,
      ...measured,
      inWindow: overview.totalMessages ?? 0,
      conversations: overview.totalConversations ?? 0,
      plan,
      /** The messages the statement read: what its scans of messages returned. */
      rowsRead: plan.scans.reduce((sum, scan) => sum + (scan.rows ?? 0), 0),
    };
  };
  const ten = await overviewOf(SIZES.small, small.result.accessToken);
  const million = await overviewOf(SIZES.large, large.result.accessToken);
  return {
    days: WINDOW_DAYS,
    spreadDays: SPREAD_DAYS,
    conversations: CONVERSATIONS,
    build,
    cases: [ten, million],
    growth: { p50: round2(million.route.p50 / ten.route.p50), rows: round2(million.rowsRead / ten.rowsRead) },
  };
}

// ---- Templates ----

async function benchTemplates(raw: RawDriver, tap: Tap, iterations: number) {
  const owner = await registerTenant("bench-wa-templates");
  // Of 11: 6 approved, 2 pending, 1 rejected, 1 paused, 1 disabled; every 50th deleted; a minute apart.
  const seeded = await timed(() =>
    raw.query(
      `insert into whatsapp_templates (tenant_id, business_account_id, meta_template_id, name, language, category,
         status, rejected_reason, components, parameter_format, deleted_at, seen_at, created_at, updated_at)
       select $1, '100000000000001', (2000000000000000 + i)::text, 'bench_template_' || i,
         (array['en_US', 'pt_BR', 'es_ES'])[1 + i % 3], (array['utility', 'marketing', 'authentication'])[1 + i % 3],
         s.status, case when s.status = 'rejected' then 'INVALID_FORMAT' end,
         jsonb_build_array(jsonb_build_object('type', 'BODY', 'text', 'Hello {{1}}, order ' || i || ' is on its way')),
         'positional', case when i % 50 = 0 then now() end, now(),
         now() - i * interval '1 minute', now() - i * interval '1 minute'
       from generate_series(1, $2::int) as i,
         lateral (select (array['approved', 'approved', 'approved', 'approved', 'approved', 'approved', 'pending',
           'pending', 'rejected', 'paused', 'disabled'])[1 + i % 11] as status) as s`,
      [owner.tenantId, TEMPLATES],
    ),
  );
  await raw.query("vacuum analyze whatsapp_templates", []);
  const cases = [];
  for (const [name, query] of [
    ["limit=50", { limit: TEMPLATE_PAGE }],
    ["status=approved&limit=50", { limit: TEMPLATE_PAGE, status: "approved" }],
  ] as const) {
    const { sent, ...measured } = await againstRaw(
      tap,
      raw,
      { fn: templatesFunction, token: owner.accessToken, query },
      iterations,
      (body) => {
        if (body.data?.length !== TEMPLATE_PAGE) throw new Error(`a page of ${body.data?.length} templates`);
      },
    );
    const listed = sent.filter((statement) => /from "whatsapp_templates"/.test(statement.sql));
    const plans = [];
    for (const statement of listed) plans.push(await planOf(raw, statement, "whatsapp_templates"));
    cases.push({ name, ...measured, plans });
  }
  return { templates: TEMPLATES, seedSeconds: seconds(seeded.ms), cases };
}

// ---- Webhook, one at a time ----

/**
 * Calls a function's default export as Netlify does and stops the clock at its answer; what it defers
 * (context.waitUntil) is handed back, to be awaited off the clock.
 */
async function untilAnswer(
  fn: { default: (request: Request, context: Context) => Promise<Response> },
  request: Request,
) {
  const deferred: Promise<unknown>[] = [];
  const context = {
    params: {},
    ip: "10.1.2.3",
    requestId: randomUUID(),
    waitUntil: (promise: Promise<unknown>) => deferred.push(promise),
  } as unknown as Context;
  const run = await timed(() => fn.default(request, context));
  const text = await run.result.text();
  return { ms: run.ms, status: run.result.status, text, deferred: () => Promise.all(deferred) };
}

const webhookRequest = (signed: { rawBody: string; headers: Record<string, string> }) =>
  new Request("http://localhost:8888/api/webhook", { method: "POST", headers: signed.headers, body: signed.rawBody });

/**
 * Stores a signed webhook as POST /api/webhook does before it answers (off the clock): the event's
 * id, and the statements that took, which are the route's before its answer (verify: none; the
 * numbers the body names: one; the event: one).
 */
async function stored(handle: DatabaseHandle, number: ConfiguredNumber, body: MetaWebhookBody) {
  const signed = signedWebhook(body, number.appSecret);
  const before = statementCounter.count;
  const receipt = await receiveWebhook(handle.db, {
    rawBody: signed.rawBody,
    signature: signed.headers["x-hub-signature-256"] ?? null,
  });
  if (receipt.status !== "pending") throw new Error(`the webhook was stored ${receipt.status}`);
  return { eventId: receipt.eventId, statements: statementCounter.count - before };
}

/** processWebhookEvent timed, with its statements; it must come to `processed`. */
async function processed(handle: DatabaseHandle, eventId: string): Promise<Run> {
  const before = statementCounter.count;
  const run = await timed(() => processWebhookEvent(handle.db, eventId));
  const statements = statementCounter.count - before;
  if (run.result?.status !== "processed") throw new Error(`the event was ${run.result?.status}: ${run.result?.error}`);
  return { ms: run.ms, statements };
}

type Query = RawDriver["query"];

/** Processing by hand, first: read the event and find its number's channel. */
async function readEvent(raw: RawDriver, eventId: string) {
  const [event] = await raw.query(
    "select raw_body, status, tenant_ids from webhook_events where id = $1 and provider = 'whatsapp'",
    [eventId],
  );
  const value = JSON.parse(String(event?.raw_body)).entry[0].changes[0].value;
  const [channel] = await raw.query(
    "select tenant_id, id from channels where type = 'whatsapp' and platform_specific_id = $1",
    [value.metadata.phone_number_id],
  );
  return { value, tenantId: String(channel?.tenant_id), channelId: String(channel?.id) };
}

const markProcessed = (raw: RawDriver, eventId: string) =>
  raw.query(
    `update webhook_events set status = 'processed', processed_at = now(), attempts = attempts + 1,
       updated_at = now() where id = $1`,
    [eventId],
  );

/** Appends to the tenant's events feed as appendEvents does, in one statement: the counter bumped, the rows inserted. */
async function appendRawEvents(
  query: Query,
  tenantId: string,
  events: { type: string; resourceType: string; resourceId: string; payload: unknown }[],
) {
  const values = events.map((_, i) => {
    const at = 2 + i * 4;
    return `(${i + 1 - events.length}, $${at}, $${at + 1}, $${at + 2}, $${at + 3}::jsonb)`;
  });
  await query(
    `with bumped as (update tenants set last_event_seq = last_event_seq + ${events.length} where id = $1
       returning last_event_seq)
     insert into events (tenant_id, seq, type, resource_type, resource_id, payload)
     select $1, bumped.last_event_seq + e.offset_from_last, e.type, e.resource_type, e.resource_id, e.payload
     from bumped, (values ${values.join(", ")}) as e (offset_from_last, type, resource_type, resource_id, payload)`,
    [tenantId, ...events.flatMap((e) => [e.type, e.resourceType, e.resourceId, JSON.stringify(e.payload)])],
  );
}

/** An inbound text processed by hand: the writes processWebhookEvent makes, in one transaction; 11 statements. */
async function rawInbound(raw: RawDriver, eventId: string) {
  const { value, tenantId, channelId } = await readEvent(raw, eventId);
  const [contact] = value.contacts;
  const [message] = value.messages;
  const at = new Date(Number(message.timestamp) * 1000);
  await raw.transaction(async (query) => {
    const [person] = await query(
      `insert into contacts (tenant_id, phone_number, name, first_seen_at, last_seen_at) values ($1, $2, $3, $4, $4)
       on conflict (tenant_id, phone_number) do update
         set last_seen_at = greatest(contacts.last_seen_at, excluded.last_seen_at) returning id`,
      [tenantId, `+${contact.wa_id}`, contact.profile.name, at],
    );
    await query(
      `insert into contact_identities (tenant_id, contact_id, channel_id, platform_customer_id)
       values ($1, $2, $3, $4) on conflict do nothing`,
      [tenantId, person?.id, channelId, contact.wa_id],
    );
    let [conversation] = await query(
      `select id from conversations where tenant_id = $1 and contact_id = $2 and channel_id = $3
         and status in ('open', 'pending') order by updated_at desc, id desc limit 1`,
      [tenantId, person?.id, channelId],
    );
    conversation ??= (
      await query(
        `insert into conversations (tenant_id, channel_type, channel_id, contact_id) values ($1, 'whatsapp', $2, $3)
         returning id`,
        [tenantId, channelId, person?.id],
      )
    )[0];
    const [row] = await query(
      `insert into messages (tenant_id, conversation_id, channel_id, direction, sender, content_type, text, payload,
         platform_message_id, status, delivered_at, timestamp)
       values ($1, $2, $3, 'inbound', 'customer', 'text', $4, $5::jsonb, $6, 'delivered', $7, $7)
       on conflict (channel_id, platform_message_id) do nothing returning *`,
      [tenantId, conversation?.id, channelId, message.text.body, JSON.stringify(message.text), message.id, at],
    );
    if (!row) return;
    const [updated] = await query(
      `update conversations set last_message_at = greatest(last_message_at, $3), message_count = message_count + 1,
         unread_count = unread_count + 1, updated_at = now() where tenant_id = $1 and id = $2 returning *`,
      [tenantId, conversation?.id, at],
    );
    await appendRawEvents(query, tenantId, [
      { type: "message:new", resourceType: "message", resourceId: String(row.id), payload: row },
      { type: "conversation:updated", resourceType: "conversation", resourceId: String(updated?.id), payload: updated },
    ]);
  });
  await markProcessed(raw, eventId);
}

/** A `delivered` status processed by hand: the forward-only UPDATE, message:status when it moved; 7 statements. */
async function rawStatus(raw: RawDriver, eventId: string) {
  const { value, tenantId, channelId } = await readEvent(raw, eventId);
  const [status] = value.statuses;
  const at = new Date(Number(status.timestamp) * 1000);
  const moves = "old.status in ('queued', 'sent', 'failed')";
  await raw.transaction(async (query) => {
    const [row] = await query(
      `update messages set status = case when ${moves} then 'delivered' else messages.status end,
         sent_at = case when ${moves} then coalesce(messages.sent_at, $4) else messages.sent_at end,
         delivered_at = case when ${moves} then coalesce(messages.delivered_at, $4) else messages.delivered_at end,
         error_code = case when ${moves} then null else messages.error_code end,
         error_title = case when ${moves} then null else messages.error_title end,
         error_details = case when ${moves} then null else messages.error_details end,
         metadata = coalesce(messages.metadata, '{}'::jsonb) || $5::jsonb, updated_at = now()
       from (select id, status from messages where tenant_id = $1 and channel_id = $2 and platform_message_id = $3
         for update) as old
       where messages.id = old.id returning messages.*, old.status as status_before`,
      [
        tenantId,
        channelId,
        status.id,
        at,
        JSON.stringify({ whatsappConversation: status.conversation, whatsappPricing: status.pricing }),
      ],
    );
    if (!row) throw new Error("the raw status found no message");
    if (row.status !== row.status_before) {
      await appendRawEvents(query, tenantId, [
        { type: "message:status", resourceType: "message", resourceId: String(row.id), payload: row },
      ]);
    }
  });
  await markProcessed(raw, eventId);
}

/** BEGIN and COMMIT are statements of their own except on PGlite, whose transaction() runs them. */
const transactionEnds = (handle: DatabaseHandle) => (handle.driver === "pglite" ? 0 : 2);

/** `count` outbound messages `sent` in the conversation, with wamids for statuses to name. */
async function sentMessages(raw: RawDriver, conversationId: string, count: number) {
  const rows = await raw.query(
    `insert into messages (tenant_id, conversation_id, channel_id, direction, sender, text, status, sent_at,
       platform_message_id)
     select tenant_id, id, channel_id, 'outbound', 'agent', 'Bench reply', 'sent', now(),
       'wamid.bench' || replace(gen_random_uuid()::text, '-', '')
     from conversations, generate_series(1, $2::int) where id = $1 returning platform_message_id`,
    [conversationId, count],
  );
  if (rows.length !== count) throw new Error(`no conversation ${conversationId}`);
  return rows.map((row) => String(row.platform_message_id));
}

/** The contact's conversation on the number (the first one). */
async function conversationWith(raw: RawDriver, number: TenantNumber, waId: string) {
  const [conversation] = await raw.query(
    `select c.id from conversations c join contacts p on p.tenant_id = c.tenant_id and p.id = c.contact_id
     where c.tenant_id = $1 and c.channel_id = $2 and p.phone_number = $3 order by c.created_at limit 1`,
    [number.tenantId, number.channelId, `+${waId}`],
  );
  if (!conversation) throw new Error(`no conversation with ${waId}`);
  return String(conversation.id);
}

/** A configured number, with its tenant. */
type TenantNumber = ConfiguredNumber & { tenantId: string };

async function benchWebhook(handle: DatabaseHandle, raw: RawDriver, number: TenantNumber, iterations: number) {
  const customer = { route: "15550100001", raw: "15550100002" } as const;
  const inbound = (from: string) => inboundMessage(number, { from, name: "Bench Customer", text: "Is it in stock?" });
  const receiveStatements: number[] = [];
  const storedEvent = async (body: MetaWebhookBody) => {
    const { eventId, statements } = await stored(handle, number, body);
    receiveStatements.push(statements);
    return eventId;
  };

  // (a) To the answer: verify, route, store the event; against one INSERT of an event of the same size.
  const receive = await alternate(
    iterations,
    async () => {
      const signed = signedWebhook(inbound(customer.route), number.appSecret);
      const run = await untilAnswer(webhookFunction, webhookRequest(signed));
      if (run.status !== 200) throw new Error(`POST /api/webhook answered ${run.status}: ${run.text}`);
      await run.deferred();
      // Statements are counted on receiveWebhook below: Drizzle logs the deferred processing's first
      // statement as after() starts it, before the answer, so a count at the answer has one too many.
      return { ms: run.ms, statements: 0 };
    },
    async () => {
      const { rawBody } = signedWebhook(inbound(customer.raw), number.appSecret);
      const run = await timed(() =>
        raw.query(
          `insert into webhook_events (provider, raw_body, status, tenant_ids) values ('whatsapp', $1, 'pending', $2)
           returning id`,
          [rawBody, [number.tenantId]],
        ),
      );
      return { ms: run.ms, statements: 1 };
    },
  );

  // (b) Processing a stored inbound text, the contact's conversation open already.
  const inboundProcessing = await alternate(
    iterations,
    async () => processed(handle, await storedEvent(inbound(customer.route))),
    async () => {
      const eventId = await storedEvent(inbound(customer.raw));
      const run = await timed(() => rawInbound(raw, eventId));
      return { ms: run.ms, statements: 9 + transactionEnds(handle) };
    },
  );

  // (c) Processing a `delivered` status of a message sent earlier.
  const runs = iterations + warmupOf(iterations);
  const wamids = {
    route: await sentMessages(raw, await conversationWith(raw, number, customer.route), runs),
    raw: await sentMessages(raw, await conversationWith(raw, number, customer.raw), runs),
  };
  const delivered = (id: string, recipient: string) => statusUpdate(number, { id, status: "delivered", recipient });
  const statusProcessing = await alternate(
    iterations,
    async () => processed(handle, await storedEvent(delivered(wamids.route.pop() as string, customer.route))),
    async () => {
      const eventId = await storedEvent(delivered(wamids.raw.pop() as string, customer.raw));
      const run = await timed(() => rawStatus(raw, eventId));
      return { ms: run.ms, statements: 5 + transactionEnds(handle) };
    },
  );
  receive.route.statements = median(receiveStatements);
  return { receive, inboundProcessing, statusProcessing };
}

// ---- Webhook bursts ----

/** Posts signed webhooks through the route, CONCURRENCY at a time, each to the end of its processing. */
async function postAll(requests: { rawBody: string; headers: Record<string, string> }[]) {
  const before = statementCounter.count;
  const run = await timed(async () => {
    for (let start = 0; start < requests.length; start += CONCURRENCY) {
      const answers = await Promise.all(
        requests
          .slice(start, start + CONCURRENCY)
          .map((signed) => call(webhookFunction, { method: "POST", rawBody: signed.rawBody, headers: signed.headers })),
      );
      const refused = answers.find((answer) => answer.status !== 200);
      if (refused) throw new Error(`POST /api/webhook answered ${refused.status}: ${refused.text}`);
    }
  });
  const statements = statementCounter.count - before;
  return {
    ms: Math.round(run.ms),
    perSecond: Math.round(requests.length / (run.ms / 1000)),
    statementsPerWebhook: round2(statements / requests.length),
  };
}

/** A new tenant whose first number is a new fake account's. */
async function tenantNumber(label: string, account: () => FakeGraph): Promise<TenantNumber> {
  const owner = await registerTenant(label);
  return { ...(await configureWhatsApp(owner, account())), tenantId: owner.tenantId };
}

/** What a tenant's webhooks came to: its messages, their distinct wamids, conversations, and events by status. */
async function tenantCounts(raw: RawDriver, tenantId: string) {
  const [counts] = await raw.query(
    `select (select count(*)::int from messages where tenant_id = $1 and direction = 'inbound') as inbound,
       (select count(distinct platform_message_id)::int from messages where tenant_id = $1 and direction = 'inbound')
         as wamids,
       (select count(*)::int from messages where tenant_id = $1 and direction = 'outbound' and status = 'read')
         as read,
       (select count(*)::int from conversations where tenant_id = $1) as conversations,
       (select coalesce(sum(message_count), 0)::int from conversations where tenant_id = $1) as counted,
       (select count(*)::int from webhook_events where $1 = any(tenant_ids) and status = 'processed') as processed,
       (select count(*)::int from webhook_events where $1 = any(tenant_ids) and status <> 'processed') as unprocessed`,
    [tenantId],
  );
  const of = (key: string) => Number(counts?.[key]);
  return {
    inbound: of("inbound"),
    wamids: of("wamids"),
    read: of("read"),
    conversations: of("conversations"),
    counted: of("counted"),
    processed: of("processed"),
    unprocessed: of("unprocessed"),
  };
}

/** (d) BURST.webhooks distinct inbound messages from BURST.customers customers. */
async function benchBurst(raw: RawDriver, account: () => FakeGraph) {
  const number = await tenantNumber("bench-wa-burst", account);
  const requests = Array.from({ length: BURST.webhooks }, (_, i) =>
    signedWebhook(
      inboundMessage(number, {
        from: `1555020${String(i % BURST.customers).padStart(4, "0")}`,
        name: `Customer ${i % BURST.customers}`,
        text: `Message ${i}`,
      }),
      number.appSecret,
    ),
  );
  const posted = await postAll(requests);
  const after = await tenantCounts(raw, number.tenantId);
  const result = { ...BURST, concurrency: CONCURRENCY, ...posted, after };
  const { inbound, wamids, conversations, counted, processed: done } = after;
  if ([inbound, wamids, counted, done].some((n) => n !== BURST.webhooks) || conversations !== BURST.customers) {
    throw new Error(`after ${BURST.webhooks} webhooks: ${JSON.stringify(after)}`);
  }
  return result;
}

/** Fisher–Yates, in place. */
function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/**
 * (e) The issue's ingestion: `events` webhooks, inbound messages and statuses (a delivered and a read
 * for each of some sent messages), DUPLICATE_SHARE of them a redelivery of another (the same signed
 * body), shuffled; through the route, then the same bodies as raw INSERTs, CONCURRENCY at a time each.
 */
async function benchIngestion(raw: RawDriver, account: () => FakeGraph, events: number) {
  const number = await tenantNumber("bench-wa-ingest", account);
  const distinct = Math.round(events * (1 - DUPLICATE_SHARE));
  const sent = Math.round((distinct * STATUS_SHARE) / 2);
  const inboundCount = distinct - sent * 2;
  const from = (i: number) => `1555030${String(i % INGEST_CUSTOMERS).padStart(4, "0")}`;
  const bodies: MetaWebhookBody[] = Array.from({ length: inboundCount }, (_, i) =>
    inboundMessage(number, { from: from(i), name: `Customer ${i % INGEST_CUSTOMERS}`, text: `Message ${i}` }),
  );
  // The sent messages the statuses name, in the conversation of the first customer.
  await postAll([signedWebhook(bodies.shift() as MetaWebhookBody, number.appSecret)]);
  const wamids = await sentMessages(raw, await conversationWith(raw, number, from(0)), sent);
  for (const id of wamids) {
    for (const status of ["delivered", "read"] as const)
      bodies.push(statusUpdate(number, { id, status, recipient: from(0) }));
  }
  const signed = bodies.map((body) => signedWebhook(body, number.appSecret));
  const redelivered = Array.from(
    { length: Math.max(0, events - 1 - signed.length) },
    () => signed[Math.floor(Math.random() * signed.length)],
  );
  const deliveries = shuffle([...signed, ...(redelivered as typeof signed)]);

  const route = await postAll(deliveries);
  const after = await tenantCounts(raw, number.tenantId);
  const rawInserts = await timed(async () => {
    for (let start = 0; start < deliveries.length; start += CONCURRENCY) {
      await Promise.all(
        deliveries.slice(start, start + CONCURRENCY).map((delivery) =>
          raw.query(
            `insert into webhook_events (provider, raw_body, status, tenant_ids)
               values ('whatsapp', $1, 'pending', $2) returning id`,
            [delivery.rawBody, [number.tenantId]],
          ),
        ),
      );
    }
  });
  const expected = { inbound: inboundCount, read: sent };
  const lost = expected.inbound - after.inbound + (expected.read - after.read);
  const duplicated = after.inbound - after.wamids;
  if (lost !== 0 || duplicated !== 0 || after.unprocessed !== 0 || after.processed !== events) {
    throw new Error(`after ${events} webhooks: ${JSON.stringify({ expected, after })}`);
  }
  return {
    events,
    inbound: inboundCount,
    statuses: sent * 2,
    duplicates: redelivered.length,
    customers: INGEST_CUSTOMERS,
    concurrency: CONCURRENCY,
    route,
    raw: {
      ms: Math.round(rawInserts.ms),
      perSecond: Math.round(deliveries.length / (rawInserts.ms / 1000)),
      statementsPerWebhook: 1,
    },
    lost,
    duplicated,
    after,
  };
}

// ---- Sending ----

/** POST /api/messages: a text to a contact who wrote within 24 hours, sent through the mocked Graph. */
async function benchSend(number: TenantNumber, token: string, graph: FakeGraph, iterations: number) {
  const warmup = warmupOf(iterations);
  const samples: number[] = [];
  let statements = 0;
  const before = graph.outbox.length;
  for (let i = 0; i < warmup + iterations; i++) {
    const run = await timed(() =>
      call(messagesFunction, {
        method: "POST",
        token,
        body: { to: "+15550100001", type: "text", content: { text: `Yes, order ${i} is in stock`, previewUrl: false } },
      }),
    );
    const { status, body, text } = run.result;
    if (status !== 201 || body?.data?.status !== "sent")
      throw new Error(`POST /api/messages answered ${status}: ${text}`);
    if (i < warmup) continue;
    samples.push(run.ms);
    statements += run.result.statements;
  }
  const received = graph.outbox.slice(before).filter((message) => message.phoneNumberId === number.phoneNumberId);
  if (received.length !== warmup + iterations) throw new Error(`Graph received ${received.length} sends`);
  return { iterations, p50: round2(median(samples)), statements: statements / iterations };
}

export async function benchWhatsApp(handle: DatabaseHandle, raw: RawDriver) {
  const iterations = positiveInteger("BENCH_WHATSAPP_ITERATIONS", process.env.BENCH_WHATSAPP_ITERATIONS, 100);
  // A request of the overview at 1,000,000 messages takes about half a second: fewer of them.
  const overviewIterations = positiveInteger(
    "BENCH_WHATSAPP_OVERVIEW_ITERATIONS",
    process.env.BENCH_WHATSAPP_OVERVIEW_ITERATIONS,
    20,
  );
  const events = positiveInteger("BENCH_WHATSAPP_EVENTS", process.env.BENCH_WHATSAPP_EVENTS, 2_000);
  const accounts = new Map<string, FakeGraph>();
  /** A new fake WhatsApp Business account, which msw answers for. */
  const account = () => {
    const graph = new FakeGraph();
    accounts.set(graph.accessToken, graph);
    return graph;
  };
  const server = graphServer(accounts);
  server.listen({ onUnhandledRequest: "bypass" });
  const tap = statementTap(handle);
  try {
    const analytics =
      handle.driver === "pglite"
        ? ({
            skipped: "the overview at 1,000,000 messages is measured on a PostgreSQL server only (set DATABASE_URL)",
          } as const)
        : await benchAnalytics(raw, tap, overviewIterations);
    const templates = await benchTemplates(raw, tap, iterations);
    const owner = await registerTenant("bench-wa-webhook");
    const graph = account();
    const number = { ...(await configureWhatsApp(owner, graph)), tenantId: owner.tenantId };
    const webhook = await benchWebhook(handle, raw, number, iterations);
    const burst = await benchBurst(raw, account);
    const ingestion = await benchIngestion(raw, account, events);
    const send = await benchSend(number, owner.accessToken, graph, iterations);
    return { iterations, analytics, templates, webhook, burst, ingestion, send };
  } finally {
    tap.restore();
    server.close();
  }
}

export type WhatsAppBench = Awaited<ReturnType<typeof benchWhatsApp>>;

const sides = (m: Measured) => [
  m.route.p50.toFixed(2),
  m.raw.p50.toFixed(2),
  m.ratio.toFixed(2),
  `${m.route.statements} / ${m.raw.statements}`,
];

export function whatsappTables(bench: WhatsAppBench): string {
  const { analytics, templates, webhook, burst, ingestion, send } = bench;
  const overview =
    "skipped" in analytics
      ? `the overview at scale: skipped, ${analytics.skipped}`
      : [
          grid(
            [
              `GET /api/analytics/overview?days=${analytics.days}`,
              "in window",
              "p50 ms",
              "raw p50 ms",
              "ratio",
              "statements route / raw",
              "scan of messages (EXPLAIN ANALYZE)",
            ],
            analytics.cases.map((c) => [
              `${count(c.messages)} messages`,
              count(c.inWindow),
              ...sides(c),
              `${describeScans(c.plan.scans)}, ${c.plan.executionMs} ms`,
            ]),
          ),
          "",
          `${analytics.cases[0]?.iterations} requests per size after warm-up; raw = the statement the route sent, same text and ` +
            "parameters, on the driver.",
          `1,000,000 / 10,000: p50 x${analytics.growth.p50} for x${analytics.growth.rows} messages read. An aggregate reads every ` +
            `message of its window (the last ${analytics.days} UTC days, or from this month's or week's start if earlier): ` +
            "it grows with them, not with the page.",
          `Built with generate_series (${count(analytics.conversations)} conversations, spread over ${analytics.spreadDays} days): ` +
            `10,000 in ${analytics.build.smallSeconds} s, 1,000,000 in ${analytics.build.largeSeconds} s, VACUUM ANALYZE in ` +
            `${analytics.build.analyzeSeconds} s. A Seq Scan means the window is a large share of the table (the 1,000,000 ` +
            "tenant's messages are nearly all of it here); with many tenants the (tenant_id, timestamp, id) index reads it, " +
            "and the heap for each row.",
        ].join("\n");
  const templatesTable = grid(
    [
      `GET /api/templates (${count(templates.templates)} templates)`,
      "p50 ms",
      "raw p50 ms",
      "ratio",
      "statements route / raw",
      "plan's scans",
    ],
    templates.cases.map((c) => [c.name, ...sides(c), c.plans.map((plan) => plan.indexes.join(", ")).join("; ")]),
  );
  const webhookTable = grid(
    ["POST /api/webhook, one at a time", "p50 ms", "raw p50 ms", "ratio", "statements route / raw"],
    [
      ["(a) to the answer: verify, route, store", ...sides(webhook.receive)],
      ["(b) processing an inbound text", ...sides(webhook.inboundProcessing)],
      ["(c) processing a delivered status", ...sides(webhook.statusProcessing)],
    ],
  );
  const burstTable = grid(
    [
      `webhooks posted ${burst.concurrency} at a time, processing included`,
      "webhooks",
      "wall ms",
      "per second",
      "statements/webhook",
    ],
    [
      [
        `(d) distinct inbound texts from ${burst.customers} customers`,
        count(burst.webhooks),
        String(burst.ms),
        String(burst.perSecond),
        String(burst.statementsPerWebhook),
      ],
      [
        `(e) mixed, ${Math.round((ingestion.duplicates / ingestion.events) * 100)}% redelivered, shuffled: route`,
        count(ingestion.events),
        String(ingestion.route.ms),
        String(ingestion.route.perSecond),
        String(ingestion.route.statementsPerWebhook),
      ],
      [
        "(e) the same bodies: raw INSERT of each event",
        count(ingestion.events),
        String(ingestion.raw.ms),
        String(ingestion.raw.perSecond),
        "1",
      ],
    ],
  );
  return [
    "Analytics overview",
    "",
    overview,
    "",
    `Templates: ${templates.cases[0]?.iterations} requests per case after warm-up, seeded in ${templates.seedSeconds} s; ` +
      "raw = the statements the route sent, replayed. The page is read off the index of its filter (51 rows); a " +
      "Seq Scan is the total, counted up to 10,001 rows of the filter (here the tenant's templates are the whole table).",
    "",
    templatesTable,
    "",
    `Webhook: ${webhook.receive.iterations} per case after warm-up, alternating with the raw side. (a) raw: one INSERT of ` +
      "the event; the route's statements are those before its answer (its processing is deferred). (b) raw: read the " +
      "event, find the number, then BEGIN; upsert the contact and its identity; find the conversation; insert the " +
      "message; bump the conversation's counters; append message:new and conversation:updated; COMMIT; mark the event " +
      "processed. (c) raw: read, find, BEGIN; the forward-only UPDATE; append message:status; COMMIT; mark processed.",
    "",
    webhookTable,
    "",
    burstTable,
    "",
    `(d) after: ${burst.after.inbound} messages (${burst.after.wamids} distinct wamids), ${burst.after.conversations} ` +
      `conversations whose counters add up to ${burst.after.counted}, ${burst.after.processed} events processed.`,
    `(e) ${count(ingestion.inbound)} inbound texts from ${ingestion.customers} customers and ${count(ingestion.statuses)} statuses (delivered ` +
      `and read of ${count(ingestion.statuses / 2)} sent messages), plus ${count(ingestion.duplicates)} redeliveries, ` +
      `in random order; after: ${ingestion.lost} lost, ${ingestion.duplicated} duplicated, ${count(ingestion.after.read)} of ` +
      `${count(ingestion.statuses / 2)} sent messages read, ${count(ingestion.after.processed)} events processed. The raw ` +
      "side only stores; the route stores and processes.",
    "",
    `Sending: POST /api/messages, a text to a contact in the 24-hour window, sent through Graph (msw, ~0 ms): ` +
      `p50 ${send.p50.toFixed(2)} ms, ${send.statements} statements per request (${send.iterations} after warm-up).`,
  ].join("\n");
}
