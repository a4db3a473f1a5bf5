/**
 * The inbox and commerce part of `npm run bench` (imported by scripts/bench.ts once the environment
 * is set):
 * - message history at scale (PostgreSQL only, as lists at scale): one conversation with 10,000
 *   messages and one with 1,000,000, built with `insert ... select from generate_series` and
 *   VACUUM ANALYZE (the build is timed). `GET /api/messages?conversationId=` at both sizes: the first
 *   page, the page before the message 5,000 from the newest (`before`), and the same depth by `cursor`
 *   (the nextCursor of the page ending there). p50 of each, the ratio 1M / 10k, statements per
 *   request and the plan of the statement the route sent (its top node and the indexes it reads).
 * - order creation: `POST /api/orders` with two products, against the raw driver running the same
 *   transaction by hand (BEGIN; insert the order priced from the products; insert its items; append
 *   its event; COMMIT). p50 and statements per request of each, alternating.
 * - CSV import: 10,000 new contacts through `POST /api/contacts/import/csv` (a `text/csv` body)
 *   against one raw multi-row insert of the same contacts, each into a fresh tenant; rounds
 *   alternate which goes first and the median round is reported.
 */

import type { DatabaseHandle } from "../db/client";
import * as ordersFunction from "../netlify/functions/commerce-orders";
import * as importFunction from "../netlify/functions/inbox-contacts-import-csv";
import * as messagesFunction from "../netlify/functions/inbox-messages";
import { median, positiveInteger, type RawDriver } from "./bench-kit";
import { type ListRequest, sizeComparison } from "./bench-scale";
import { type Account, registerTenant } from "./dev/fixtures";
import { call } from "./dev/http";
import { grid } from "./table";

const SIZES = { small: 10_000, large: 1_000_000 } as const;
const DEPTH = 5_000;
const LIMIT = 50;
const IMPORT_ROWS = 10_000;

const round2 = (value: number) => Math.round(value * 100) / 100;
const seconds = (ms: number) => Math.round(ms / 100) / 10;

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await work();
  return { ms: performance.now() - started, result };
}

/** A tenant's channel and contact, the parents of its conversations and orders. */
async function channelAndContact(raw: RawDriver, account: Account, label: string) {
  const [channel] = await raw.query(
    "insert into channels (tenant_id, type, platform_specific_id, name) values ($1, 'whatsapp', $2, $3) returning id",
    [account.tenantId, `bench-${label}`, `Bench ${label}`],
  );
  const [contact] = await raw.query(
    "insert into contacts (tenant_id, name, phone_number) values ($1, 'Bench Customer', '+15550009999') returning id",
    [account.tenantId],
  );
  return { channelId: String(channel?.id), contactId: String(contact?.id) };
}

/** A conversation with `size` messages 30 seconds apart (either way, every one delivered), its count kept. */
async function conversationOf(
  raw: RawDriver,
  tenantId: string,
  parents: { channelId: string; contactId: string },
  size: number,
) {
  const [conversation] = await raw.query(
    `insert into conversations (tenant_id, channel_type, channel_id, contact_id, subject, message_count, last_message_at)
     values ($1, 'whatsapp', $2, $3, $4, $5, now()) returning id`,
    [tenantId, parents.channelId, parents.contactId, `${size} messages`, size],
  );
  const conversationId = String(conversation?.id);
  await raw.query(
    `insert into messages (tenant_id, conversation_id, channel_id, direction, sender, text, status, sent_at,
       delivered_at, timestamp, created_at, updated_at)
     select $1, $2, $3, case when i % 2 = 0 then 'inbound' else 'outbound' end,
       case when i % 2 = 0 then 'customer' else 'agent' end, 'Bench message ' || i || ' of ' || $4::int, 'delivered',
       t, t, t, t, t
     from generate_series(1, $4::int) as i, lateral (select now() - ($4::int - i) * interval '30 seconds' as t) as at`,
    [tenantId, conversationId, parents.channelId, size],
  );
  return conversationId;
}

