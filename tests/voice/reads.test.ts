import { and, eq, inArray, sql } from "drizzle-orm";
import Retell from "retell-sdk";
import { describe, expect, it } from "vitest";
import { getDb } from "../../db/client";
import { agents, calls } from "../../db/schema";
import * as callById from "../../netlify/functions/voice-calls-id";
import * as agentInfo from "../../netlify/functions/voice-dashboard-agent-info";
import * as callHistory from "../../netlify/functions/voice-dashboard-call-history";
import * as overview from "../../netlify/functions/voice-dashboard-overview";
import * as webhook from "../../netlify/functions/voice-webhooks-retell";
import { type Account, createApiKey, registerTenant, unique } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";
import { upsertCalls } from "../../services/voice/retell-calls";
import { syncRetellCalls } from "../../services/voice/sync";
import { mockRetell } from "../helpers/retell-msw";

const retell = mockRetell();
const DAY = 86_400_000;
/** Midnight UTC of today, and ISO dates / instants relative to it. */
const today = () => Math.floor(Date.now() / DAY) * DAY;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

async function seedAgent(owner: Account, values: Partial<typeof agents.$inferInsert> = {}) {
  const db = await getDb();
  const [row] = await db
    .insert(agents)
    .values({ tenantId: owner.tenantId, agentId: unique("agent"), agentName: "Front desk", ...values })
    .returning();
  if (!row) throw new Error("agent insert returned no row");
  return row;
}

async function seedCall(owner: Account, agentId: string, values: Partial<typeof calls.$inferInsert> = {}) {
  const db = await getDb();
  const [row] = await db
    .insert(calls)
    .values({
      tenantId: owner.tenantId,
      agentId,
      callId: unique("call"),
      callType: "phone_call",
      callStatus: "ended",
      ...values,
    })
    .returning();
  if (!row) throw new Error("call insert returned no row");
  return row;
}

const historyPath = (agentId: string) => `/api/dashboard/call-history/${agentId}`;
const ids = (body: { data: { callId: string }[] }) => body.data.map((c) => c.callId);

describe("GET /api/dashboard/agent-info/:agentId", () => {
  it("answers the tenant's agent in one statement", async () => {
    const owner = await registerTenant("agentinfo");
    const agent = await seedAgent(owner, { agentName: "Reception", status: "INACTIVE" });
    const res = await call(agentInfo, {
      path: `/api/dashboard/agent-info/${agent.agentId}`,
      token: owner.accessToken,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: {
        id: agent.id,
        agentId: agent.agentId,
        agentName: "Reception",
        status: "INACTIVE",
        createdAt: agent.createdAt.toISOString(),
        updatedAt: agent.updatedAt.toISOString(),
      },
    });
    expect(res.statements).toBe(1);
  });

  it("answers 404 for an unknown agent and for another tenant's", async () => {
    const owner = await registerTenant("agentinfo404");
    const other = await registerTenant("agentinfo404-other");
    const theirs = await seedAgent(other, { agentName: "Not yours" });
    for (const agentId of ["agent_nobody_has", theirs.agentId]) {
      const res = await call(agentInfo, { path: `/api/dashboard/agent-info/${agentId}`, token: owner.accessToken });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("NOT_FOUND");
      expect(res.text).not.toContain("Not yours");
    }
  });

  it("tells apart two tenants that use the same Retell agent id", async () => {
    const first = await registerTenant("sharedagent1");
    const second = await registerTenant("sharedagent2");
    const agentId = unique("shared_agent");
    await seedAgent(first, { agentId, agentName: "First's desk" });
    await seedAgent(second, { agentId, agentName: "Second's desk" });
    const path = `/api/dashboard/agent-info/${agentId}`;
    expect((await call(agentInfo, { path, token: first.accessToken })).body.data.agentName).toBe("First's desk");
    expect((await call(agentInfo, { path, token: second.accessToken })).body.data.agentName).toBe("Second's desk");
  });
});

