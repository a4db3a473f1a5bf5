import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb, statementCounter } from "../../db/client";
import { agents, calls, syncState } from "../../db/schema";
import * as callById from "../../netlify/functions/voice-calls-id";
import * as callHistory from "../../netlify/functions/voice-dashboard-call-history";
import * as syncCalls from "../../netlify/functions/voice-dashboard-sync-calls";
import * as retellSyncFunction from "../../netlify/functions/voice-retell-sync";
import type { FakeRetell } from "../../scripts/dev/fake-retell";
import { addMember, createApiKey, registerTenant, unique } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";
import { OVERLAP_MS, RETELL_SYNC_JOB, retellSync, syncRetellCalls } from "../../services/voice/sync";
import { mockRetell } from "../helpers/retell-msw";

const retell = mockRetell();
const MINUTE = 60_000;
/** Calls of the last few hours, so the settle window (calls still running or awaiting analysis) covers them. */
const recent = (minutesAgo: number) => Date.now() - minutesAgo * MINUTE;
const soon = (ms = 60_000) => Date.now() + ms;

async function storedCalls(tenantId: string) {
  const db = await getDb();
  return db
    .select({
      callId: calls.callId,
      agentId: calls.agentId,
      callStatus: calls.callStatus,
      transcript: calls.transcript,
      analyzed: calls.analyzed,
      costCents: calls.costCents,
      durationMs: calls.durationMs,
      updatedAt: calls.updatedAt,
    })
    .from(calls)
    .where(eq(calls.tenantId, tenantId))
    .orderBy(calls.callId);
}

async function stateOf(tenantId: string, scope = "") {
  const db = await getDb();
  const [row] = await db
    .select()
    .from(syncState)
    .where(and(eq(syncState.tenantId, tenantId), eq(syncState.job, RETELL_SYNC_JOB), eq(syncState.scope, scope)));
  return row;
}

/** The requests the fake served since `mark`, by kind. */
function served(fake: FakeRetell, mark: number) {
  const since = fake.requests.slice(mark);
  return {
    lists: since.filter((r) => r.path === "/v3/list-calls"),
    getCalls: since.filter((r) => r.path.startsWith("/v2/get-call/")).length,
    getAgents: since.filter((r) => r.path.startsWith("/get-agent/")).length,
  };
}

/** Every call the fake has, as the database must end up holding them. */
const expectedIds = (fake: FakeRetell) => [...fake.calls.keys()].sort();

