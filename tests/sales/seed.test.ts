import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../db/client";
import { CONNECTED_OUTCOMES, PROPERTY_STATUSES, PROPERTY_TYPES, PROSPECT_STATUSES } from "../../db/schema";
import { DEMO_PASSWORD, type DemoCredentials, seedDemo } from "../../db/seed";
import { seed as seedSales } from "../../services/sales/seed";
import { verifyPassword } from "../../shared/auth/passwords";
import { ownDatabase } from "../helpers/migrations";

/**
 * The sales demo `npm start` serves (services/sales/seed.ts), seeded with every other module's by
 * db/seed.ts, in a database of its own: the inbox's seed test counts the demo tenant's rows exactly.
 */

let own: Awaited<ReturnType<typeof ownDatabase>>;
let db: Database;
let demo: DemoCredentials;

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/** How many sales rows of each kind the demo tenant has. */
async function counts(tenantId: string) {
  const tables = [
    "properties",
    "prospects",
    "routing_rules",
    "campaigns",
    "campaign_runs",
    "queued_leads",
    "prospect_conversations",
    "agent_actions",
    "detected_entities",
    "qualification_scores",
    "agent_plan_steps",
    "appointments",
    "handoff_packages",
    "integrations",
    "sales_reps",
    "users",
    "conversations",
    "messages",
  ];
  const [row] = await rows<Record<string, number>>(
    sql.raw(
      `select ${tables.map((table) => `(select count(*)::int from ${table} where tenant_id = '${tenantId}') as ${table}`).join(", ")}`,
    ),
  );
  return row!;
}

beforeAll(async () => {
  own = await ownDatabase("frontdesk_sales_seed");
  await own.handle.migrate();
  db = own.handle.db;
  demo = await seedDemo(db);
});
afterAll(async () => {
  await own?.drop();
});

