import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "../../db/client";
import { CALL_SESSION_STATUSES, type CallSessionStatus, callSessions, callTranscripts } from "../../db/schema";
import * as callSessionsFn from "../../netlify/functions/returns-call-sessions";
import * as callById from "../../netlify/functions/returns-call-sessions-id";
import * as callAnalytics from "../../netlify/functions/returns-call-sessions-id-analytics";
import * as callTranscriptsFn from "../../netlify/functions/returns-call-sessions-id-transcripts";
import * as chatSessionsFn from "../../netlify/functions/returns-chat-sessions";
import { type Account, createApiKey, registerTenant } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";
import { callStatuses } from "../../services/returns/call-sessions";

const CARD = "4111 1111 1111 1111";
const SECRET = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";

async function newCall(account: Account, body: Record<string, unknown> = {}) {
  const res = await call(callSessionsFn, {
    method: "POST",
    token: account.accessToken,
    body: { callType: "voice", provider: "elevenlabs", ...body },
  });
  expect(res.status, res.text).toBe(201);
  return res.body.data as { id: string; status: CallSessionStatus };
}

/** A call of the account's tenant put straight into `status` (and, if active, active since `activeFor` s). */
async function callIn(account: Account, status: CallSessionStatus, activeFor = 0) {
  const created = await newCall(account);
  const db = await getDb();
  await db
    .update(callSessions)
    .set({
      status,
      isActive: status === "active",
      ...(status === "active" ? { activatedAt: sql`now() - make_interval(secs => ${activeFor})` } : {}),
    })
    .where(eq(callSessions.id, created.id));
  return created.id;
}

const path = (id: string) => `/api/call-sessions/${id}`;
const patch = (account: Account, id: string, body: Record<string, unknown>) =>
  call(callById, { method: "PATCH", path: path(id), token: account.accessToken, body });

