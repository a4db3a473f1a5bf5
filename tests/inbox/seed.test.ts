import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { type Database, getDb } from "../../db/client";
import { CONVERSATION_STATUSES, DELIVERY_STATUSES, ORDER_STATUSES } from "../../db/schema";
import { seed as seedCommerce } from "../../services/commerce/seed";
import { seed as seedInbox } from "../../services/inbox/seed";
import { type DemoCredentials, seedDemoTenant } from "../../services/platform/seed";

/** The demo data `npm start` shows: the inbox's and commerce's seeds, in the demo tenant. */

let db: Database;
let demo: DemoCredentials;

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/** How many demo rows of each kind the tenant has. */
async function counts(tenantId: string) {
  const [row] = await rows<Record<string, number>>(sql`
    select (select count(*)::int from channels where tenant_id = ${tenantId}) as channels,
           (select count(*)::int from contacts where tenant_id = ${tenantId}) as contacts,
           (select count(*)::int from contact_identities where tenant_id = ${tenantId}) as identities,
           (select count(*)::int from conversations where tenant_id = ${tenantId}) as conversations,
           (select count(*)::int from messages where tenant_id = ${tenantId}) as messages,
           (select count(*)::int from products where tenant_id = ${tenantId}) as products,
           (select count(*)::int from orders where tenant_id = ${tenantId}) as orders,
           (select count(*)::int from order_items where tenant_id = ${tenantId}) as items,
           (select count(*)::int from whatsapp_templates where tenant_id = ${tenantId}) as templates`);
  return row!;
}

beforeAll(async () => {
  db = await getDb();
  demo = await seedDemoTenant(db);
  // Commerce seeds the inbox first (its orders' customers are the inbox's contacts); db/seed.ts then runs the inbox's again.
  await seedCommerce(db, demo);
  await seedInbox(db, demo);
});