describe("GET /api/dashboard/call-history/:agentId", () => {
  /**
   * Five calls of one agent, plus calls that must never show: another agent's of the same
   * tenant, and another tenant's under the same Retell agent id.
   *   c1: 3 days ago, 60.4 s, 10 ¢      c2: yesterday, 29.5 s, 50 ¢      c3: 2 days ago, 90 s, no cost
   *   c4: never started, no duration, 5 ¢      c5: 4 days ago, 60.4 s (ties c1), 10 ¢ (ties c1)
   */
  async function history() {
    const owner = await registerTenant("history");
    const agent = await seedAgent(owner);
    const at = (daysAgo: number) => new Date(today() - daysAgo * DAY + 3_600_000);
    const c1 = await seedCall(owner, agent.agentId, { startedAt: at(3), durationMs: 60_400, costCents: 10 });
    const c2 = await seedCall(owner, agent.agentId, { startedAt: at(1), durationMs: 29_500, costCents: 50 });
    const c3 = await seedCall(owner, agent.agentId, { startedAt: at(2), durationMs: 90_000, costCents: null });
    const c4 = await seedCall(owner, agent.agentId, { callStatus: "registered", costCents: 5 });
    const c5 = await seedCall(owner, agent.agentId, { startedAt: at(4), durationMs: 60_400, costCents: 10 });
    const otherAgent = await seedAgent(owner);
    await seedCall(owner, otherAgent.agentId, { startedAt: at(1), durationMs: 1_000, costCents: 1 });
    const stranger = await registerTenant("history-other");
    await seedAgent(stranger, { agentId: agent.agentId });
    await seedCall(stranger, agent.agentId, { startedAt: at(0), durationMs: 2_000, costCents: 2 });
    // Ties are broken by id in the direction of the sort.
    const [tieFirst, tieSecond] = [c1, c5].sort((a, b) => (a.id < b.id ? -1 : 1)) as [typeof c1, typeof c1];
    return { owner, agent, c1, c2, c3, c4, c5, tieFirst, tieSecond };
  }

  it("sorts by each key in both directions, nulls last, ties by id", async () => {
    const { owner, agent, c1, c2, c3, c4, c5, tieFirst, tieSecond } = await history();
    const cases: [Record<string, string>, (typeof c1)[]][] = [
      [{}, [c2, c3, c1, c5, c4]],
      [{ sortBy: "date" }, [c2, c3, c1, c5, c4]],
      [{ sortBy: "date", order: "asc" }, [c5, c1, c3, c2, c4]],
      [{ sortBy: "duration" }, [c3, tieSecond, tieFirst, c2, c4]],
      [{ sortBy: "duration", order: "asc" }, [c2, tieFirst, tieSecond, c3, c4]],
      [{ sortBy: "cost" }, [c2, tieSecond, tieFirst, c4, c3]],
      [{ sortBy: "cost", order: "asc" }, [c4, tieFirst, tieSecond, c2, c3]],
    ];
    for (const [query, expected] of cases) {
      const res = await call(callHistory, { path: historyPath(agent.agentId), token: owner.accessToken, query });
      expect(res.status, JSON.stringify(query)).toBe(200);
      expect(ids(res.body), JSON.stringify(query)).toEqual(expected.map((c) => c.callId));
    }
  });

  it("pages with totals and hasMore in one statement, and pages are stable", async () => {
    const { owner, agent, c2, c3 } = await history();
    const path = historyPath(agent.agentId);
    const first = await call(callHistory, { path, token: owner.accessToken, query: { limit: 2 } });
    expect(first.status).toBe(200);
    expect(ids(first.body)).toEqual([c2.callId, c3.callId]);
    expect(first.body.pagination).toEqual({
      total: 5,
      totalIsExact: true,
      limit: 2,
      offset: 0,
      page: 1,
      totalPages: 3,
      hasMore: true,
      nextCursor: expect.any(String),
    });
    expect(first.statements).toBe(1);

    const last = await call(callHistory, { path, token: owner.accessToken, query: { limit: 2, offset: 4 } });
    expect(last.body.data).toHaveLength(1);
    expect(last.body.pagination).toEqual({
      total: 5,
      totalIsExact: true,
      limit: 2,
      offset: 4,
      page: 3,
      totalPages: 3,
      hasMore: false,
      nextCursor: null,
    });

    const past = await call(callHistory, { path, token: owner.accessToken, query: { limit: 2, offset: 10 } });
    expect(past.status).toBe(200);
    expect(past.body).toEqual({
      data: [],
      pagination: {
        total: 5,
        totalIsExact: true,
        limit: 2,
        offset: 10,
        page: 6,
        totalPages: 3,
        hasMore: false,
        nextCursor: null,
      },
    });
    expect(past.statements).toBe(1);

    // One call per page, walked to the end, gives every call once, in the order of one big page.
    for (const sortBy of ["date", "duration", "cost"]) {
      const all = await call(callHistory, { path, token: owner.accessToken, query: { sortBy, limit: 100 } });
      const walked: string[] = [];
      for (let offset = 0; offset < 5; offset++) {
        const page = await call(callHistory, { path, token: owner.accessToken, query: { sortBy, limit: 1, offset } });
        walked.push(...ids(page.body));
      }
      expect(walked).toEqual(ids(all.body));
    }
  });

  it("lists calls without the transcript, with durationSeconds beside durationMs", async () => {
    const owner = await registerTenant("historyshape");
    const agent = await seedAgent(owner);
    const started = new Date(today() - DAY);
    const stored = await seedCall(owner, agent.agentId, {
      startedAt: started,
      endedAt: new Date(started.getTime() + 29_500),
      durationMs: 29_500,
      costCents: 12.75,
      transcript: "Agent: Hello there",
      transcriptObject: [{ role: "agent", content: "Hello there" }],
      userSentiment: "Positive",
      callSuccessful: true,
      analyzed: true,
      disconnectionReason: "user_hangup",
      metadata: { source: "test" },
    });
    await seedCall(owner, agent.agentId, { callStatus: "registered" });
    const res = await call(callHistory, { path: historyPath(agent.agentId), token: owner.accessToken });
    expect(res.status).toBe(200);
    const [item, unstarted] = res.body.data;
    expect(item).toMatchObject({
      id: stored.id,
      callId: stored.callId,
      agentId: agent.agentId,
      callStatus: "ended",
      startedAt: started.toISOString(),
      durationMs: 29_500,
      durationSeconds: 30,
      costCents: 12.75,
      userSentiment: "Positive",
      callSuccessful: true,
      disconnectionReason: "user_hangup",
      metadata: { source: "test" },
    });
    expect(unstarted).toMatchObject({ callStatus: "registered", durationMs: null, durationSeconds: null });
    expect(item).not.toHaveProperty("transcript");
    expect(item).not.toHaveProperty("transcriptObject");
    expect(item).not.toHaveProperty("tenantId");
    expect(res.text).not.toContain("Hello there");
  });

  it("answers an agent without calls with an empty page", async () => {
    const owner = await registerTenant("historyempty");
    const agent = await seedAgent(owner);
    const res = await call(callHistory, { path: historyPath(agent.agentId), token: owner.accessToken });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: [],
      pagination: {
        total: 0,
        totalIsExact: true,
        limit: 20,
        offset: 0,
        page: 1,
        totalPages: 0,
        hasMore: false,
        nextCursor: null,
      },
    });
    expect(res.statements).toBe(1);
  });

  it("answers 404 for an unknown agent and another tenant's, in one statement", async () => {
    const owner = await registerTenant("history404");
    const other = await registerTenant("history404-other");
    const theirs = await seedAgent(other);
    await seedCall(other, theirs.agentId, { startedAt: new Date() });
    for (const agentId of ["agent_nobody_has", theirs.agentId]) {
      for (const offset of [0, 5]) {
        const res = await call(callHistory, {
          path: historyPath(agentId),
          token: owner.accessToken,
          query: { offset },
        });
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe("NOT_FOUND");
        expect(res.statements).toBe(1);
      }
    }
  });

  it("rejects bad paging and sorting with 400", async () => {
    const owner = await registerTenant("historybad");
    const agent = await seedAgent(owner);
    for (const query of [
      { limit: 0 },
      { limit: 101 },
      { offset: -1 },
      { limit: "ten" },
      { sortBy: "bogus" },
      { order: "sideways" },
    ]) {
      const res = await call(callHistory, { path: historyPath(agent.agentId), token: owner.accessToken, query });
      expect(res.status, JSON.stringify(query)).toBe(400);
      expect(res.body.error.code).toBe("VALIDATION_FAILED");
    }
    const edges = await call(callHistory, {
      path: historyPath(agent.agentId),
      token: owner.accessToken,
      query: { limit: 100 },
    });
    expect(edges.status).toBe(200);
  });
});

