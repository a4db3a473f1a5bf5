import { describe, expect, it } from "vitest";
import { getDb } from "../../db/client";
import { conversations, type DeliveryStatus, messages } from "../../db/schema";
import * as overviewFn from "../../netlify/functions/inbox-analytics-overview";
import { type Account, addMember, createApiKey, registerTenant } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";

const DAY = 86_400_000;

/** Midnight UTC today; a test starting within seconds of midnight waits for the new day first. */
async function utcToday(): Promise<number> {
  const left = DAY - (Date.now() % DAY);
  if (left < 5_000) await new Promise((resolve) => setTimeout(resolve, left + 50));
  return Math.floor(Date.now() / DAY) * DAY;
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

interface Message {
  at: number;
  direction: "inbound" | "outbound";
  status?: DeliveryStatus;
  conversation?: 0 | 1;
}

/** Stores the messages in the tenant's two conversations (the first unless said). */
async function store(tenantId: string, list: Message[]) {
  const db = await getDb();
  const made = await db
    .insert(conversations)
    .values([
      { tenantId, channelType: "webchat" },
      { tenantId, channelType: "whatsapp" },
    ])
    .returning({ id: conversations.id });
  await db.insert(messages).values(
    list.map((message) => ({
      tenantId,
      conversationId: made[message.conversation ?? 0]?.id as string,
      direction: message.direction,
      sender: message.direction === "inbound" ? ("customer" as const) : ("agent" as const),
      status: message.status ?? (message.direction === "inbound" ? "delivered" : "sent"),
      text: "hi",
      timestamp: new Date(message.at),
    })),
  );
}

const overview = (account: Account, query: Record<string, string | number> = {}) =>
  call(overviewFn, { token: account.accessToken, query });

describe("GET /api/analytics/overview", () => {
  it("counts each message on its UTC day, zero-fills the window and never counts another tenant's", async () => {
    const owner = await registerTenant("analytics");
    const other = await registerTenant("analytics-other");
    const today = await utcToday();
    const firstDay = today - 6 * DAY;
    await store(owner.tenantId, [
      // Just before the window: only this week's or month's figures may count it.
      { at: firstDay - 1, direction: "outbound", status: "read" },
      // The window's first instant and the last instant of yesterday, then today's first.
      { at: firstDay, direction: "inbound", conversation: 1 },
      { at: today - 1, direction: "outbound", status: "sent" },
      { at: today, direction: "outbound", status: "delivered" },
      { at: today, direction: "inbound" },
      { at: today - 3 * DAY + 5_000, direction: "outbound", status: "read" },
      { at: today - 3 * DAY + 6_000, direction: "outbound", status: "failed" },
      { at: today - 3 * DAY + 7_000, direction: "outbound", status: "queued" },
      // Tomorrow (a clock ahead): in no figure.
      { at: today + DAY, direction: "outbound", status: "sent" },
    ]);
    await store(other.tenantId, [
      { at: today, direction: "outbound", status: "delivered" },
      { at: today - DAY, direction: "inbound" },
    ]);

    const res = await overview(owner, { days: 7 });
    expect(res.status, res.text).toBe(200);
    // One statement (a token needs none to authenticate): at most two, as spec'd.
    expect(res.statements).toBeLessThanOrEqual(2);

    const expectedDays = Array.from({ length: 7 }, (_, i) => ({
      date: isoDay(firstDay + i * DAY),
      sent: 0,
      received: 0,
    }));
    expectedDays[0] = { ...expectedDays[0], received: 1 } as (typeof expectedDays)[number];
    expectedDays[3] = { ...expectedDays[3], sent: 3 } as (typeof expectedDays)[number];
    expectedDays[5] = { ...expectedDays[5], sent: 1 } as (typeof expectedDays)[number];
    expectedDays[6] = { ...expectedDays[6], sent: 1, received: 1 } as (typeof expectedDays)[number];

    // The outbound messages up to the end of today, by when they were sent, for this week and month.
    const outbound = [
      firstDay - 1,
      today - 1,
      today,
      today - 3 * DAY + 5_000,
      today - 3 * DAY + 6_000,
      today - 3 * DAY + 7_000,
    ];
    const monday = today - ((new Date(today).getUTCDay() + 6) % 7) * DAY;
    const first = Date.UTC(new Date(today).getUTCFullYear(), new Date(today).getUTCMonth(), 1);
    expect(res.body.data).toEqual({
      overview: {
        totalMessages: 7,
        totalConversations: 2,
        // delivered 1 + read 1 of sent 1, delivered 1, read 1, failed 1 (the queued one has not left).
        deliveryRate: 50,
        sentToday: 1,
        sentThisWeek: outbound.filter((at) => at >= monday).length,
        sentThisMonth: outbound.filter((at) => at >= first).length,
      },
      messagesByStatus: { sent: 1, delivered: 1, read: 1, failed: 1 },
      dailyActivity: expectedDays,
    });
  });

  it("counts this week from Monday and this month from the 1st, whatever the window", async () => {
    const owner = await registerTenant("analytics-calendar");
    const today = await utcToday();
    const monday = today - ((new Date(today).getUTCDay() + 6) % 7) * DAY;
    const first = Date.UTC(new Date(today).getUTCFullYear(), new Date(today).getUTCMonth(), 1);
    const instants = [monday, monday - 1, first, first - 1, today];
    await store(
      owner.tenantId,
      instants.map((at) => ({ at, direction: "outbound" as const })),
    );
    const res = await overview(owner, { days: 1 });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data.overview).toMatchObject({
      totalMessages: 1,
      sentToday: instants.filter((at) => at === today).length,
      sentThisWeek: instants.filter((at) => at >= monday).length,
      sentThisMonth: instants.filter((at) => at >= first).length,
    });
    expect(res.body.data.dailyActivity).toEqual([
      { date: isoDay(today), sent: instants.filter((at) => at === today).length, received: 0 },
    ]);
  });

  it("answers zeros for a tenant without messages, over 30 days by default", async () => {
    const owner = await registerTenant("analytics-empty");
    const today = await utcToday();
    const res = await overview(owner);
    expect(res.status, res.text).toBe(200);
    expect(res.body.data.overview).toEqual({
      totalMessages: 0,
      totalConversations: 0,
      deliveryRate: 0,
      sentToday: 0,
      sentThisWeek: 0,
      sentThisMonth: 0,
    });
    expect(res.body.data.messagesByStatus).toEqual({ sent: 0, delivered: 0, read: 0, failed: 0 });
    expect(res.body.data.dailyActivity).toHaveLength(30);
    expect(res.body.data.dailyActivity[0]).toEqual({ date: isoDay(today - 29 * DAY), sent: 0, received: 0 });
    expect(res.body.data.dailyActivity.at(-1)).toEqual({ date: isoDay(today), sent: 0, received: 0 });
  });

  it("rounds the delivery rate to one decimal", async () => {
    const owner = await registerTenant("analytics-rate");
    const today = await utcToday();
    await store(owner.tenantId, [
      { at: today, direction: "outbound", status: "delivered" },
      { at: today, direction: "outbound", status: "read" },
      { at: today, direction: "outbound", status: "failed" },
    ]);
    expect((await overview(owner)).body.data.overview.deliveryRate).toBe(66.7);
  });

  it("takes days from 1 to 365 and is read by any member and read keys", async () => {
    const owner = await registerTenant("analytics-days");
    for (const days of [0, 366, -1, 1.5, "week"]) {
      const res = await overview(owner, { days });
      expect(res.status, String(days)).toBe(400);
      expect(res.body.error.details[0].path).toBe("query.days");
    }
    expect((await overview(owner, { days: 365 })).body.data.dailyActivity).toHaveLength(365);
    expect((await overview(owner, { extra: 1 })).status).toBe(400);
    const agent = await addMember(owner, "agent");
    const readKey = await createApiKey(owner, ["read"]);
    const aiKey = await createApiKey(owner, ["ai-agent"]);
    expect((await overview(agent)).status).toBe(200);
    expect((await call(overviewFn, { apiKey: readKey.key })).status).toBe(200);
    expect((await call(overviewFn, { apiKey: aiKey.key })).status).toBe(403);
    expect((await call(overviewFn, {})).status).toBe(401);
  });
});