describe("POST /api/dashboard/sync-calls", () => {
  it("stores every call with its transcript, and call-history shows them with correct totals", async () => {
    const { owner, retell: fake } = await retell.tenantWithRetell("syncroute");
    const agentId = unique("agent");
    fake.addAgent(agentId, "Front desk");
    const added = fake.addCalls(12, { agentId, start: recent(120) });

    const res = await call(syncCalls, { method: "POST", token: owner.accessToken, body: {} });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      callsSynced: 12,
      callsUpdated: 0,
      errors: 0,
      complete: true,
      pages: 1,
      transcriptsFetched: 12,
      agentsDiscovered: 1,
      status: "ok",
      error: null,
    });

    const history = await call(callHistory, {
      path: `/api/dashboard/call-history/${agentId}`,
      token: owner.accessToken,
      query: { limit: 100, sortBy: "date", order: "asc" },
    });
    expect(history.status).toBe(200);
    expect(history.body.pagination).toEqual({
      total: 12,
      totalIsExact: true,
      limit: 100,
      offset: 0,
      page: 1,
      totalPages: 1,
      hasMore: false,
      nextCursor: null,
    });
    expect(history.body.data.map((c: { callId: string }) => c.callId)).toEqual(added.map((c) => c.call_id));
    const totalCost = history.body.data.reduce((sum: number, c: { costCents: number }) => sum + c.costCents, 0);
    expect(totalCost).toBeCloseTo(
      added.reduce((sum, c) => sum + (c.call_cost?.combined_cost ?? 0), 0),
      6,
    );
    const [first] = added;
    expect(history.body.data[0]).toMatchObject({
      callId: first?.call_id,
      direction: first?.direction,
      fromNumber: first?.from_number,
      durationMs: first?.duration_ms,
      startedAt: new Date(first?.start_timestamp ?? 0).toISOString(),
      callSummary: first?.call_analysis?.call_summary,
      userSentiment: first?.call_analysis?.user_sentiment,
      analyzed: true,
    });

    const detail = await call(callById, { path: `/api/calls/${first?.call_id}`, token: owner.accessToken });
    expect(detail.body.data).toMatchObject({
      transcript: first?.transcript,
      transcriptObject: first?.transcript_object,
      agentName: "Front desk",
    });
  });

  it("is allowed to owners, admins and sync keys only", async () => {
    const { owner, retell: fake } = await retell.tenantWithRetell("syncaccess");
    fake.addCalls(1, { agentId: unique("agent"), start: recent(30) });
    const admin = await addMember(owner, "admin");
    const agent = await addMember(owner, "agent");
    const syncKey = await createApiKey(owner, ["sync"]);
    const readKey = await createApiKey(owner, ["read"]);
    expect((await call(syncCalls, { method: "POST", token: agent.accessToken, body: {} })).status).toBe(403);
    expect((await call(syncCalls, { method: "POST", apiKey: readKey.key, body: {} })).status).toBe(403);
    expect((await call(syncCalls, { method: "POST", token: admin.accessToken, body: {} })).body.data.callsSynced).toBe(
      1,
    );
    expect((await call(syncCalls, { method: "POST", apiKey: syncKey.key, body: {} })).status).toBe(200);
  });

  it("answers 422 when Retell is not configured and 400 for a bad body", async () => {
    const owner = await registerTenant("syncunconfigured");
    const res = await call(syncCalls, { method: "POST", token: owner.accessToken, body: {} });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("UNPROCESSABLE");
    for (const body of [{ agentId: "" }, { agentId: 7 }, { agentId: "a", extra: true }]) {
      const bad = await call(syncCalls, { method: "POST", token: owner.accessToken, body });
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(bad.body.error.code).toBe("VALIDATION_FAILED");
    }
  });

  it("answers 409 while another sync of the same scope runs, and writes nothing twice", async () => {
    const { owner, retell: fake } = await retell.tenantWithRetell("syncoverlap");
    fake.addCalls(5, { agentId: unique("agent"), start: recent(30) });
    fake.latencyMs = 150;
    const [a, b] = await Promise.all([
      call(syncCalls, { method: "POST", token: owner.accessToken, body: {} }),
      new Promise((resolve) => setTimeout(resolve, 50)).then(() =>
        call(syncCalls, { method: "POST", token: owner.accessToken, body: {} }),
      ),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect((await storedCalls(owner.tenantId)).map((c) => c.callId)).toEqual(expectedIds(fake));
    // The lease is released at the end of a run: the next one may start.
    fake.latencyMs = 0;
    expect((await call(syncCalls, { method: "POST", token: owner.accessToken, body: {} })).status).toBe(200);
  });
});