describe("agents.call_count: call history's total", () => {
  /** The agent's kept count beside a count of its calls. */
  async function counts(tenantId: string, agentId: string) {
    const db = await getDb();
    const [row] = await db
      .select({
        kept: agents.callCount,
        counted: sql<number>`(select count(*)::int from ${calls} where ${calls.tenantId} = ${tenantId} and ${calls.agentId} = ${agentId})`,
      })
      .from(agents)
      .where(and(eq(agents.tenantId, tenantId), eq(agents.agentId, agentId)));
    return row;
  }

  it("stays exact through sync pages, re-syncs, webhooks, a call moving agent and deletes", async () => {
    const { owner, retell: fake } = await retell.tenantWithRetell("callcount");
    const desk = unique("desk");
    const line = unique("line");
    fake.addAgent(desk, "Desk");
    fake.addAgent(line, "Line");
    fake.addCalls(30, { agentId: desk, start: Date.now() - 200 * 60_000 });
    fake.addCalls(20, { agentId: line, start: Date.now() - 199 * 60_000, spacingMs: 61_000 });
    const db = await getDb();
    const synced = await syncRetellCalls(db, owner.tenantId, { deadline: Date.now() + 60_000, pageSize: 25 });
    expect(synced).toMatchObject({ callsSynced: 50, pages: 2, complete: true });
    expect(await counts(owner.tenantId, desk)).toEqual({ kept: 30, counted: 30 });
    expect(await counts(owner.tenantId, line)).toEqual({ kept: 20, counted: 20 });

    // The same calls again, each changed (ON CONFLICT DO UPDATE), with one new: only the new one counts.
    const extra = fake.makeCall(desk, Date.now() - 60_000);
    extra.call_id = unique("call");
    const again = [...fake.calls.values()].map((c) => ({ ...c, metadata: { resynced: true } }));
    const written = await upsertCalls(db, owner.tenantId, [...again, extra]);
    expect(written.filter((row) => !row.inserted)).toHaveLength(50);
    expect(await counts(owner.tenantId, desk)).toEqual({ kept: 31, counted: 31 });
    expect(await counts(owner.tenantId, line)).toEqual({ kept: 20, counted: 20 });

    // A webhook's new call, then the same event again.
    const fresh = fake.makeCall(line, Date.now() - 30_000);
    fresh.call_id = unique("call");
    const rawBody = JSON.stringify({ event: "call_ended", call: fresh });
    for (let delivery = 0; delivery < 2; delivery++) {
      const res = await call(webhook, {
        method: "POST",
        rawBody,
        headers: { "content-type": "application/json", "x-retell-signature": await Retell.sign(rawBody, fake.apiKey) },
      });
      expect(res.status, res.text).toBe(200);
    }
    expect(await counts(owner.tenantId, line)).toEqual({ kept: 21, counted: 21 });

    // A later payload naming another agent moves the call.
    await upsertCalls(db, owner.tenantId, [{ ...extra, agent_id: line }]);
    expect(await counts(owner.tenantId, desk)).toEqual({ kept: 30, counted: 30 });
    expect(await counts(owner.tenantId, line)).toEqual({ kept: 22, counted: 22 });

    const deskCalls = [...fake.calls.values()].filter((c) => c.agent_id === desk).slice(0, 5);
    await db.delete(calls).where(
      and(
        eq(calls.tenantId, owner.tenantId),
        inArray(
          calls.callId,
          deskCalls.map((c) => c.call_id),
        ),
      ),
    );
    expect(await counts(owner.tenantId, desk)).toEqual({ kept: 25, counted: 25 });

    const history = await call(callHistory, { path: historyPath(desk), token: owner.accessToken, query: { limit: 1 } });
    expect(history.body.pagination).toMatchObject({ total: 25, totalIsExact: true, hasMore: true });
    expect(history.statements).toBe(1);
  });
});