async function benchMessages(handle: DatabaseHandle, raw: RawDriver, iterations: number) {
  const owner = await registerTenant("bench-inbox-messages");
  const parents = await channelAndContact(raw, owner, "messages");
  const small = await timed(() => conversationOf(raw, owner.tenantId, parents, SIZES.small));
  const large = await timed(() => conversationOf(raw, owner.tenantId, parents, SIZES.large));
  const analyze = await timed(() => raw.query("vacuum analyze messages", []));
  const build = {
    smallSeconds: seconds(small.ms),
    largeSeconds: seconds(large.ms),
    analyzeSeconds: seconds(analyze.ms),
  };

  const request = (conversationId: string, query: Record<string, string | number> = {}): ListRequest => ({
    fn: messagesFunction,
    token: owner.accessToken,
    query: { conversationId, limit: LIMIT, ...query },
  });
  /** The id of the message DEPTH from the newest, which `before` pages from. */
  const messageAtDepth = async (conversationId: string) => {
    const [row] = await raw.query(
      `select id from messages where tenant_id = $1 and conversation_id = $2
       order by timestamp desc, id desc offset ${DEPTH} limit 1`,
      [owner.tenantId, conversationId],
    );
    return String(row?.id);
  };
  /** The cursor a client holds after reading down to message DEPTH: the nextCursor of the page ending there. */
  const cursorAtDepth = async (conversationId: string) => {
    const res = await call(messagesFunction, {
      token: owner.accessToken,
      query: { conversationId, limit: LIMIT, offset: DEPTH - LIMIT },
    });
    const cursor = res.body?.pagination?.nextCursor;
    if (typeof cursor !== "string") throw new Error(`no cursor at message ${DEPTH}: ${res.text}`);
    return cursor;
  };
  const pages = [
    { page: "first page", query: async () => ({}) },
    {
      page: `before the message ${DEPTH} from the newest`,
      query: async (id: string) => ({ before: await messageAtDepth(id) }),
    },
    { page: `cursor at message ${DEPTH}`, query: async (id: string) => ({ cursor: await cursorAtDepth(id) }) },
  ];
  const { measure, restore } = sizeComparison(handle, raw.query, iterations);
  const cases = [];
  try {
    for (const { page, query } of pages) {
      const measured = await measure({
        small: request(small.result, await query(small.result)),
        large: request(large.result, await query(large.result)),
      });
      cases.push({ page, ...measured });
    }
  } finally {
    restore();
  }
  return { sizes: SIZES, limit: LIMIT, depth: DEPTH, iterations, build, cases };
}

/** The same order as POST /api/orders writes, by hand: priced from the products, its items, its event. */
async function rawOrder(
  raw: RawDriver,
  tenantId: string,
  customerId: string,
  lines: { productId: string; quantity: number }[],
) {
  const values = lines.map((_, index) => `($${3 + index * 2}::uuid, $${4 + index * 2}::int)`).join(", ");
  const params = [tenantId, customerId, ...lines.flatMap((line) => [line.productId, line.quantity])];
  const priced = `products p join (values ${values}) as line (product_id, quantity) on p.id = line.product_id
    where p.tenant_id = $1`;
  return raw.transaction(async (query) => {
    const [order] = await query(
      `insert into orders (tenant_id, customer_id, total_amount, currency)
       select $1, $2, sum(p.price * line.quantity), min(p.currency) from ${priced} returning *`,
      params,
    );
    await query(
      `insert into order_items (tenant_id, order_id, product_id, quantity, price_at_purchase, currency_at_purchase)
       select $1, $2, p.id, line.quantity, p.price, p.currency from ${priced}`,
      [tenantId, order?.id, ...params.slice(2)],
    );
    await query(
      `with bumped as (update tenants set last_event_seq = last_event_seq + 1 where id = $1 returning last_event_seq)
       insert into events (tenant_id, seq, type, resource_type, resource_id, payload)
       select $1, bumped.last_event_seq, 'order:created', 'order', $2, $3::jsonb from bumped`,
      [tenantId, order?.id, JSON.stringify(order)],
    );
  });
}