describe("POST /api/call-sessions", () => {
  it("records an initiated call linked to a chat session, in one statement", async () => {
    const owner = await registerTenant("call-create");
    const chat = await call(chatSessionsFn, { method: "POST", token: owner.accessToken, body: {} });
    const res = await call(callSessionsFn, {
      method: "POST",
      token: owner.accessToken,
      body: {
        chatSessionId: chat.body.data.id,
        callType: "video",
        provider: "tavus",
        externalSessionId: "ext-1",
        tavusReplicaId: "r_123",
        tavusConversationId: "c_456",
        sessionUrl: "https://tavus.daily.co/c_456",
        providerData: { persona: "returns" },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      chatSessionId: chat.body.data.id,
      callType: "video",
      provider: "tavus",
      status: "initiated",
      isActive: false,
      durationSeconds: 0,
      endedAt: null,
      sessionUrl: "https://tavus.daily.co/c_456",
      providerData: { persona: "returns" },
    });
    expect(res.body.data).not.toHaveProperty("tenantId");
    expect(res.statements).toBe(1);
  });

  it("answers 404 for another tenant's chat session", async () => {
    const owner = await registerTenant("call-chat-404");
    const other = await registerTenant("call-chat-404-other");
    const theirs = await call(chatSessionsFn, { method: "POST", token: other.accessToken, body: {} });
    const res = await call(callSessionsFn, {
      method: "POST",
      token: owner.accessToken,
      body: { callType: "voice", provider: "test", chatSessionId: theirs.body.data.id },
    });
    expect(res.status).toBe(404);
  });

  it("refuses invalid bodies", async () => {
    const owner = await registerTenant("call-400");
    for (const body of [
      { callType: "fax", provider: "test" },
      { callType: "voice", provider: "twilio" },
      { callType: "voice", provider: "test", sessionUrl: "javascript:alert(1)" },
      { callType: "voice", provider: "test", sessionUrl: "ftp://example.com/x" },
      { callType: "voice", provider: "test", status: "active" },
      { provider: "test" },
    ]) {
      const res = await call(callSessionsFn, { method: "POST", token: owner.accessToken, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });
});

describe("GET /api/call-sessions", () => {
  it("lists the tenant's calls newest first with filters, in one statement", async () => {
    const owner = await registerTenant("call-list");
    const other = await registerTenant("call-list-other");
    const voice = await newCall(owner, { provider: "elevenlabs" });
    const video = await newCall(owner, { callType: "video", provider: "tavus" });
    await newCall(other);
    const res = await call(callSessionsFn, { token: owner.accessToken });
    expect(res.status).toBe(200);
    expect(res.body.data.map((c: { id: string }) => c.id)).toEqual([video.id, voice.id]);
    expect(res.body.pagination).toMatchObject({ total: 2, hasMore: false });
    expect(res.statements).toBe(1);

    const ids = async (query: Record<string, string>) =>
      (await call(callSessionsFn, { token: owner.accessToken, query })).body.data.map((c: { id: string }) => c.id);
    expect(await ids({ provider: "tavus" })).toEqual([video.id]);
    expect(await ids({ callType: "voice" })).toEqual([voice.id]);
    await patch(owner, voice.id, { status: "active" });
    expect(await ids({ status: "active" })).toEqual([voice.id]);
    expect(await ids({ chatSessionId: crypto.randomUUID() })).toEqual([]);
    expect((await call(callSessionsFn, { token: owner.accessToken, query: { status: "ringing" } })).status).toBe(400);
  });
});

describe("PATCH /api/call-sessions/:id", () => {
  const moves = CALL_SESSION_STATUSES.flatMap((from) =>
    CALL_SESSION_STATUSES.map((to) => ({ from, to, allowed: callStatuses.transitions[from].includes(to) })),
  );

  let mover: Promise<Account> | undefined;
  it.each(moves)("$from → $to is allowed: $allowed", async ({ from, to, allowed }) => {
    mover ??= registerTenant("call-move");
    const owner = await mover;
    const id = await callIn(owner, from);
    const res = await patch(owner, id, { status: to });
    if (allowed) {
      expect(res.status, res.text).toBe(200);
      expect(res.body.data.status).toBe(to);
      expect(res.body.data.isActive).toBe(to === "active");
      if (to === "ended" || to === "failed") expect(res.body.data.endedAt).not.toBeNull();
      else expect(res.body.data.endedAt).toBeNull();
      expect(res.statements).toBe(1);
    } else {
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe("UNPROCESSABLE");
      const db = await getDb();
      const [row] = await db.select().from(callSessions).where(eq(callSessions.id, id));
      expect(row?.status).toBe(from);
    }
  });

  it("computes the duration from when the call became active", async () => {
    const owner = await registerTenant("call-duration");
    const id = await callIn(owner, "active", 95);
    const res = await patch(owner, id, { status: "ended", webhookData: { reason: "hangup" } });
    expect(res.status).toBe(200);
    expect(res.body.data.durationSeconds).toBeGreaterThanOrEqual(95);
    expect(res.body.data.durationSeconds).toBeLessThan(120);
    expect(res.body.data).toMatchObject({ isActive: false, webhookData: { reason: "hangup" } });

    // Through the route: initiated → active → failed.
    const live = await newCall(owner);
    const active = await patch(owner, live.id, { status: "active" });
    expect(active.body.data).toMatchObject({ status: "active", isActive: true });
    expect(Date.parse(active.body.data.activatedAt)).toBeGreaterThan(Date.now() - 60_000);
    const failed = await patch(owner, live.id, { status: "failed" });
    expect(failed.body.data).toMatchObject({ status: "failed", isActive: false });
    expect(failed.body.data.durationSeconds).toBeLessThan(5);

    // A call that never became active lasted 0 s; a given duration wins.
    const never = await newCall(owner);
    expect((await patch(owner, never.id, { status: "ended" })).body.data.durationSeconds).toBe(0);
    const given = await callIn(owner, "active", 10);
    expect((await patch(owner, given, { status: "ended", durationSeconds: 42 })).body.data.durationSeconds).toBe(42);
  });

  it("refuses a duration except when the call ends, and unknown fields", async () => {
    const owner = await registerTenant("call-patch-400");
    const created = await newCall(owner);
    for (const body of [
      { status: "active", durationSeconds: 3 },
      { status: "ended", durationSeconds: -1 },
      { status: "ringing" },
      { status: "ended", isActive: true },
      {},
    ]) {
      expect((await patch(owner, created.id, body)).status, JSON.stringify(body)).toBe(400);
    }
  });

  it("answers 404 for another tenant's call and leaves it as it was", async () => {
    const owner = await registerTenant("call-patch-404");
    const other = await registerTenant("call-patch-404-other");
    const theirs = await newCall(other);
    const res = await patch(owner, theirs.id, { status: "ended" });
    expect(res.status).toBe(404);
    const db = await getDb();
    const [row] = await db.select().from(callSessions).where(eq(callSessions.id, theirs.id));
    expect(row?.status).toBe("initiated");
    expect((await patch(owner, crypto.randomUUID(), { status: "ended" })).status).toBe(404);
  });
});

describe("transcripts and analytics", () => {
  it("stores a batch of segments in one insert, redacted, and lists them in call order", async () => {
    const owner = await registerTenant("call-transcripts");
    const created = await newCall(owner);
    const { key } = await createApiKey(owner, ["ai-agent"]);
    const res = await call(callTranscriptsFn, {
      method: "POST",
      path: `${path(created.id)}/transcripts`,
      apiKey: key,
      body: {
        segments: [
          { speaker: "agent", message: "Anything else?", timestampSeconds: 12.5, confidenceScore: 0.91 },
          { speaker: "user", message: `My card is ${CARD} and token ${SECRET} ok`, timestampSeconds: 3 },
          { speaker: "system", message: "Call connected", timestampSeconds: 0 },
        ],
      },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.data).toHaveLength(3);
    expect(res.statements).toBe(2); // the API key's lookup, then one multi-row insert
    expect(res.text).not.toContain(CARD);
    expect(res.text).not.toContain(SECRET);

    const db = await getDb();
    const rows = await db.select().from(callTranscripts).where(eq(callTranscripts.callSessionId, created.id));
    const stored = rows.find((row) => row.speaker === "user")?.message ?? "";
    expect(stored).not.toContain(CARD);
    expect(stored).not.toContain(CARD.replace(/ /g, ""));
    expect(stored).not.toContain(SECRET);
    expect(stored).toContain("ok");

    const list = await call(callTranscriptsFn, { path: `${path(created.id)}/transcripts`, token: owner.accessToken });
    expect(list.status).toBe(200);
    expect(list.body.data.map((t: { timestampSeconds: number }) => t.timestampSeconds)).toEqual([0, 3, 12.5]);
    expect(list.body.data[2]).toMatchObject({ speaker: "agent", confidenceScore: 0.91 });
    expect(list.body.pagination).toEqual({
      total: 3,
      totalIsExact: true,
      limit: 20,
      offset: 0,
      page: 1,
      totalPages: 1,
      hasMore: false,
      nextCursor: null,
    });
    expect(list.statements).toBe(1);
  });

  it("refuses bad segments and another tenant's call", async () => {
    const owner = await registerTenant("call-transcripts-bad");
    const other = await registerTenant("call-transcripts-bad-other");
    const created = await newCall(owner);
    const segment = { speaker: "user", message: "hi", timestampSeconds: 1 };
    for (const body of [
      { segments: [] },
      { segments: [{ ...segment, confidenceScore: 1.5 }] },
      { segments: [{ ...segment, speaker: "bot" }] },
      { segments: [{ ...segment, timestampSeconds: -1 }] },
      { segments: [{ ...segment, extra: true }] },
      [segment],
    ]) {
      const res = await call(callTranscriptsFn, {
        method: "POST",
        path: `${path(created.id)}/transcripts`,
        token: owner.accessToken,
        body,
      });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const theirs = await newCall(other);
    const post = await call(callTranscriptsFn, {
      method: "POST",
      path: `${path(theirs.id)}/transcripts`,
      token: owner.accessToken,
      body: { segments: [segment] },
    });
    expect(post.status).toBe(404);
    const get = await call(callTranscriptsFn, { path: `${path(theirs.id)}/transcripts`, token: owner.accessToken });
    expect(get.status).toBe(404);
  });

  it("records analytics and lists them; 404 for another tenant's call", async () => {
    const owner = await registerTenant("call-analytics");
    const other = await registerTenant("call-analytics-other");
    const created = await newCall(owner);
    const res = await call(callAnalytics, {
      method: "POST",
      path: `${path(created.id)}/analytics`,
      token: owner.accessToken,
      body: { provider: "elevenlabs", metrics: { latencyMs: 420 }, events: [{ type: "connected", at: 0 }] },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.data).toMatchObject({ provider: "elevenlabs", metrics: { latencyMs: 420 } });
    expect(res.statements).toBe(1);
    const list = await call(callAnalytics, { path: `${path(created.id)}/analytics`, token: owner.accessToken });
    expect(list.body.data).toHaveLength(1);
    expect(list.statements).toBe(1);

    const theirs = await newCall(other);
    for (const method of ["GET", "POST"]) {
      const denied = await call(callAnalytics, {
        method,
        path: `${path(theirs.id)}/analytics`,
        token: owner.accessToken,
        body: method === "POST" ? { provider: "test" } : undefined,
      });
      expect(denied.status).toBe(404);
    }
    const bad = await call(callAnalytics, {
      method: "POST",
      path: `${path(created.id)}/analytics`,
      token: owner.accessToken,
      body: { provider: "test", metrics: [1, 2] },
    });
    expect(bad.status).toBe(400);
  });
});

describe("GET /api/call-sessions/:id", () => {
  it("answers the call with its transcript and analytics in one statement", async () => {
    const owner = await registerTenant("call-detail");
    const created = await newCall(owner);
    await call(callTranscriptsFn, {
      method: "POST",
      path: `${path(created.id)}/transcripts`,
      token: owner.accessToken,
      body: {
        segments: [
          { speaker: "agent", message: "second", timestampSeconds: 2, confidenceScore: 0.5 },
          { speaker: "user", message: "first", timestampSeconds: 1 },
        ],
      },
    });
    await call(callAnalytics, {
      method: "POST",
      path: `${path(created.id)}/analytics`,
      token: owner.accessToken,
      body: { provider: "elevenlabs", metrics: { turns: 2 } },
    });
    const res = await call(callById, { path: path(created.id), token: owner.accessToken });
    expect(res.status).toBe(200);
    expect(res.statements).toBe(1);
    expect(res.body.data).toMatchObject({ id: created.id, status: "initiated" });
    expect(res.body.data.transcripts.map((t: { message: string }) => t.message)).toEqual(["first", "second"]);
    expect(res.body.data.transcripts[1]).toMatchObject({
      speaker: "agent",
      timestampSeconds: 2,
      confidenceScore: 0.5,
      callSessionId: created.id,
    });
    expect(res.body.data.transcripts[0].createdAt).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    expect(res.body.data.analytics).toEqual([
      expect.objectContaining({ provider: "elevenlabs", metrics: { turns: 2 }, events: [] }),
    ]);

    const empty = await newCall(owner);
    const bare = await call(callById, { path: path(empty.id), token: owner.accessToken });
    expect(bare.body.data).toMatchObject({ transcripts: [], analytics: [] });
  });

  it("answers 404 for another tenant's call and 400 for a malformed id", async () => {
    const owner = await registerTenant("call-detail-404");
    const other = await registerTenant("call-detail-404-other");
    const theirs = await newCall(other);
    expect((await call(callById, { path: path(theirs.id), token: owner.accessToken })).status).toBe(404);
    expect((await call(callById, { path: path("abc"), token: owner.accessToken })).status).toBe(400);
  });
});
