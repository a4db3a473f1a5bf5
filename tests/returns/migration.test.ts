import { asc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrationsFolder } from "../../db/client";
import { callSessions, contacts, conversations, messages, orderItems, orders, products } from "../../db/schema";
import { evaluateReturnForTenant } from "../../services/returns/evaluation";
import { evaluateReturnBody } from "../../services/returns/evaluation.schemas";
import { migrateFrom, migrationsThrough, ownDatabase } from "../helpers/migrations";

/**
 * Migrations 0010–0013 on a database that has spec 000's rows: chat sessions and messages become
 * inbox conversations and messages under the same ids, mock orders commerce contacts, products,
 * orders and items, and the old tables go.
 */

const TENANT_A = "a0000000-0000-4000-8000-000000000001";
const TENANT_B = "b0000000-0000-4000-8000-000000000002";
const AGENT = "a0000000-0000-4000-8000-0000000000aa";
const LIVE = "a0000000-0000-4000-8000-000000000101";
const TEST_CLOSED = "a0000000-0000-4000-8000-000000000102";
const EMPTY = "a0000000-0000-4000-8000-000000000103";
const OTHER_TENANTS = "b0000000-0000-4000-8000-000000000201";
const CALL = "a0000000-0000-4000-8000-000000000301";
const messageId = (n: number) => `c0000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const at = (iso: string) => new Date(iso);

/** Rows as spec 000's tables held them after migration 0009. */
const OLD_ROWS = [
  sql`insert into tenants (id, name) values (${TENANT_A}, 'Shop A'), (${TENANT_B}, 'Shop B')`,
  sql`insert into users (id, tenant_id, email, name, role, password_hash)
    values (${AGENT}, ${TENANT_A}, 'agent@shop-a.test', 'Agent', 'agent', 'x')`,
  sql`insert into chat_sessions (id, tenant_id, user_id, session_name, chat_mode, session_type, is_active, metadata, created_at, updated_at) values
    (${LIVE}, ${TENANT_A}, ${AGENT}, 'Refund for a mug', 'normal', 'live_support', true, '{"source":"widget"}',
      '2025-01-10T12:00:00Z', '2025-01-10T12:30:00Z'),
    (${TEST_CLOSED}, ${TENANT_A}, null, 'Test Session', 'messenger', 'test_mode', false, null,
      '2025-01-10T13:00:00Z', '2025-01-10T13:05:00Z'),
    (${EMPTY}, ${TENANT_A}, null, 'Nothing said', 'whatsapp', 'live_support', true, null,
      '2025-01-10T14:00:00Z', '2025-01-10T14:00:00Z'),
    (${OTHER_TENANTS}, ${TENANT_B}, null, 'Shop B chat', 'shopify', 'live_support', true, null,
      '2025-01-11T09:00:00Z', '2025-01-11T09:00:00Z')`,
  sql`insert into chat_messages (id, tenant_id, session_id, sender, message, message_type, metadata, created_at) values
    (${messageId(1)}, ${TENANT_A}, ${LIVE}, 'user', 'My mug arrived broken', 'text', null, '2025-01-10T12:01:00Z'),
    (${messageId(2)}, ${TENANT_A}, ${LIVE}, 'agent', 'Sorry! A photo, please?', 'text', '{"ai":true}', '2025-01-10T12:02:00Z'),
    (${messageId(3)}, ${TENANT_A}, ${LIVE}, 'user', 'https://img.test/mug.jpg', 'image', null, '2025-01-10T12:03:00Z'),
    (${messageId(4)}, ${TENANT_A}, ${TEST_CLOSED}, 'system', 'Session started', 'text', null, '2025-01-10T13:01:00Z'),
    (${messageId(5)}, ${TENANT_A}, ${TEST_CLOSED}, 'user', 'test', 'text', null, '2025-01-10T13:04:00Z')`,
  sql`insert into call_sessions (id, tenant_id, chat_session_id, call_type, provider, status)
    values (${CALL}, ${TENANT_A}, ${TEST_CLOSED}, 'voice', 'test', 'ended')`,
  sql`insert into mock_orders (tenant_id, order_id, purchase_date, customer_email, product_name, product_category, purchase_price, order_status, quantity) values
    (${TENANT_A}, 'ORD-1', '2025-01-01T10:00:00Z', 'Ann@Shop.test', 'Mug', 'home', 19.99, 'delivered', 2),
    (${TENANT_A}, 'ORD-2', '2025-01-05T10:00:00Z', 'ann@shop.test', 'Mug', 'home', 21.00, 'shipped', 1),
    (${TENANT_A}, 'ORD-3', '2025-01-03T10:00:00Z', 'ANN@SHOP.TEST', 'Scarf', 'apparel', 35.50, 'lost in transit', 0),
    (${TENANT_A}, 'ORD-4', '2025-01-04T10:00:00Z', 'bo@shop.test', 'Scarf', 'apparel', 35.50, 'refunded', 3),
    (${TENANT_B}, 'ORD-1', '2025-01-02T10:00:00Z', 'ann@shop.test', 'Mug', 'home', 5.00, 'delivered', 1)`,
];

describe("migrations 0010–0013: spec 000's chat and mock orders move onto the inbox and commerce", () => {
  let own: Awaited<ReturnType<typeof ownDatabase>>;
  beforeAll(async () => {
    own = await ownDatabase("frontdesk_migration");
    const beforeMove = migrationsThrough("0009_agent_call_count");
    try {
      await migrateFrom(own.handle, beforeMove.folder);
    } finally {
      beforeMove.remove();
    }
    for (const statement of OLD_ROWS) await own.handle.db.execute(statement);
    await migrateFrom(own.handle, migrationsFolder);
  });
  afterAll(async () => {
    await own?.drop();
  });

  it("keeps every chat session as a conversation under its id, its mode its channel", async () => {
    const { db } = own.handle;
    const rows = await db.select().from(conversations).orderBy(asc(conversations.id));
    expect(rows).toEqual([
      expect.objectContaining({
        id: LIVE,
        tenantId: TENANT_A,
        channelType: "webchat",
        channelId: null,
        contactId: null,
        assigneeId: AGENT,
        subject: "Refund for a mug",
        status: "open",
        isTest: false,
        metadata: { source: "widget" },
        startedAt: at("2025-01-10T12:00:00Z"),
        lastMessageAt: at("2025-01-10T12:03:00Z"),
        messageCount: 3,
        unreadCount: 0,
        createdAt: at("2025-01-10T12:00:00Z"),
        updatedAt: at("2025-01-10T12:30:00Z"),
      }),
      expect.objectContaining({
        id: TEST_CLOSED,
        tenantId: TENANT_A,
        channelType: "facebook",
        assigneeId: null,
        subject: "Test Session",
        status: "closed",
        isTest: true,
        metadata: null,
        lastMessageAt: at("2025-01-10T13:04:00Z"),
        messageCount: 2,
      }),
      expect.objectContaining({
        id: EMPTY,
        channelType: "whatsapp",
        status: "open",
        isTest: false,
        lastMessageAt: null,
        messageCount: 0,
      }),
      expect.objectContaining({ id: OTHER_TENANTS, tenantId: TENANT_B, channelType: "shopify", messageCount: 0 }),
    ]);
  });

  it("keeps every chat message under its id: the customer's come in, the agent's and the system's go out", async () => {
    const { db } = own.handle;
    const rows = await db.select().from(messages).orderBy(asc(messages.id));
    const sent = (iso: string) => ({
      status: "delivered",
      sentAt: at(iso),
      deliveredAt: at(iso),
      timestamp: at(iso),
      createdAt: at(iso),
    });
    expect(rows).toEqual([
      expect.objectContaining({
        id: messageId(1),
        tenantId: TENANT_A,
        conversationId: LIVE,
        channelId: null,
        direction: "inbound",
        sender: "customer",
        contentType: "text",
        text: "My mug arrived broken",
        metadata: null,
        ...sent("2025-01-10T12:01:00Z"),
      }),
      expect.objectContaining({
        id: messageId(2),
        conversationId: LIVE,
        direction: "outbound",
        sender: "agent",
        text: "Sorry! A photo, please?",
        metadata: { ai: true },
        ...sent("2025-01-10T12:02:00Z"),
      }),
      expect.objectContaining({
        id: messageId(3),
        direction: "inbound",
        sender: "customer",
        contentType: "image",
        text: "https://img.test/mug.jpg",
      }),
      expect.objectContaining({
        id: messageId(4),
        conversationId: TEST_CLOSED,
        direction: "outbound",
        sender: "system",
        ...sent("2025-01-10T13:01:00Z"),
      }),
      expect.objectContaining({
        id: messageId(5),
        conversationId: TEST_CLOSED,
        direction: "inbound",
        sender: "customer",
      }),
    ]);
  });

  it("keeps a call session on its conversation, which now owns it", async () => {
    const { db } = own.handle;
    const [call] = await db
      .select({ id: callSessions.id, conversation: conversations.id, isTest: conversations.isTest })
      .from(callSessions)
      .innerJoin(
        conversations,
        sql`${conversations.tenantId} = ${callSessions.tenantId} and ${conversations.id} = ${callSessions.chatSessionId}`,
      );
    expect(call).toEqual({ id: CALL, conversation: TEST_CLOSED, isTest: true });
    // Deleting the conversation takes the call with it, as deleting the chat session did.
    await db.delete(conversations).where(eq(conversations.id, TEST_CLOSED));
    expect(await db.$count(callSessions, eq(callSessions.id, CALL))).toBe(0);
    expect(await db.$count(messages, eq(messages.conversationId, TEST_CLOSED))).toBe(0);
  });

  it("makes one contact per tenant and email in any case, seen from its first order to its last", async () => {
    const { db } = own.handle;
    const rows = await db
      .select({
        tenantId: contacts.tenantId,
        email: sql<string>`lower(${contacts.email})`,
        firstSeenAt: contacts.firstSeenAt,
        lastSeenAt: contacts.lastSeenAt,
      })
      .from(contacts)
      .orderBy(contacts.tenantId, sql`lower(${contacts.email})`);
    expect(rows).toEqual([
      {
        tenantId: TENANT_A,
        email: "ann@shop.test",
        firstSeenAt: at("2025-01-01T10:00:00Z"),
        lastSeenAt: at("2025-01-05T10:00:00Z"),
      },
      {
        tenantId: TENANT_A,
        email: "bo@shop.test",
        firstSeenAt: at("2025-01-04T10:00:00Z"),
        lastSeenAt: at("2025-01-04T10:00:00Z"),
      },
      {
        tenantId: TENANT_B,
        email: "ann@shop.test",
        firstSeenAt: at("2025-01-02T10:00:00Z"),
        lastSeenAt: at("2025-01-02T10:00:00Z"),
      },
    ]);
  });

  it("makes one product per tenant, name and category, priced as last sold, in USD", async () => {
    const { db } = own.handle;
    const rows = await db
      .select({
        tenantId: products.tenantId,
        name: products.name,
        category: products.category,
        price: products.price,
        currency: products.currency,
      })
      .from(products)
      .orderBy(products.tenantId, products.name);
    expect(rows).toEqual([
      { tenantId: TENANT_A, name: "Mug", category: "home", price: "21.00", currency: "USD" },
      { tenantId: TENANT_A, name: "Scarf", category: "apparel", price: "35.50", currency: "USD" },
      { tenantId: TENANT_B, name: "Mug", category: "home", price: "5.00", currency: "USD" },
    ]);
  });

  it("makes each mock order an order of one item: its customer, date, status and exact total", async () => {
    const { db } = own.handle;
    const rows = await db
      .select({
        tenantId: orders.tenantId,
        orderId: orders.platformOrderId,
        customer: contacts.email,
        status: orders.status,
        total: orders.totalAmount,
        currency: orders.currency,
        placedAt: orders.placedAt,
        product: products.name,
        quantity: orderItems.quantity,
        price: orderItems.priceAtPurchase,
        itemCurrency: orderItems.currencyAtPurchase,
      })
      .from(orders)
      .innerJoin(contacts, sql`${contacts.tenantId} = ${orders.tenantId} and ${contacts.id} = ${orders.customerId}`)
      .innerJoin(orderItems, sql`${orderItems.tenantId} = ${orders.tenantId} and ${orderItems.orderId} = ${orders.id}`)
      .innerJoin(products, sql`${products.tenantId} = ${orders.tenantId} and ${products.id} = ${orderItems.productId}`)
      .orderBy(orders.tenantId, orders.platformOrderId);
    const usd = { currency: "USD", itemCurrency: "USD" };
    const ann = expect.stringMatching(/^ann@shop\.test$/i);
    expect(rows).toEqual([
      {
        tenantId: TENANT_A,
        orderId: "ORD-1",
        customer: ann,
        status: "delivered",
        total: "39.98",
        placedAt: at("2025-01-01T10:00:00Z"),
        product: "Mug",
        quantity: 2,
        price: "19.99",
        ...usd,
      },
      {
        tenantId: TENANT_A,
        orderId: "ORD-2",
        customer: ann,
        status: "shipped",
        total: "21.00",
        placedAt: at("2025-01-05T10:00:00Z"),
        product: "Mug",
        quantity: 1,
        price: "21.00",
        ...usd,
      },
      // An unknown status becomes delivered, a quantity of 0 one.
      {
        tenantId: TENANT_A,
        orderId: "ORD-3",
        customer: ann,
        status: "delivered",
        total: "35.50",
        placedAt: at("2025-01-03T10:00:00Z"),
        product: "Scarf",
        quantity: 1,
        price: "35.50",
        ...usd,
      },
      {
        tenantId: TENANT_A,
        orderId: "ORD-4",
        customer: "bo@shop.test",
        status: "refunded",
        total: "106.50",
        placedAt: at("2025-01-04T10:00:00Z"),
        product: "Scarf",
        quantity: 3,
        price: "35.50",
        ...usd,
      },
      {
        tenantId: TENANT_B,
        orderId: "ORD-1",
        customer: "ann@shop.test",
        status: "delivered",
        total: "5.00",
        placedAt: at("2025-01-02T10:00:00Z"),
        product: "Mug",
        quantity: 1,
        price: "5.00",
        ...usd,
      },
    ]);
  });

  it("lets the returns desk look a migrated order up, in its own tenant only", async () => {
    const { db } = own.handle;
    const ask = (tenantId: string) =>
      evaluateReturnForTenant(
        db,
        tenantId,
        evaluateReturnBody.parse({ orderId: "ORD-1", customerEmail: "ANN@shop.test", reasonForReturn: "damaged" }),
        at("2025-01-10T00:00:00Z"),
      );
    expect((await ask(TENANT_A)).factsUsed).toMatchObject({
      orderFound: true,
      orderValue: { value: 39.98, source: "order" },
      productCategory: { value: "home", source: "order" },
      purchaseDate: { value: "2025-01-01T10:00:00.000Z", source: "order" },
    });
    expect((await ask(TENANT_B)).factsUsed.orderValue).toEqual({ value: 5, source: "order" });
  });

  it("drops the old tables", async () => {
    const { db } = own.handle;
    const left = await db.execute(
      sql`select table_name from information_schema.tables
        where table_schema = current_schema() and table_name in ('chat_sessions', 'chat_messages', 'mock_orders')`,
    );
    expect((left as unknown as { rows: unknown[] }).rows).toEqual([]);
  });
});