/** `countsTransactionEnds`: whether the statement count includes BEGIN and COMMIT (not on PGlite, whose own transaction() runs them). */
async function benchOrders(raw: RawDriver, iterations: number, countsTransactionEnds: boolean) {
  const owner = await registerTenant("bench-orders");
  const { contactId } = await channelAndContact(raw, owner, "orders");
  const products = await raw.query(
    `insert into products (tenant_id, sku, name, price, currency)
     values ($1, 'BENCH-A', 'Bench A', '19.99', 'USD'), ($1, 'BENCH-B', 'Bench B', '5.25', 'USD') returning id`,
    [owner.tenantId],
  );
  const lines = products.map((product, index) => ({ productId: String(product.id), quantity: index + 1 }));
  // Both paths insert the same rows, so a mistake in either shows as a different total.
  const expectedTotal = "30.49";
  const viaRoute = async () => {
    const res = await call(ordersFunction, {
      method: "POST",
      token: owner.accessToken,
      body: { customerId: contactId, items: lines },
    });
    if (res.status !== 201 || res.body?.data?.totalAmount !== expectedTotal) {
      throw new Error(`POST /api/orders answered ${res.status}: ${res.text}`);
    }
    return res.statements;
  };
  const viaRaw = () => rawOrder(raw, owner.tenantId, contactId, lines);
  for (let i = 0; i < Math.max(10, iterations / 10); i++) {
    await viaRoute();
    await viaRaw();
  }
  const route: number[] = [];
  const rawMs: number[] = [];
  let routeStatements = 0;
  for (let i = 0; i < iterations; i++) {
    const run = await timed(viaRoute);
    route.push(run.ms);
    routeStatements += run.result;
    rawMs.push((await timed(viaRaw)).ms);
  }
  const [check] = await raw.query(
    "select count(distinct total_amount)::int as totals from orders where tenant_id = $1",
    [owner.tenantId],
  );
  if (check?.totals !== 1) throw new Error("the route and the raw transaction wrote different totals");
  return {
    iterations,
    route: { p50: round2(median(route)), statements: routeStatements / iterations },
    // The three statements, between BEGIN and COMMIT.
    raw: { p50: round2(median(rawMs)), statements: countsTransactionEnds ? 5 : 3 },
    ratio: round2(median(route) / median(rawMs)),
  };
}

/** Contact i of an import: a unique E.164 number and email, some with tags. */
function importContact(i: number) {
  return {
    name: `Imported Contact ${i}`,
    phoneNumber: `+1555${String(i).padStart(7, "0")}`,
    email: `imported-${i}@example.test`,
    tags: i % 3 ? [] : ["imported", "csv"],
  };
}

async function benchImport(raw: RawDriver, rounds: number) {
  const contacts = Array.from({ length: IMPORT_ROWS }, (_, i) => importContact(i));
  // Built before the clock starts: the CSV body, and the insert's SQL and parameters.
  const csv = [
    "name,phoneNumber,email,tags",
    ...contacts.map((c) => `${c.name},${c.phoneNumber},${c.email},${c.tags.join(";")}`),
  ].join("\n");
  const params: unknown[] = [];
  const tuples = contacts.map((c) => {
    params.push(c.name, c.phoneNumber, c.email, c.tags);
    const n = params.length;
    return `($1, $${n - 2}, $${n - 1}, $${n}, $${n + 1})`;
  });
  const insert = `insert into contacts (tenant_id, name, phone_number, email, tags) values ${tuples.join(", ")}`;

  const viaRoute = async () => {
    const owner = await registerTenant("bench-import");
    const run = await timed(() =>
      call(importFunction, {
        method: "POST",
        token: owner.accessToken,
        rawBody: csv,
        headers: { "content-type": "text/csv" },
      }),
    );
    const { status, body, text, statements } = run.result;
    if (status !== 200 || body?.data?.created !== IMPORT_ROWS)
      throw new Error(`the CSV import answered ${status}: ${text.slice(0, 500)}`);
    return { ms: run.ms, statements };
  };
  const viaRaw = async () => {
    const owner = await registerTenant("bench-import-raw");
    return { ms: (await timed(() => raw.query(insert, [owner.tenantId, ...params]))).ms, statements: 1 };
  };
  const results = { route: [] as number[], raw: [] as number[] };
  let routeStatements = 0;
  for (let round = 0; round < rounds; round++) {
    // Alternate which goes first, so a warmer cache favours neither.
    const order = round % 2 ? (["raw", "route"] as const) : (["route", "raw"] as const);
    for (const side of order) {
      const run = side === "route" ? await viaRoute() : await viaRaw();
      results[side].push(run.ms);
      if (side === "route") routeStatements = run.statements;
    }
  }
  const routeMs = median(results.route);
  const rawMs = median(results.raw);
  return {
    rows: IMPORT_ROWS,
    rounds,
    csvBytes: Buffer.byteLength(csv),
    route: {
      ms: Math.round(routeMs),
      rowsPerSecond: Math.round(IMPORT_ROWS / (routeMs / 1000)),
      statements: routeStatements,
    },
    raw: { ms: Math.round(rawMs), rowsPerSecond: Math.round(IMPORT_ROWS / (rawMs / 1000)), statements: 1 },
    ratio: round2(routeMs / rawMs),
  };
}