describe("GET /api/calls/:callId", () => {
  it("answers the whole call with its transcript and agent name in one statement", async () => {
    const owner = await registerTenant("calldetail");
    const agent = await seedAgent(owner, { agentName: "Night desk" });
    const transcriptObject = [
      { role: "agent", content: "Good evening", words: [{ word: "Good", start: 0.1, end: 0.3 }] },
      { role: "user", content: "Hi, a table for two" },
    ];
    const stored = await seedCall(owner, agent.agentId, {
      startedAt: new Date(today() - DAY),
      durationMs: 61_499,
      costCents: 7.5,
      transcript: "Agent: Good evening\nUser: Hi, a table for two",
      transcriptObject,
      callSummary: "Booked a table",
      recordingUrl: "https://example.test/recording.wav",
    });
    const res = await call(callById, { path: `/api/calls/${stored.callId}`, token: owner.accessToken });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      id: stored.id,
      callId: stored.callId,
      agentId: agent.agentId,
      agentName: "Night desk",
      transcript: "Agent: Good evening\nUser: Hi, a table for two",
      transcriptObject,
      durationMs: 61_499,
      durationSeconds: 61,
      costCents: 7.5,
      callSummary: "Booked a table",
      recordingUrl: "https://example.test/recording.wav",
    });
    expect(res.body.data).not.toHaveProperty("tenantId");
    expect(res.statements).toBe(1);
  });

  it("answers 404 for another tenant's call and an unknown one", async () => {
    const owner = await registerTenant("call404");
    const other = await registerTenant("call404-other");
    const theirs = await seedCall(other, (await seedAgent(other)).agentId, { transcript: "secret words" });
    for (const callId of [theirs.callId, "call_nobody_has"]) {
      const res = await call(callById, { path: `/api/calls/${callId}`, token: owner.accessToken });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("NOT_FOUND");
      expect(res.text).not.toContain("secret words");
    }
  });
});