describe("demo seed", () => {
  it("fills the demo tenant once: a second run adds nothing and says so", async () => {
    const before = await counts(demo.tenantId);
    expect(before).toMatchObject({
      channels: 6,
      contacts: 300,
      conversations: 160,
      products: 13,
      orders: 48,
      templates: 5,
    });
    expect(before.messages).toBeGreaterThan(500);
    expect(await seedInbox(db, demo)).toBe(false);
    expect(await seedCommerce(db, demo)).toBe(false);
    expect(await counts(demo.tenantId)).toEqual(before);
  });

  it("writes nothing into another tenant", async () => {
    const [other] = await rows<{ rows: number }>(sql`
      select (select count(*) from contacts where tenant_id <> ${demo.tenantId} and email like '%@example.com'
                and phone_number like '+447700900%')::int
           + (select count(*) from conversations where tenant_id <> ${demo.tenantId} and platform_chat_id like 'demo-chat-%')::int
           + (select count(*) from products where tenant_id <> ${demo.tenantId} and sku like 'DEMO-%')::int as rows`);
    expect(other?.rows).toBe(0);
  });

  it("gives contacts E.164 phone numbers or emails, each unique, and channels without tokens", async () => {
    const [contact] = await rows<Record<string, number>>(sql`
      select count(*)::int as total,
             count(*) filter (where phone_number !~ '^\\+[1-9][0-9]{7,14}$')::int as bad_phones,
             count(*) filter (where phone_number is null and email is null)::int as unreachable,
             count(*) filter (where cardinality(tags) > 0)::int as tagged
      from contacts where tenant_id = ${demo.tenantId}`);
    expect(contact).toMatchObject({ total: 300, bad_phones: 0, unreachable: 0 });
    expect(contact?.tagged).toBeGreaterThan(100);
    const types = await rows<{ type: string }>(
      sql`select type from channels where tenant_id = ${demo.tenantId} order by type`,
    );
    expect(types.map((row) => row.type)).toEqual(expect.arrayContaining(["whatsapp", "instagram", "webchat", "email"]));
  });

  it("gives the WhatsApp number its Business Account's templates in several of Meta's statuses", async () => {
    const templates = await rows<{ status: string; account: string }>(sql`
      select t.status, c.account_id as account from whatsapp_templates t
      join channels c on c.tenant_id = t.tenant_id and c.type = 'whatsapp' and c.account_id = t.business_account_id
      where t.tenant_id = ${demo.tenantId}`);
    expect(new Set(templates.map((row) => row.status))).toEqual(new Set(["approved", "pending", "rejected", "paused"]));
  });

  it("has conversations in every status, assigned to the demo users, some with spec 001's AI record", async () => {
    const byStatus = await rows<{ status: string; unread: number; assignees: number; ai: number }>(sql`
      select status, sum(unread_count)::int as unread, count(distinct assignee_id)::int as assignees,
             count(*) filter (where outcome is not null and sentiment is not null and summary is not null)::int as ai
      from conversations where tenant_id = ${demo.tenantId} group by status`);
    expect(byStatus.map((row) => row.status).sort()).toEqual([...CONVERSATION_STATUSES].sort());
    const open = byStatus.find((row) => row.status === "open")!;
    expect(open.unread).toBeGreaterThan(0);
    expect(open.assignees).toBe(3);
    expect(byStatus.find((row) => row.status === "resolved")!.ai).toBeGreaterThan(0);
    const [strangers] = await rows<{ count: number }>(sql`
      select count(*)::int from conversations c left join users u on u.id = c.assignee_id and u.tenant_id = c.tenant_id
      where c.tenant_id = ${demo.tenantId} and c.assignee_id is not null and u.id is null`);
    expect(strangers?.count).toBe(0);
  });

  it("keeps every conversation's message count, last message time and unread count true to its messages", async () => {
    const [check] = await rows<{ conversations: number; inconsistent: number }>(sql`
      select count(*)::int as conversations, count(*) filter (where c.message_count <> m.total
               or c.last_message_at is distinct from m.last
               or c.unread_count <> m.unread)::int as inconsistent
      from conversations c
      join (select conversation_id, count(*)::int as total, max(timestamp) as last,
                   count(*) filter (where direction = 'inbound' and status <> 'read')::int as unread
            from messages where tenant_id = ${demo.tenantId} group by conversation_id) m on m.conversation_id = c.id
      where c.tenant_id = ${demo.tenantId}`);
    expect(check).toEqual({ conversations: 160, inconsistent: 0 });
  });

  it("has messages both ways in every delivery status, failures with their error, all in the last 30 days", async () => {
    const statuses = await rows<{ direction: string; status: string; count: number; without_error: number }>(sql`
      select direction, status, count(*)::int,
             count(*) filter (where error_code is null or error_title is null or failed_at is null)::int as without_error
      from messages where tenant_id = ${demo.tenantId} group by direction, status`);
    const outbound = statuses.filter((row) => row.direction === "outbound").map((row) => row.status);
    expect(outbound.sort()).toEqual([...DELIVERY_STATUSES].sort());
    expect(statuses.some((row) => row.direction === "inbound")).toBe(true);
    expect(statuses.find((row) => row.status === "failed")?.without_error).toBe(0);
    const [span] = await rows<{ outside: number; senders: number; replies: number }>(sql`
      select count(*) filter (where timestamp > now() or timestamp < now() - interval '30 days')::int as outside,
             count(distinct sender)::int as senders, count(reply_to_id)::int as replies
      from messages where tenant_id = ${demo.tenantId}`);
    expect(span).toEqual({ outside: 0, senders: 4, replies: expect.any(Number) });
    expect(span?.replies).toBeGreaterThan(0);
  });

  it("prices orders from the products, totals exactly the items' sum, in every status, never with the unavailable product", async () => {
    const [totals] = await rows<{ orders: number; wrong: number; mixed: number; sum: string }>(sql`
      select count(*)::int as orders,
             count(*) filter (where o.total_amount <> i.total)::int as wrong,
             count(*) filter (where i.currencies > 1 or i.currency <> o.currency)::int as mixed,
             sum(o.total_amount)::text as sum
      from orders o
      join (select order_id, sum(price_at_purchase * quantity) as total, count(distinct currency_at_purchase) as currencies,
                   min(currency_at_purchase) as currency
            from order_items where tenant_id = ${demo.tenantId} group by order_id) i on i.order_id = o.id
      where o.tenant_id = ${demo.tenantId} and o.platform_order_id like 'FD-%'`);
    expect(totals).toMatchObject({ orders: 48, wrong: 0, mixed: 0 });
    // Cents summed as integers: the same figure as Postgres's exact numeric sum.
    const items = await rows<{ price: string; quantity: number }>(sql`
      select price_at_purchase::text as price, quantity from order_items i join orders o on o.id = i.order_id
      where o.tenant_id = ${demo.tenantId} and o.platform_order_id like 'FD-%'`);
    const cents = items.reduce((sum, item) => sum + BigInt(item.price.replace(".", "")) * BigInt(item.quantity), 0n);
    expect(`${cents / 100n}.${String(cents % 100n).padStart(2, "0")}`).toBe(totals?.sum);

    const statuses = await rows<{ status: string }>(
      sql`select distinct status from orders where tenant_id = ${demo.tenantId} and platform_order_id like 'FD-%'`,
    );
    expect(statuses.map((row) => row.status).sort()).toEqual([...ORDER_STATUSES].sort());
    const [unavailable] = await rows<{ products: number; ordered: number }>(sql`
      select count(distinct p.id)::int as products, count(i.id)::int as ordered
      from products p left join order_items i on i.tenant_id = p.tenant_id and i.product_id = p.id
      where p.tenant_id = ${demo.tenantId} and not p.is_available`);
    expect(unavailable).toEqual({ products: 1, ordered: 0 });
  });

  it("sells order FD-1000k to demo conversation k's customer, on its channel", async () => {
    const [link] = await rows<{ orders: number; mismatched: number }>(sql`
      select count(*)::int as orders,
             count(*) filter (where o.customer_id <> c.contact_id or o.channel_id is distinct from c.channel_id)::int as mismatched
      from orders o
      join conversations c on c.tenant_id = o.tenant_id
        and c.platform_chat_id = 'demo-chat-' || (substr(o.platform_order_id, 4)::int - 10001)
      where o.tenant_id = ${demo.tenantId} and o.platform_order_id like 'FD-%'`);
    expect(link).toEqual({ orders: 48, mismatched: 0 });
  });
});