describe("sales demo seed", () => {
  it("fills the demo tenant once: a second run of the whole demo seed adds nothing and says so", async () => {
    const before = await counts(demo.tenantId);
    expect(before).toMatchObject({
      properties: 24,
      prospects: 30,
      routing_rules: 5,
      campaigns: 3,
      campaign_runs: 1,
      queued_leads: 12,
      appointments: 11,
      handoff_packages: 7,
      integrations: 2,
      sales_reps: 3,
    });
    const again = await seedDemo(db);
    expect(again.tenantId).toBe(demo.tenantId);
    expect(again.created).toBe(false);
    expect(await seedSales(db, again)).toBe(false);
    expect(await counts(demo.tenantId)).toEqual(before);
  });

  it("lists the sales team's logins for npm start, once each", () => {
    const emails = demo.users.map((user) => user.email);
    expect(emails).toEqual(
      expect.arrayContaining(["manager@frontdesk.dev", "rep1@frontdesk.dev", "rep3@frontdesk.dev", "qa@frontdesk.dev"]),
    );
    expect(new Set(emails).size).toBe(emails.length);
  });

  it("gives the sales manager, a rep and the QA supervisor the demo password", async () => {
    for (const [email, role] of [
      ["manager@frontdesk.dev", "sales_manager"],
      ["rep1@frontdesk.dev", "sales_rep"],
      ["qa@frontdesk.dev", "qa_supervisor"],
    ]) {
      const [user] = await rows<{ role: string; tenant_id: string; password_hash: string }>(
        sql`select role, tenant_id, password_hash from users where email = ${email}`,
      );
      expect(user).toMatchObject({ role, tenant_id: demo.tenantId });
      expect(await verifyPassword(DEMO_PASSWORD, user!.password_hash)).toBe(true);
    }
  });

  it("has listings of every type and status, in several cities, one currency per city", async () => {
    const listed = await rows<{ type: string; status: string; city: string; currency: string }>(
      sql`select type, status, city, currency from properties where tenant_id = ${demo.tenantId}`,
    );
    expect(new Set(listed.map((row) => row.type))).toEqual(new Set(PROPERTY_TYPES));
    expect(new Set(listed.map((row) => row.status))).toEqual(new Set(PROPERTY_STATUSES));
    const currencies = new Map<string, Set<string>>();
    for (const row of listed) currencies.set(row.city, (currencies.get(row.city) ?? new Set()).add(row.currency));
    expect(currencies.size).toBeGreaterThanOrEqual(3);
    expect([...currencies.values()].every((set) => set.size === 1)).toBe(true);
  });

  it("has prospects in every status, some new ones unassigned, every other one with a conversation", async () => {
    const byStatus = await rows<{ status: string; count: number; unassigned: number; silent: number }>(sql`
      select p.status, count(*)::int,
             count(*) filter (where p.assigned_to is null)::int as unassigned,
             count(*) filter (where not exists (select 1 from prospect_conversations pc
                                                where pc.tenant_id = p.tenant_id and pc.prospect_id = p.id))::int as silent
      from prospects p where p.tenant_id = ${demo.tenantId} group by p.status`);
    expect(byStatus.map((row) => row.status).sort()).toEqual([...PROSPECT_STATUSES].sort());
    for (const row of byStatus) {
      if (row.status === "new") {
        expect(row.unassigned).toBeGreaterThan(0);
      } else {
        expect(row.silent, row.status).toBe(0);
        expect(row.unassigned, row.status).toBe(0);
      }
    }
  });

  it("assigns prospects as the routing rules would: rule counts match, the inactive rep gets no routed prospect", async () => {
    const [check] = await rows<{
      rules: number;
      miscounted: number;
      routed_to_inactive: number;
      foreign_reps: number;
    }>(sql`
      select (select count(*) from routing_rules where tenant_id = ${demo.tenantId})::int as rules,
             (select count(*) from routing_rules r
              where r.tenant_id = ${demo.tenantId}
                and r.assignment_count <> (select count(*) from prospects p
                                           where p.tenant_id = r.tenant_id and p.routing_rule_id = r.id))::int as miscounted,
             (select count(*) from prospects p join sales_reps s on s.tenant_id = p.tenant_id and s.user_id = p.assigned_to
              where p.tenant_id = ${demo.tenantId} and not s.is_active and p.routing_rule_id is not null)::int
               as routed_to_inactive,
             (select count(*) from prospects p left join users u on u.id = p.assigned_to and u.tenant_id = p.tenant_id
              where p.tenant_id = ${demo.tenantId} and p.assigned_to is not null
                and (u.id is null or u.role not in ('sales_rep', 'sales_manager')))::int as foreign_reps`);
    expect(check).toEqual({ rules: 5, miscounted: 0, routed_to_inactive: 0, foreign_reps: 0 });
    const [inactive] = await rows<{ email: string }>(sql`
      select u.email from sales_reps s join users u on u.id = s.user_id
      where s.tenant_id = ${demo.tenantId} and not s.is_active`);
    expect(inactive?.email).toBe("rep3@frontdesk.dev");
  });

  it("keeps each sales conversation's message count and transcript true to its messages, with the AI's records", async () => {
    const [check] = await rows<Record<string, number>>(sql`
      select count(*)::int as conversations,
             count(*) filter (where c.message_count <> coalesce(m.total, 0)
                                 or c.last_message_at is distinct from m.last)::int as inconsistent,
             count(*) filter (where c.outcome is not null and c.summary is null)::int as without_summary,
             count(*) filter (where m.total > 0 and c.outcome is not null and c.transcript is null)::int as without_transcript,
             count(*) filter (where pc.is_live)::int as live,
             count(*) filter (where m.outside > 0)::int as outside_30_days
      from prospect_conversations pc
      join conversations c on c.tenant_id = pc.tenant_id and c.id = pc.conversation_id
      left join (select conversation_id, count(*)::int as total, max(timestamp) as last,
                        count(*) filter (where timestamp > now() or timestamp < now() - interval '30 days')::int as outside
                 from messages where tenant_id = ${demo.tenantId} group by conversation_id) m on m.conversation_id = c.id
      where pc.tenant_id = ${demo.tenantId}`);
    expect(check).toMatchObject({
      inconsistent: 0,
      without_summary: 0,
      without_transcript: 0,
      live: 1,
      outside_30_days: 0,
    });
    expect(check?.conversations).toBeGreaterThan(24);
    const [recorded] = await rows<Record<string, number>>(sql`
      select (select count(distinct conversation_id) from agent_actions where tenant_id = ${demo.tenantId})::int as acted,
             (select count(distinct type) from detected_entities where tenant_id = ${demo.tenantId})::int as entity_types,
             (select count(distinct prospect_id) from qualification_scores where tenant_id = ${demo.tenantId})::int as scored,
             (select count(distinct conversation_id) from agent_plan_steps where tenant_id = ${demo.tenantId})::int as planned`);
    expect(recorded?.acted).toBe(check?.conversations);
    expect(recorded?.entity_types).toBe(5);
    expect(recorded?.scored).toBeGreaterThan(10);
    expect(recorded?.planned).toBeGreaterThan(5);
  });

  it("derives non-zero attempts, connections and bookings for the active campaign's run", async () => {
    const byCampaign = await rows<{
      status: string;
      attempts: number;
      connected: number;
      booked: number;
      leads: string[];
    }>(sql`
      select c.status,
             (select count(*) from prospect_conversations pc where pc.tenant_id = c.tenant_id and pc.campaign_id = c.id)::int
               as attempts,
             (select count(*) from prospect_conversations pc join conversations v on v.tenant_id = pc.tenant_id and v.id = pc.conversation_id
              where pc.tenant_id = c.tenant_id and pc.campaign_id = c.id
                and v.outcome in (${sql.join(
                  CONNECTED_OUTCOMES.map((outcome) => sql`${outcome}`),
                  sql`, `,
                )}))::int as connected,
             (select count(*) from appointments a join prospect_conversations pc
                on pc.tenant_id = a.tenant_id and pc.conversation_id = a.conversation_id
              where a.tenant_id = c.tenant_id and pc.campaign_id = c.id)::int as booked,
             (select coalesce(array_agg(distinct q.status), '{}') from queued_leads q
              where q.tenant_id = c.tenant_id and q.campaign_id = c.id) as leads
      from campaigns c where c.tenant_id = ${demo.tenantId}`);
    expect(byCampaign.map((row) => row.status).sort()).toEqual(["active", "draft", "paused"]);
    const active = byCampaign.find((row) => row.status === "active")!;
    expect(active.attempts).toBeGreaterThan(0);
    expect(active.connected).toBeGreaterThan(0);
    expect(active.connected).toBeLessThan(active.attempts);
    expect(active.booked).toBeGreaterThan(0);
    expect(active.leads).toEqual(expect.arrayContaining(["queued", "contacting", "done"]));
    const [run] = await rows<{ running: number; attempts_outside_run: number; lead_attempts_off: number }>(sql`
      select (select count(*) from campaign_runs where tenant_id = ${demo.tenantId} and status = 'running')::int as running,
             (select count(*) from prospect_conversations pc join campaign_runs r on r.id = pc.campaign_run_id
              join conversations v on v.id = pc.conversation_id
              where pc.tenant_id = ${demo.tenantId} and v.started_at < r.started_at)::int as attempts_outside_run,
             (select count(*) from queued_leads q
              where q.tenant_id = ${demo.tenantId}
                and q.attempts <> (select count(*) from prospect_conversations pc where pc.queued_lead_id = q.id))::int
               as lead_attempts_off`);
    expect(run).toEqual({ running: 1, attempts_outside_run: 0, lead_attempts_off: 0 });
  });

  it("books appointments in every status, never two at once for one rep, future ones still to come", async () => {
    const byStatus = await rows<{ status: string; future: number; past: number }>(sql`
      select status, count(*) filter (where scheduled_at > now())::int as future,
             count(*) filter (where scheduled_at <= now())::int as past
      from appointments where tenant_id = ${demo.tenantId} group by status`);
    expect(Object.fromEntries(byStatus.map((row) => [row.status, row.future > 0 ? "future" : "past"]))).toEqual({
      scheduled: "future",
      rescheduled: "future",
      completed: "past",
      no_show: "past",
    });
    expect(byStatus.find((row) => row.status === "scheduled")?.past).toBe(0);
    const [overlap] = await rows<{ count: number }>(sql`
      select count(*)::int from appointments a join appointments b
        on b.tenant_id = a.tenant_id and b.assigned_rep_id = a.assigned_rep_id and a.id < b.id
       and tstzrange(a.scheduled_at, a.scheduled_at + a.duration_minutes * interval '1 minute')
        && tstzrange(b.scheduled_at, b.scheduled_at + b.duration_minutes * interval '1 minute')
      where a.tenant_id = ${demo.tenantId}`);
    expect(overlap?.count).toBe(0);
    const [reps] = await rows<{ reps: number }>(sql`
      select count(distinct assigned_rep_id)::int as reps from appointments
      where tenant_id = ${demo.tenantId} and status = 'scheduled'`);
    expect(reps?.reps).toBeGreaterThan(1);
  });

  it("has hand-offs in every status but expired, one pending one already past its expiry", async () => {
    const handoffs = await rows<{
      status: string;
      overdue: boolean;
      claimed_by: string | null;
      appointment_id: string | null;
    }>(
      sql`select status, expires_at < now() as overdue, claimed_by, appointment_id
          from handoff_packages where tenant_id = ${demo.tenantId}`,
    );
    expect(new Set(handoffs.map((row) => row.status))).toEqual(new Set(["pending", "claimed", "completed"]));
    const pending = handoffs.filter((row) => row.status === "pending");
    expect(pending.filter((row) => row.overdue)).toHaveLength(1);
    expect(pending.filter((row) => !row.overdue).length).toBeGreaterThanOrEqual(2);
    const [rep1] = await rows<{ id: string }>(sql`select id from users where email = 'rep1@frontdesk.dev'`);
    expect(handoffs.find((row) => row.status === "claimed")?.claimed_by).toBe(rep1?.id);
    expect(handoffs.some((row) => row.appointment_id !== null)).toBe(true);
    // A viewing's hand-off is taken by the rep who hosts it.
    const [strangers] = await rows<{ count: number }>(sql`
      select count(*)::int from handoff_packages h join appointments a on a.tenant_id = h.tenant_id and a.id = h.appointment_id
      where h.tenant_id = ${demo.tenantId} and h.claimed_by <> a.assigned_rep_id`);
    expect(strangers?.count).toBe(0);
  });

  it("suggests only the tenant's listings of the prospect's city, with what a rep needs to call", async () => {
    const [check] = await rows<Record<string, number>>(sql`
      select count(distinct h.id)::int as handoffs,
             count(*)::int as suggestions,
             count(*) filter (where p.id is null or p.city <> pr.city or s->>'name' <> p.name
                                 or s->>'priceMin' <> p.price_min::text)::int as wrong,
             count(distinct h.id) filter (where h.prospect_phone is null or cardinality(h.detected_needs) = 0
                                             or cardinality(h.next_steps) = 0 or h.conversation_context is null
                                             or (h.qualification_score->>'overall') is null)::int as incomplete
      from handoff_packages h
      join prospects pr on pr.tenant_id = h.tenant_id and pr.id = h.prospect_id
      cross join lateral jsonb_array_elements(h.suggested_properties) s
      left join properties p on p.tenant_id = h.tenant_id and p.id = (s->>'id')::uuid
      where h.tenant_id = ${demo.tenantId}`);
    expect(check).toMatchObject({ handoffs: 7, wrong: 0, incomplete: 0 });
    expect(check?.suggestions).toBeGreaterThanOrEqual(6);
  });

  it("has a connected CRM and a disconnected calendar", async () => {
    const connected = await rows<{ type: string; status: string; synced: boolean }>(sql`
      select type, status, last_sync is not null as synced from integrations where tenant_id = ${demo.tenantId} order by type`);
    expect(connected).toEqual([
      { type: "calendar", status: "disconnected", synced: false },
      { type: "crm", status: "connected", synced: true },
    ]);
  });
});