describe("GET /api/dashboard/overview", () => {
  /**
   * A 7-day window covers today and the six days before it. k4 starts exactly at the window's
   * first instant; k6 a millisecond before it; k7 never started; another tenant's call is today.
   */
  async function dashboard() {
    const owner = await registerTenant("overview");
    const desk = await seedAgent(owner);
    const line = await seedAgent(owner);
    const start = today();
    const windowStart = start - 6 * DAY;
    const seed = (agentId: string, values: Partial<typeof calls.$inferInsert>) => seedCall(owner, agentId, values);
    await seed(desk.agentId, {
      startedAt: new Date(start + 60_000),
      durationMs: 60_000,
      costCents: 10.5,
      analyzed: true,
      callSuccessful: true,
      userSentiment: "Positive",
      disconnectionReason: "user_hangup",
    });
    await seed(desk.agentId, {
      startedAt: new Date(start + 120_000),
      durationMs: 30_000,
      costCents: 4.25,
      analyzed: true,
      callSuccessful: false,
      userSentiment: "Negative",
      disconnectionReason: "agent_hangup",
    });
    await seed(desk.agentId, {
      startedAt: new Date(start - 2 * DAY + 5 * 3_600_000),
      durationMs: 90_000,
      costCents: 20,
      analyzed: true,
      callSuccessful: true,
      userSentiment: "Neutral",
      disconnectionReason: "user_hangup",
    });
    await seed(line.agentId, {
      startedAt: new Date(windowStart),
      durationMs: 45_000,
      costCents: 1.25,
      disconnectionReason: "dial_no_answer",
    });
    await seed(line.agentId, {
      startedAt: new Date(start - 3 * DAY + 3_600_000),
      analyzed: true,
      userSentiment: "Unknown",
    });
    await seed(desk.agentId, {
      startedAt: new Date(windowStart - 1),
      durationMs: 1_000,
      costCents: 100,
      analyzed: true,
      callSuccessful: false,
      userSentiment: "Negative",
      disconnectionReason: "error",
    });
    await seed(desk.agentId, { callStatus: "registered", costCents: 1 });
    const stranger = await registerTenant("overview-other");
    await seedCall(stranger, (await seedAgent(stranger, { agentId: desk.agentId })).agentId, {
      startedAt: new Date(start + 1_000),
      durationMs: 5_000,
      costCents: 3,
      analyzed: true,
      callSuccessful: true,
      userSentiment: "Positive",
      disconnectionReason: "user_hangup",
    });
    return { owner, desk, line, start };
  }

  it("computes the window's figures in one statement", async () => {
    const { owner, start } = await dashboard();
    const res = await call(overview, { token: owner.accessToken, query: { days: 7 } });
    expect(res.status).toBe(200);
    expect(res.statements).toBe(1);
    expect(res.body.data).toEqual({
      from: isoDay(start - 6 * DAY),
      to: isoDay(start),
      days: 7,
      agentId: null,
      totalCalls: 5,
      totalDurationMs: 225_000,
      averageDurationMs: 56_250,
      totalCostCents: 36,
      analyzedCalls: 3,
      successfulCalls: 2,
      successRate: 2 / 3,
      sentiment: { Positive: 1, Negative: 1, Neutral: 1, Unknown: 1 },
      disconnectionReasons: [
        { reason: "user_hangup", count: 2 },
        { reason: "agent_hangup", count: 1 },
        { reason: "dial_no_answer", count: 1 },
      ],
      callsPerDay: [1, 0, 0, 1, 1, 0, 2].map((calls, index) => ({ date: isoDay(start - (6 - index) * DAY), calls })),
    });
  });

  it("widens and narrows the window by days", async () => {
    const { owner, start } = await dashboard();
    const eight = await call(overview, { token: owner.accessToken, query: { days: 8 } });
    expect(eight.body.data).toMatchObject({
      from: isoDay(start - 7 * DAY),
      totalCalls: 6,
      totalDurationMs: 226_000,
      totalCostCents: 136,
      analyzedCalls: 4,
      successfulCalls: 2,
      successRate: 0.5,
      sentiment: { Positive: 1, Negative: 2, Neutral: 1, Unknown: 1 },
    });
    expect(eight.body.data.disconnectionReasons).toContainEqual({ reason: "error", count: 1 });
    expect(eight.body.data.callsPerDay.map((d: { calls: number }) => d.calls)).toEqual([1, 1, 0, 0, 1, 1, 0, 2]);

    const one = await call(overview, { token: owner.accessToken, query: { days: 1 } });
    expect(one.body.data).toMatchObject({
      from: isoDay(start),
      to: isoDay(start),
      totalCalls: 2,
      averageDurationMs: 45_000,
      successRate: 0.5,
      callsPerDay: [{ date: isoDay(start), calls: 2 }],
    });

    const year = await call(overview, { token: owner.accessToken, query: { days: 365 } });
    expect(year.status).toBe(200);
    expect(year.body.data.callsPerDay).toHaveLength(365);
    expect(year.body.data.totalCalls).toBe(6);
  });

  it("narrows to one agent", async () => {
    const { owner, line, start } = await dashboard();
    const res = await call(overview, { token: owner.accessToken, query: { days: 7, agentId: line.agentId } });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      agentId: line.agentId,
      totalCalls: 2,
      totalDurationMs: 45_000,
      averageDurationMs: 45_000,
      totalCostCents: 1.25,
      analyzedCalls: 0,
      successfulCalls: 0,
      successRate: null,
      sentiment: { Positive: 0, Negative: 0, Neutral: 0, Unknown: 1 },
      disconnectionReasons: [{ reason: "dial_no_answer", count: 1 }],
    });
    expect(res.body.data.callsPerDay).toEqual(
      [1, 0, 0, 1, 0, 0, 0].map((calls, index) => ({ date: isoDay(start - (6 - index) * DAY), calls })),
    );
    expect(res.statements).toBe(1);
  });

  it("answers zeros for a tenant without calls, over 30 days by default", async () => {
    const owner = await registerTenant("overviewempty");
    const res = await call(overview, { token: owner.accessToken });
    expect(res.status).toBe(200);
    const start = today();
    expect(res.body.data).toEqual({
      from: isoDay(start - 29 * DAY),
      to: isoDay(start),
      days: 30,
      agentId: null,
      totalCalls: 0,
      totalDurationMs: 0,
      averageDurationMs: null,
      totalCostCents: 0,
      analyzedCalls: 0,
      successfulCalls: 0,
      successRate: null,
      sentiment: { Positive: 0, Negative: 0, Neutral: 0, Unknown: 0 },
      disconnectionReasons: [],
      callsPerDay: Array.from({ length: 30 }, (_, index) => ({ date: isoDay(start - (29 - index) * DAY), calls: 0 })),
    });
  });

  it("rejects days outside 1–365 with 400", async () => {
    const owner = await registerTenant("overviewbad");
    for (const query of [{ days: 0 }, { days: 366 }, { days: 1.5 }, { days: "week" }, { agentId: "" }]) {
      const res = await call(overview, { token: owner.accessToken, query });
      expect(res.status, JSON.stringify(query)).toBe(400);
      expect(res.body.error.code).toBe("VALIDATION_FAILED");
    }
  });
});