describe("syncRetellCalls", () => {
  it("walks every page with Retell's pagination key, in few statements per page", async () => {
    const { owner, retell: fake } = await retell.tenantWithRetell("syncpages");
    const desk = unique("desk");
    const line = unique("line");
    fake.addAgent(desk, "Desk");
    fake.addCalls(30, { agentId: desk, start: recent(200) });
    fake.addCalls(30, { agentId: line, start: recent(199), spacingMs: 61_000 });
    // The line's calls carry no agent name until Retell is asked for the agent.
    fake.addAgent(line, "Night line");
    const db = await getDb();

    const before = statementCounter.count;
    const run = await syncRetellCalls(db, owner.tenantId, { deadline: soon(), pageSize: 25 });
    const statements = statementCounter.count - before;
    expect(run).toMatchObject({
      callsSynced: 60,
      callsUpdated: 0,
      errors: 0,
      complete: true,
      pages: 3,
      transcriptsFetched: 60,
      agentsDiscovered: 2,
      status: "ok",
    });
    // Settings and lease, then per page: what is already known, and one write; then the state.
    expect(statements).toBe(2 + 3 * 2 + 1);

    const { lists, getCalls, getAgents } = served(fake, 0);
    expect(lists).toHaveLength(3);
    expect(lists[0]?.body).toEqual({ filter_criteria: {}, sort_order: "ascending", limit: 25 });
    expect(lists[1]?.body?.pagination_key).toEqual(expect.any(String));
    expect(lists[2]?.body?.pagination_key).not.toBe(lists[1]?.body?.pagination_key);
    expect(getCalls).toBe(60);
    expect(getAgents).toBe(1);

    const stored = await storedCalls(owner.tenantId);
    expect(stored.map((c) => c.callId)).toEqual(expectedIds(fake));
    for (const row of stored) {
      const source = fake.calls.get(row.callId);
      expect(row).toMatchObject({
        agentId: source?.agent_id,
        transcript: source?.transcript,
        durationMs: source?.duration_ms,
        costCents: source?.call_cost?.combined_cost,
        analyzed: true,
      });
    }
    const names = await db
      .select({ agentId: agents.agentId, agentName: agents.agentName })
      .from(agents)
      .where(eq(agents.tenantId, owner.tenantId))
      .orderBy(agents.agentName);
    expect(names).toEqual([
      { agentId: desk, agentName: "Desk" },
      { agentId: line, agentName: "Night line" },
    ]);

    const state = await stateOf(owner.tenantId);
    const latest = Math.max(...[...fake.calls.values()].map((c) => c.start_timestamp ?? 0));
    expect(state).toMatchObject({ cursor: latest, resumeFrom: null, leaseUntil: null, lastStatus: "ok" });
    expect(state?.lastResult).toMatchObject({ callsSynced: 60, pages: 3 });
  });

  it("reruns with nothing new in one list request and writes no call", async () => {
    const { owner, retell: fake } = await retell.tenantWithRetell("syncrerun");
    fake.addCalls(40, { agentId: unique("agent"), start: recent(300) });
    const db = await getDb();
    await syncRetellCalls(db, owner.tenantId, { deadline: soon(), pageSize: 25 });
    const before = await storedCalls(owner.tenantId);
    const cursor = (await stateOf(owner.tenantId))?.cursor ?? 0;

    const mark = fake.requests.length;
    const rerun = await syncRetellCalls(db, owner.tenantId, { deadline: soon(), pageSize: 25 });
    expect(rerun).toMatchObject({ callsSynced: 0, callsUpdated: 0, errors: 0, complete: true, pages: 1 });
    const { lists, getCalls, getAgents } = served(fake, mark);
    expect(lists).toHaveLength(1);
    expect(lists[0]?.body?.filter_criteria).toEqual({
      start_timestamp: { op: "ge", type: "number", value: cursor - OVERLAP_MS },
    });
    expect(getCalls + getAgents).toBe(0);
    expect(await storedCalls(owner.tenantId)).toEqual(before);
  });

  it("picks up new calls and calls that were still running or awaiting analysis", async () => {
    const { owner, retell: fake } = await retell.tenantWithRetell("syncchanges");
    const agentId = unique("agent");
    // An hour before the newest call, so only the unsettled-call rule brings it back.
    const [ongoing] = fake.addCalls(1, {
      agentId,
      start: recent(120),
      overrides: () => ({ call_status: "ongoing", end_timestamp: undefined, call_analysis: undefined }),
    });
    const [unanalyzed] = fake.addCalls(1, {
      agentId,
      start: recent(110),
      overrides: () => ({ call_analysis: undefined }),
    });
    fake.addCalls(10, { agentId, start: recent(60) });
    const db = await getDb();
    const first = await syncRetellCalls(db, owner.tenantId, { deadline: soon() });
    expect(first).toMatchObject({ callsSynced: 12, transcriptsFetched: 11 });
    const rows = new Map((await storedCalls(owner.tenantId)).map((row) => [row.callId, row]));
    expect(rows.get(ongoing?.call_id ?? "")).toMatchObject({ callStatus: "ongoing", transcript: null });
    expect(rows.get(unanalyzed?.call_id ?? "")).toMatchObject({ callStatus: "ended", analyzed: false });

    fake.update(ongoing?.call_id ?? "", {
      call_status: "ended",
      end_timestamp: (ongoing?.start_timestamp ?? 0) + 42_000,
      duration_ms: 42_000,
    });
    fake.update(unanalyzed?.call_id ?? "", {
      call_analysis: { call_summary: "Late analysis", user_sentiment: "Positive", call_successful: true },
    });
    fake.addCalls(3, { agentId, start: recent(5) });

    const mark = fake.requests.length;
    const second = await syncRetellCalls(db, owner.tenantId, { deadline: soon() });
    expect(second).toMatchObject({ callsSynced: 3, callsUpdated: 2, errors: 0, complete: true });
    expect(served(fake, mark).lists[0]?.body?.filter_criteria.start_timestamp.value).toBe(
      (ongoing?.start_timestamp ?? 0) - OVERLAP_MS,
    );
    // Only the call that just ended and the three new ones needed a transcript.
    expect(served(fake, mark).getCalls).toBe(4);
    const after = new Map((await storedCalls(owner.tenantId)).map((row) => [row.callId, row]));
    expect(after.get(ongoing?.call_id ?? "")).toMatchObject({
      callStatus: "ended",
      durationMs: 42_000,
      transcript: ongoing?.transcript,
    });
    expect(after.get(unanalyzed?.call_id ?? "")).toMatchObject({ analyzed: true });
    expect([...after.keys()].sort()).toEqual(expectedIds(fake));
  });

  it("syncs one agent with its own cursor", async () => {
    const { owner, retell: fake } = await retell.tenantWithRetell("syncagent");
    const desk = unique("desk");
    const line = unique("line");
    fake.addCalls(4, { agentId: desk, start: recent(90) });
    fake.addCalls(6, { agentId: line, start: recent(80) });
    const db = await getDb();
    const mark = fake.requests.length;
    const one = await syncRetellCalls(db, owner.tenantId, { deadline: soon(), agentId: desk });
    expect(one).toMatchObject({ callsSynced: 4, complete: true });
    expect(served(fake, mark).lists[0]?.body?.filter_criteria).toEqual({ agent: [{ agent_id: desk }] });
    expect(new Set((await storedCalls(owner.tenantId)).map((c) => c.agentId))).toEqual(new Set([desk]));
    expect((await stateOf(owner.tenantId, desk))?.lastStatus).toBe("ok");
    expect(await stateOf(owner.tenantId)).toBeUndefined();

    // The whole-tenant sync has never run: it reads everything, and stores only what is new.
    const all = await syncRetellCalls(db, owner.tenantId, { deadline: soon() });
    expect(all).toMatchObject({ callsSynced: 6, callsUpdated: 0 });
    expect((await storedCalls(owner.tenantId)).map((c) => c.callId)).toEqual(expectedIds(fake));
  });

  it("stores a call Retell no longer has as listed, without stopping", async () => {
    const { owner, retell: fake } = await retell.tenantWithRetell("syncgone");
    const [gone] = fake.addCalls(3, { agentId: unique("agent"), start: recent(30) });
    fake.fail(`/v2/get-call/${gone?.call_id}`, 404);
    const run = await syncRetellCalls(await getDb(), owner.tenantId, { deadline: soon() });
    expect(run).toMatchObject({ callsSynced: 3, errors: 0, complete: true, transcriptsFetched: 2 });
    const stored = await storedCalls(owner.tenantId);
    expect(stored.find((c) => c.callId === gone?.call_id)?.transcript).toBeNull();
  });

  it("stores what Postgres can hold of odd values from Retell, and the cursor moves only by storable starts", async () => {
    const { owner, retell: fake } = await retell.tenantWithRetell("syncodd");
    const agentId = unique("agent");
    fake.addAgent(agentId, "Front\u0000desk");
    const start = recent(30);
    const [odd, ...rest] = fake.addCalls(3, { agentId, start });
    Object.assign(odd!, { start_timestamp: 1e20, duration_ms: "long", recording_url: "javascript:alert(1)" });

    const db = await getDb();
    const run = await syncRetellCalls(db, owner.tenantId, { deadline: soon() });
    expect(run).toMatchObject({ callsSynced: 3, errors: 0, complete: true, status: "ok" });
    const [agent] = await db.select().from(agents).where(eq(agents.tenantId, owner.tenantId));
    expect(agent).toMatchObject({ agentId, agentName: null });
    const [stored] = await db
      .select({ startedAt: calls.startedAt, durationMs: calls.durationMs, recordingUrl: calls.recordingUrl })
      .from(calls)
      .where(and(eq(calls.tenantId, owner.tenantId), eq(calls.callId, odd!.call_id)));
    expect(stored).toEqual({ startedAt: null, durationMs: null, recordingUrl: null });
    expect(Number((await stateOf(owner.tenantId))?.cursor)).toBe(rest.at(-1)?.start_timestamp);
  });
});