export async function benchInbox(handle: DatabaseHandle, raw: RawDriver) {
  const iterations = positiveInteger("BENCH_INBOX_ITERATIONS", process.env.BENCH_INBOX_ITERATIONS, 100);
  const rounds = positiveInteger("BENCH_INBOX_ROUNDS", process.env.BENCH_INBOX_ROUNDS, 3);
  const messages =
    handle.driver === "pglite"
      ? ({
          skipped: "message history at 1,000,000 rows is measured on a PostgreSQL server only (set DATABASE_URL)",
        } as const)
      : await benchMessages(handle, raw, iterations);
  const orders = await benchOrders(raw, iterations, handle.driver !== "pglite");
  const csvImport = await benchImport(raw, rounds);
  return { messages, orders, csvImport };
}

export type InboxBench = Awaited<ReturnType<typeof benchInbox>>;

export function inboxTables(bench: InboxBench): string {
  const { messages, orders, csvImport } = bench;
  const history =
    "skipped" in messages
      ? `message history at scale: skipped, ${messages.skipped}`
      : [
          grid(
            ["GET /api/messages?conversationId=", "p50 ms 10k", "p50 ms 1M", "ratio", "statements/req"],
            messages.cases.map((c) => [
              c.page,
              c.small.p50.toFixed(2),
              c.large.p50.toFixed(2),
              c.ratio.toFixed(2),
              `${c.small.statements} / ${c.large.statements}`,
            ]),
          ),
          "",
          `${messages.iterations} requests per case after warm-up, pages of ${messages.limit}, through the route's handler; ` +
            "ratio = p50 at 1,000,000 messages / p50 at 10,000 (target <= 1.5).",
          `Built with generate_series: 10,000 messages in ${messages.build.smallSeconds} s, 1,000,000 in ` +
            `${messages.build.largeSeconds} s, VACUUM ANALYZE in ${messages.build.analyzeSeconds} s.`,
          "EXPLAIN of the statement each page sent, at 1,000,000 (top node; the indexes and any whole-table scan):",
          ...messages.cases.map((c) => `  ${c.page}: ${c.large.topNode}; ${c.large.indexes.join(", ")}`),
        ].join("\n");
  const ordersTable = grid(
    ["POST /api/orders (2 items)", "p50 ms", "statements/req"],
    [
      ["route", orders.route.p50.toFixed(2), String(orders.route.statements)],
      ["raw transaction", orders.raw.p50.toFixed(2), String(orders.raw.statements)],
    ],
  );
  const importTable = grid(
    [`${csvImport.rows.toLocaleString("en")} contacts`, "wall ms", "rows/s", "statements"],
    [
      [
        "POST /api/contacts/import/csv",
        String(csvImport.route.ms),
        String(csvImport.route.rowsPerSecond),
        String(csvImport.route.statements),
      ],
      [
        "raw multi-row insert",
        String(csvImport.raw.ms),
        String(csvImport.raw.rowsPerSecond),
        String(csvImport.raw.statements),
      ],
    ],
  );
  return [
    "Message history",
    "",
    history,
    "",
    `Order creation: ${orders.iterations} orders each way after warm-up, alternating; ratio route / raw = ${orders.ratio.toFixed(2)}`,
    "(raw: BEGIN; insert the order priced from the products; insert its items; append its event; COMMIT;",
    " statements/req counts BEGIN and COMMIT except on PGlite, where they run inside its own transaction())",
    "",
    ordersTable,
    "",
    `CSV import: median of ${csvImport.rounds} round${csvImport.rounds === 1 ? "" : "s"}, each into a fresh tenant (${Math.round(csvImport.csvBytes / 1024)} KiB of CSV); ` +
      `ratio route / raw = ${csvImport.ratio.toFixed(2)}`,
    "",
    importTable,
  ].join("\n");
}