describe("API keys", () => {
  it("reads all four routes with the read scope, and none without it", async () => {
    const owner = await registerTenant("voicekey");
    const agent = await seedAgent(owner, { agentName: "Keyed desk" });
    const stored = await seedCall(owner, agent.agentId, { startedAt: new Date(), durationMs: 3_000 });
    const { key } = await createApiKey(owner, ["read"]);
    const { key: syncOnly } = await createApiKey(owner, ["sync"]);
    const requests = [
      [agentInfo, `/api/dashboard/agent-info/${agent.agentId}`],
      [callHistory, historyPath(agent.agentId)],
      [callById, `/api/calls/${stored.callId}`],
      [overview, "/api/dashboard/overview"],
    ] as const;
    for (const [fn, path] of requests) {
      const res = await call(fn, { path, apiKey: key });
      expect(res.status, path).toBe(200);
      expect((await call(fn, { path, apiKey: syncOnly })).status, path).toBe(403);
    }
    expect((await call(agentInfo, { path: requests[0][1], apiKey: key })).body.data.agentName).toBe("Keyed desk");
    expect((await call(callHistory, { path: requests[1][1], apiKey: key })).body.pagination.total).toBe(1);
    expect((await call(callById, { path: requests[2][1], apiKey: key })).body.data.callId).toBe(stored.callId);
    expect((await call(overview, { apiKey: key })).body.data.totalCalls).toBe(1);
  });
});