describe("Retell failing mid-sync", () => {
  it("rides out a 429 or a 500 within the SDK's retries", async () => {
    const { owner, retell: fake } = await retell.tenantWithRetell("syncretry");
    fake.addCalls(50, { agentId: unique("agent"), start: recent(100) });
    fake.fail("/v3/list-calls", 429, { skip: 1 }).fail("/v2/get-call", 500, { skip: 7, times: 2 });
    const run = await syncRetellCalls(await getDb(), owner.tenantId, { deadline: soon(), pageSize: 20 });
    expect(run).toMatchObject({ callsSynced: 50, errors: 0, complete: true, status: "ok", pages: 3 });
    // Page 2 was asked for twice, and two transcripts three times in all.
    expect(served(fake, 0).lists).toHaveLength(4);
    expect(served(fake, 0).getCalls).toBe(52);
  });

  it.each([
    [429, "/v3/list-calls"],
    [500, "/v3/list-calls"],
  ])(
    "stops on a lasting %i from list-calls and the next run ends with exactly Retell's calls",
    async (status, path) => {
      const { owner, retell: fake } = await retell.tenantWithRetell(`synclist${status}`);
      fake.addCalls(60, { agentId: unique("agent"), start: recent(100) });
      // Page 1 passes; page 2 fails on every attempt the SDK makes (1 + 2 retries).
      fake.fail(path, status, { skip: 1, times: 3 });
      const db = await getDb();
      const failed = await syncRetellCalls(db, owner.tenantId, { deadline: soon(), pageSize: 20 });
      expect(failed).toMatchObject({ callsSynced: 20, errors: 1, complete: false, status: "error" });
      expect(failed.error).toContain(`Retell answered ${status}`);
      const state = await stateOf(owner.tenantId);
      expect(state).toMatchObject({ lastStatus: "error", leaseUntil: null });
      expect(state?.lastError).toContain(String(status));
      expect(state?.resumeFrom).toBe(Math.max(...(await storedStarts(owner.tenantId))));

      const resumed = await syncRetellCalls(db, owner.tenantId, { deadline: soon(), pageSize: 20 });
      expect(resumed).toMatchObject({ callsSynced: 40, errors: 0, complete: true, status: "ok" });
      const stored = await storedCalls(owner.tenantId);
      expect(stored.map((c) => c.callId)).toEqual(expectedIds(fake));
      expect(stored.every((c) => c.transcript !== null)).toBe(true);
      expect((await stateOf(owner.tenantId))?.resumeFrom).toBeNull();
    },
  );

  it("on a lasting 500 for a transcript, stores the page only up to that call", async () => {
    const { owner, retell: fake } = await retell.tenantWithRetell("syncgetcall");
    const added = fake.addCalls(20, { agentId: unique("agent"), start: recent(100) });
    const broken = added[12];
    fake.fail(`/v2/get-call/${broken?.call_id}`, 500, { times: 3 });
    const db = await getDb();
    const failed = await syncRetellCalls(db, owner.tenantId, { deadline: soon() });
    expect(failed).toMatchObject({ callsSynced: 12, errors: 1, complete: false, status: "error" });
    const stored = await storedCalls(owner.tenantId);
    expect(stored.map((c) => c.callId)).toEqual(added.slice(0, 12).map((c) => c.call_id));
    expect(stored.every((c) => c.transcript !== null)).toBe(true);

    const mark = fake.requests.length;
    const resumed = await syncRetellCalls(db, owner.tenantId, { deadline: soon() });
    expect(resumed).toMatchObject({ callsSynced: 8, errors: 0, complete: true });
    // Transcripts already stored are not asked for again.
    expect(served(fake, mark).getCalls).toBe(8);
    const all = await storedCalls(owner.tenantId);
    expect(all.map((c) => c.callId)).toEqual(expectedIds(fake));
    expect(all.every((c) => c.transcript !== null)).toBe(true);
  });
});

async function storedStarts(tenantId: string): Promise<number[]> {
  const db = await getDb();
  const rows = await db
    .select({ ms: sql<number>`(extract(epoch from ${calls.startedAt}) * 1000)::bigint`.mapWith(Number) })
    .from(calls)
    .where(eq(calls.tenantId, tenantId));
  return rows.map((row) => row.ms);
}

describe("the deadline", () => {
  it("stops cleanly before the deadline and the next run continues to exactly Retell's calls", async () => {
    const { owner, retell: fake } = await retell.tenantWithRetell("syncdeadline");
    fake.addCalls(200, { agentId: unique("agent"), start: recent(300) });
    fake.latencyMs = 40;
    const db = await getDb();
    const deadline = soon(4_500);
    const cut = await syncRetellCalls(db, owner.tenantId, { deadline, pageSize: 10 });
    expect(Date.now()).toBeLessThan(deadline);
    expect(cut).toMatchObject({ complete: false, status: "partial", errors: 0, error: null });
    const partial = await storedCalls(owner.tenantId);
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(200);
    // What was stored is whole: no call was written without the transcript it was waiting for.
    expect(partial.every((c) => c.transcript !== null)).toBe(true);
    expect((await stateOf(owner.tenantId))?.lastStatus).toBe("partial");

    fake.latencyMs = 0;
    const rest = await syncRetellCalls(db, owner.tenantId, { deadline: soon(), pageSize: 50 });
    expect(rest).toMatchObject({ complete: true, status: "ok", callsSynced: 200 - partial.length });
    const all = await storedCalls(owner.tenantId);
    expect(all.map((c) => c.callId)).toEqual(expectedIds(fake));
    expect(all.every((c) => c.transcript !== null)).toBe(true);
  });
});

describe("the scheduled retell-sync", () => {
  it("syncs every tenant with Retell, records a failing one and carries on", async () => {
    const first = await retell.tenantWithRetell("jobfirst");
    const second = await retell.tenantWithRetell("jobsecond");
    const broken = await retell.tenantWithRetell("jobbroken");
    await registerTenant("jobwithout");
    first.retell.addCalls(3, { agentId: unique("agent"), start: recent(20) });
    second.retell.addCalls(4, { agentId: unique("agent"), start: recent(20) });
    broken.retell.fail("/v3/list-calls", 500, { times: 3 });

    const result = await retellSync.run(await getDb(), { deadline: soon() });
    expect(result.complete).toBe(true);
    expect(result.callsSynced).toBeGreaterThanOrEqual(7);
    expect((await storedCalls(first.owner.tenantId)).map((c) => c.callId)).toEqual(expectedIds(first.retell));
    expect((await storedCalls(second.owner.tenantId)).map((c) => c.callId)).toEqual(expectedIds(second.retell));
    expect(await stateOf(broken.owner.tenantId)).toMatchObject({ lastStatus: "error" });

    // The scheduled function runs the same job and answers its result; a second run writes nothing new.
    second.retell.addCalls(2, { agentId: unique("agent"), start: recent(1) });
    const res = await retellSyncFunction.default(
      new Request("http://localhost:8888/.netlify/functions/voice-retell-sync", {
        method: "POST",
        body: JSON.stringify({ next_run: new Date().toISOString() }),
      }),
    );
    expect(res.status).toBe(200);
    const { data } = await res.json();
    expect(data.job).toBe("retell-sync");
    expect(data.result).toMatchObject({ complete: true });
    expect(await storedCalls(second.owner.tenantId)).toHaveLength(6);
    expect(await storedCalls(broken.owner.tenantId)).toHaveLength(0);
  });
});
