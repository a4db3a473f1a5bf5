import { createHmac } from "node:crypto";
import { and, eq } from "drizzle-orm";
import Retell from "retell-sdk";
import { describe, expect, it } from "vitest";
import { getDb } from "../../db/client";
import { agents, calls, credentials } from "../../db/schema";
import * as settings from "../../netlify/functions/platform-settings";
import * as callById from "../../netlify/functions/voice-calls-id";
import * as webhook from "../../netlify/functions/voice-webhooks-retell";
import { type FakeCall, FakeRetell } from "../../scripts/dev/fake-retell";
import { type Account, registerTenant, unique } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";
import { toCallRow } from "../../services/voice/retell-calls";

/** A tenant whose settings hold its own Retell API key, with one agent synced. */
interface RetellTenant {
  owner: Account;
  apiKey: string;
  agentId: string;
}

async function seedAgent(owner: Account, agentId = unique("agent")) {
  const db = await getDb();
  const [row] = await db
    .insert(agents)
    .values({ tenantId: owner.tenantId, agentId, agentName: "Front desk" })
    .returning();
  if (!row) throw new Error("agent insert returned no row");
  return row;
}

async function retellTenant(label: string, agentId?: string): Promise<RetellTenant> {
  const owner = await registerTenant(label);
  const apiKey = `key_${unique(label).replace(/\W/g, "")}`;
  const saved = await call(settings, {
    method: "PATCH",
    token: owner.accessToken,
    body: { retellConfig: { apiKey } },
  });
  if (saved.status !== 200) throw new Error(`settings failed: ${saved.status} ${saved.text}`);
  const agent = await seedAgent(owner, agentId);
  return { owner, apiKey, agentId: agent.agentId };
}

/** Retell's signature format, computed independently of the SDK: v=<ms>,d=hex(HMAC-SHA256(key, body + ms)). */
function hmacSignature(rawBody: string, apiKey: string, timestamp = Date.now()) {
  const digest = createHmac("sha256", apiKey)
    .update(rawBody + timestamp)
    .digest("hex");
  return `v=${timestamp},d=${digest}`;
}

/** POSTs exactly `rawBody` as JSON, with the given signature header (none when undefined). */
function post(rawBody: string, signature?: string, headers: Record<string, string> = {}) {
  return call(webhook, {
    method: "POST",
    rawBody,
    headers: {
      "content-type": "application/json",
      ...(signature === undefined ? {} : { "x-retell-signature": signature }),
      ...headers,
    },
  });
}

/** Signs `{ event, call }` with the SDK and delivers it. */
async function deliver(event: string, payload: Record<string, unknown>, apiKey: string) {
  const rawBody = JSON.stringify({ event, call: payload });
  return post(rawBody, await Retell.sign(rawBody, apiKey));
}

const fake = new FakeRetell();
type Payload = Record<string, unknown>;

/**
 * One call as Retell's three events carry it: call_started while it runs (no end, transcript,
 * cost or analysis), call_ended once it is over (all but the analysis), call_analyzed with it all.
 */
function lifecycle(agentId: string) {
  const full = fake.makeCall(agentId, Date.now() - 10 * 60_000);
  // FakeRetell numbers its calls from 1; a unique id keeps tests (and runs on a shared server) apart.
  full.call_id = unique("call");
  const {
    call_analysis: _analysis,
    end_timestamp: _end,
    duration_ms: _duration,
    transcript: _transcript,
    transcript_object: _transcriptObject,
    recording_url: _recording,
    public_log_url: _log,
    disconnection_reason: _reason,
    call_cost: _cost,
    ...running
  } = full;
  const started: Payload = { ...running, call_status: "ongoing" };
  const { call_analysis: _a, ...ended } = full;
  const analyzed: Payload = { ...full };
  return { full, started, ended: ended as Payload, analyzed };
}

async function callRows(callId: string) {
  const db = await getDb();
  return db.select().from(calls).where(eq(calls.callId, callId));
}

async function tenantRows(tenantId: string) {
  const db = await getDb();
  return db.select().from(calls).where(eq(calls.tenantId, tenantId));
}

async function oneRow(tenantId: string, callId: string) {
  const db = await getDb();
  const rows = await db
    .select()
    .from(calls)
    .where(and(eq(calls.tenantId, tenantId), eq(calls.callId, callId)));
  expect(rows).toHaveLength(1);
  return rows[0] as typeof calls.$inferSelect;
}

describe("POST /api/webhooks/retell: a call's lifecycle", () => {
  it("takes one row from call_started through call_ended to call_analyzed, in two statements each", async () => {
    const tenant = await retellTenant("hooklife");
    const { full, started, ended, analyzed } = lifecycle(tenant.agentId);

    const first = await deliver("call_started", started, tenant.apiKey);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ data: { event: "call_started", callId: full.call_id, stored: true, tenants: 1 } });
    expect(first.statements).toBe(2);
    const afterStart = await oneRow(tenant.owner.tenantId, full.call_id);
    expect(afterStart).toMatchObject({
      agentId: tenant.agentId,
      callStatus: "ongoing",
      callType: "phone_call",
      direction: full.direction,
      fromNumber: full.from_number,
      toNumber: full.to_number,
      startedAt: new Date(full.start_timestamp as number),
      endedAt: null,
      durationMs: null,
      costCents: null,
      transcript: null,
      transcriptObject: null,
      analyzed: false,
      callSummary: null,
      metadata: { source: "fake-retell" },
    });

    const second = await deliver("call_ended", ended, tenant.apiKey);
    expect(second.status).toBe(200);
    expect(second.body.data).toMatchObject({ event: "call_ended", stored: true, tenants: 1 });
    expect(second.statements).toBe(2);
    const afterEnd = await oneRow(tenant.owner.tenantId, full.call_id);
    expect(afterEnd.id).toBe(afterStart.id);
    expect(afterEnd).toMatchObject({
      callStatus: "ended",
      endedAt: new Date(full.end_timestamp as number),
      durationMs: full.duration_ms,
      costCents: full.call_cost?.combined_cost,
      transcript: full.transcript,
      transcriptObject: full.transcript_object,
      recordingUrl: full.recording_url,
      disconnectionReason: full.disconnection_reason,
      analyzed: false,
      callSummary: null,
      userSentiment: null,
    });
    expect(afterEnd.costCents).toBeGreaterThan(0);

    const third = await deliver("call_analyzed", analyzed, tenant.apiKey);
    expect(third.status).toBe(200);
    expect(third.body.data).toMatchObject({ event: "call_analyzed", stored: true, tenants: 1 });
    expect(third.statements).toBe(2);
    const afterAnalysis = await oneRow(tenant.owner.tenantId, full.call_id);
    expect(afterAnalysis.id).toBe(afterStart.id);
    expect(afterAnalysis).toMatchObject({
      callStatus: "ended",
      transcript: full.transcript,
      durationMs: full.duration_ms,
      costCents: full.call_cost?.combined_cost,
      analyzed: true,
      callSummary: full.call_analysis?.call_summary,
      userSentiment: full.call_analysis?.user_sentiment,
      callSuccessful: full.call_analysis?.call_successful,
      inVoicemail: false,
      customAnalysisData: { intent: "booking" },
    });
    expect(await callRows(full.call_id)).toHaveLength(1);

    const read = await call(callById, { path: `/api/calls/${full.call_id}`, token: tenant.owner.accessToken });
    expect(read.status).toBe(200);
    expect(read.body.data).toMatchObject({
      id: afterStart.id,
      callId: full.call_id,
      agentId: tenant.agentId,
      agentName: "Front desk",
      callStatus: "ended",
      startedAt: new Date(full.start_timestamp as number).toISOString(),
      durationMs: full.duration_ms,
      durationSeconds: Math.round((full.duration_ms as number) / 1000),
      costCents: full.call_cost?.combined_cost,
      transcript: full.transcript,
      transcriptObject: full.transcript_object,
      analyzed: true,
      callSummary: full.call_analysis?.call_summary,
      userSentiment: full.call_analysis?.user_sentiment,
    });
  });

  it("stores a call first seen at call_analyzed whole", async () => {
    const tenant = await retellTenant("hookfirstanalyzed");
    const { full, analyzed } = lifecycle(tenant.agentId);
    const res = await deliver("call_analyzed", analyzed, tenant.apiKey);
    expect(res.status).toBe(200);
    expect(await oneRow(tenant.owner.tenantId, full.call_id)).toMatchObject({
      callStatus: "ended",
      analyzed: true,
      transcript: full.transcript,
      costCents: full.call_cost?.combined_cost,
    });
  });

  it("keeps one row and writes nothing when the same event arrives twice", async () => {
    const tenant = await retellTenant("hookrepeat");
    const { full, ended, analyzed } = lifecycle(tenant.agentId);
    for (const [event, payload] of [
      ["call_ended", ended],
      ["call_analyzed", analyzed],
    ] as const) {
      const rawBody = JSON.stringify({ event, call: payload });
      const first = await post(rawBody, await Retell.sign(rawBody, tenant.apiKey));
      expect(first.status).toBe(200);
      const before = await oneRow(tenant.owner.tenantId, full.call_id);
      // A fresh signature (Retell retries re-sign) and the very same bytes.
      await new Promise((resolve) => setTimeout(resolve, 5));
      const again = await post(rawBody, await Retell.sign(rawBody, tenant.apiKey));
      expect(again.status).toBe(200);
      expect(again.body.data).toMatchObject({ event, callId: full.call_id, stored: true });
      const after = await oneRow(tenant.owner.tenantId, full.call_id);
      expect(after).toEqual(before);
      expect(after.updatedAt.getTime()).toBe(before.updatedAt.getTime());
    }
    expect(await callRows(full.call_id)).toHaveLength(1);
  });

  it("never moves back: a late call_started or call_ended after call_analyzed changes nothing", async () => {
    const tenant = await retellTenant("hookorder");
    const { full, started, ended, analyzed } = lifecycle(tenant.agentId);
    expect((await deliver("call_analyzed", analyzed, tenant.apiKey)).status).toBe(200);
    const settled = await oneRow(tenant.owner.tenantId, full.call_id);
    expect(settled).toMatchObject({ callStatus: "ended", analyzed: true });

    for (const [event, payload] of [
      ["call_started", started],
      ["call_ended", ended],
      ["call_started", { ...started, call_status: "registered" }],
    ] as const) {
      const late = await deliver(event, payload, tenant.apiKey);
      expect(late.status, event).toBe(200);
      const row = await oneRow(tenant.owner.tenantId, full.call_id);
      expect(row, event).toEqual(settled);
      expect(row).toMatchObject({
        callStatus: "ended",
        transcript: full.transcript,
        durationMs: full.duration_ms,
        costCents: full.call_cost?.combined_cost,
        analyzed: true,
        callSummary: full.call_analysis?.call_summary,
        userSentiment: full.call_analysis?.user_sentiment,
      });
    }
  });

  it("fills in what a late call_ended adds to an analysed call that lacked it, without clearing the analysis", async () => {
    const tenant = await retellTenant("hookfillin");
    const { full, ended, analyzed } = lifecycle(tenant.agentId);
    const { recording_url: _r, ...analyzedWithoutRecording } = analyzed;
    expect((await deliver("call_analyzed", analyzedWithoutRecording, tenant.apiKey)).status).toBe(200);
    expect((await oneRow(tenant.owner.tenantId, full.call_id)).recordingUrl).toBeNull();
    expect((await deliver("call_ended", ended, tenant.apiKey)).status).toBe(200);
    expect(await oneRow(tenant.owner.tenantId, full.call_id)).toMatchObject({
      recordingUrl: full.recording_url,
      analyzed: true,
      callSummary: full.call_analysis?.call_summary,
    });
  });
});

describe("POST /api/webhooks/retell: the signature", () => {
  async function signedCase(label: string) {
    const tenant = await retellTenant(label);
    const { full, ended } = lifecycle(tenant.agentId);
    const rawBody = JSON.stringify({ event: "call_ended", call: ended });
    return { tenant, full, rawBody };
  }

  async function expectUnauthorizedAndNothingWritten(
    res: Awaited<ReturnType<typeof post>>,
    tenant: RetellTenant,
    callId: string,
  ) {
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("UNAUTHORIZED");
    expect(typeof res.body.error.message).toBe("string");
    expect(res.body).not.toHaveProperty("data");
    expect(res.text).not.toContain(tenant.apiKey);
    expect(await callRows(callId)).toHaveLength(0);
    expect(await tenantRows(tenant.owner.tenantId)).toHaveLength(0);
  }

  it("accepts a fresh signature computed with node:crypto, so the format is Retell's", async () => {
    const { tenant, full, rawBody } = await signedCase("hooksig-own");
    const res = await post(rawBody, hmacSignature(rawBody, tenant.apiKey));
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ event: "call_ended", callId: full.call_id, stored: true, tenants: 1 });
    expect(await oneRow(tenant.owner.tenantId, full.call_id)).toMatchObject({ callStatus: "ended" });
  });

  it("verifies over the exact UTF-8 bytes, so non-ASCII transcripts pass and are stored as sent", async () => {
    const tenant = await retellTenant("hooksig-utf8");
    const { full, ended } = lifecycle(tenant.agentId);
    const transcript = "Agent: Grüß Gott, ¿qué tal? 👋\nUser: 予約をお願いします";
    const rawBody = JSON.stringify({ event: "call_ended", call: { ...ended, transcript } });
    const res = await post(rawBody, hmacSignature(rawBody, tenant.apiKey));
    expect(res.status).toBe(200);
    expect((await oneRow(tenant.owner.tenantId, full.call_id)).transcript).toBe(transcript);
  });

  it("accepts a signature made 4 minutes ago", async () => {
    const { tenant, full, rawBody } = await signedCase("hooksig-recent");
    const res = await post(rawBody, hmacSignature(rawBody, tenant.apiKey, Date.now() - 4 * 60_000));
    expect(res.status).toBe(200);
    expect(await callRows(full.call_id)).toHaveLength(1);
  });

  it("answers 401 without the x-retell-signature header, before any statement", async () => {
    const { tenant, full, rawBody } = await signedCase("hooksig-missing");
    const res = await post(rawBody);
    expect(res.statements).toBe(0);
    await expectUnauthorizedAndNothingWritten(res, tenant, full.call_id);
    await expectUnauthorizedAndNothingWritten(await post(rawBody, ""), tenant, full.call_id);
  });

  it("answers 401 for a signature made with another key", async () => {
    const { tenant, full, rawBody } = await signedCase("hooksig-forged");
    const forged = await post(rawBody, await Retell.sign(rawBody, `${tenant.apiKey}x`));
    await expectUnauthorizedAndNothingWritten(forged, tenant, full.call_id);
    const ownForged = await post(rawBody, hmacSignature(rawBody, "key_somebody_else"));
    await expectUnauthorizedAndNothingWritten(ownForged, tenant, full.call_id);
  });

  it("answers 401 when the body was altered after signing", async () => {
    const { tenant, full, rawBody } = await signedCase("hooksig-altered");
    const signature = await Retell.sign(rawBody, tenant.apiKey);
    const altered = rawBody.replace('"call_status":"ended"', '"call_status":"error"');
    expect(altered).not.toBe(rawBody);
    await expectUnauthorizedAndNothingWritten(await post(altered, signature), tenant, full.call_id);
    // The same JSON, re-serialised with different whitespace, is different bytes.
    const reformatted = JSON.stringify(JSON.parse(rawBody), null, 2);
    await expectUnauthorizedAndNothingWritten(await post(reformatted, signature), tenant, full.call_id);
  });

  it("answers 401 for a stale signature (6 minutes old) and one from 6 minutes in the future", async () => {
    const { tenant, full, rawBody } = await signedCase("hooksig-stale");
    const stale = await post(rawBody, hmacSignature(rawBody, tenant.apiKey, Date.now() - 6 * 60_000));
    await expectUnauthorizedAndNothingWritten(stale, tenant, full.call_id);
    const future = await post(rawBody, hmacSignature(rawBody, tenant.apiKey, Date.now() + 6 * 60_000));
    await expectUnauthorizedAndNothingWritten(future, tenant, full.call_id);
  });

  it("answers 401 when the timestamp is changed after signing, or the header is malformed", async () => {
    const { tenant, full, rawBody } = await signedCase("hooksig-malformed");
    const now = Date.now();
    const good = hmacSignature(rawBody, tenant.apiKey, now);
    const digest = good.split(",d=")[1] as string;
    for (const signature of [
      `v=${now - 1000},d=${digest}`,
      `d=${digest}`,
      digest,
      `v=${now},d=${digest.slice(0, 40)}`,
      `v=${now},d=`,
      "not a signature",
    ]) {
      await expectUnauthorizedAndNothingWritten(await post(rawBody, signature), tenant, full.call_id);
    }
    // The untouched signature still works, so the failures above are the changes'.
    expect((await post(rawBody, good)).status).toBe(200);
  });
});

describe("POST /api/webhooks/retell: tenants", () => {
  it("answers 202 and writes nothing for an agent no tenant has", async () => {
    const tenant = await retellTenant("hookunknown");
    const { full, ended } = lifecycle(unique("agent_nobody_has"));
    const rawBody = JSON.stringify({ event: "call_ended", call: ended });
    const res = await post(rawBody, await Retell.sign(rawBody, tenant.apiKey));
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ data: { event: "call_ended", callId: full.call_id, stored: false, tenants: 0 } });
    expect(res.statements).toBe(1);
    expect(await callRows(full.call_id)).toHaveLength(0);
    expect(await tenantRows(tenant.owner.tenantId)).toHaveLength(0);
  });

  it("writes a webhook signed with A's key for A's agent to A only, and refuses B's key for A's agent", async () => {
    const a = await retellTenant("hooktenant-a");
    const b = await retellTenant("hooktenant-b");
    expect(a.apiKey).not.toBe(b.apiKey);

    const ours = lifecycle(a.agentId);
    const res = await deliver("call_ended", ours.ended, a.apiKey);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ stored: true, tenants: 1 });
    const rows = await callRows(ours.full.call_id);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.tenantId).toBe(a.owner.tenantId);
    expect(await tenantRows(b.owner.tenantId)).toHaveLength(0);
    const hidden = await call(callById, { path: `/api/calls/${ours.full.call_id}`, token: b.owner.accessToken });
    expect(hidden.status).toBe(404);

    const other = lifecycle(a.agentId);
    const crossed = await deliver("call_ended", other.ended, b.apiKey);
    expect(crossed.status).toBe(401);
    expect(crossed.body.error.code).toBe("UNAUTHORIZED");
    expect(await callRows(other.full.call_id)).toHaveLength(0);
    expect(await tenantRows(a.owner.tenantId)).toHaveLength(1);
    expect(await tenantRows(b.owner.tenantId)).toHaveLength(0);
  });

  it("applies a webhook for an agent id two tenants share only to the tenant whose key signed it", async () => {
    const agentId = unique("shared_agent");
    const a = await retellTenant("hookshared-a", agentId);
    const b = await retellTenant("hookshared-b", agentId);
    const { full, ended } = lifecycle(agentId);

    const toB = await deliver("call_ended", ended, b.apiKey);
    expect(toB.status).toBe(200);
    expect(toB.body.data).toMatchObject({ stored: true, tenants: 1 });
    const rows = await callRows(full.call_id);
    expect(rows.map((row) => row.tenantId)).toEqual([b.owner.tenantId]);
    expect(await tenantRows(a.owner.tenantId)).toHaveLength(0);

    const forged = await deliver("call_ended", ended, "key_neither_tenant");
    expect(forged.status).toBe(401);
    expect(await callRows(full.call_id)).toHaveLength(1);
  });
  it("applies it to every tenant that shares the agent and the key, one upsert each", async () => {
    const agentId = unique("agency_agent");
    const a = await retellTenant("hookagency-a", agentId);
    const b = await retellTenant("hookagency-b", agentId);
    const saved = await call(settings, {
      method: "PATCH",
      token: b.owner.accessToken,
      body: { retellConfig: { apiKey: a.apiKey } },
    });
    expect(saved.status).toBe(200);
    const { full, ended } = lifecycle(agentId);
    const res = await deliver("call_ended", ended, a.apiKey);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ stored: true, tenants: 2 });
    expect(res.statements).toBe(3);
    const tenants = (await callRows(full.call_id)).map((row) => row.tenantId).sort();
    expect(tenants).toEqual([a.owner.tenantId, b.owner.tenantId].sort());
  });

  it("is not stopped by another tenant of the agent whose key is cleared or unreadable", async () => {
    const agentId = unique("mixed_agent");
    const a = await retellTenant("hookmixed-a", agentId);
    const cleared = await retellTenant("hookmixed-cleared", agentId);
    const broken = await retellTenant("hookmixed-broken", agentId);
    const unset = await call(settings, {
      method: "PATCH",
      token: cleared.owner.accessToken,
      body: { retellConfig: null },
    });
    expect(unset.status).toBe(200);
    // A sealed value that no longer decrypts (as after an ENCRYPTION_KEY change).
    const db = await getDb();
    await db
      .update(credentials)
      .set({ secrets: { apiKey: { sealed: "v1.AAAA.AAAA.AAAA", hint: "••••" } } })
      .where(and(eq(credentials.tenantId, broken.owner.tenantId), eq(credentials.kind, "retellConfig")));

    const { full, ended } = lifecycle(agentId);
    const res = await deliver("call_ended", ended, a.apiKey);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ stored: true, tenants: 1 });
    expect((await callRows(full.call_id)).map((row) => row.tenantId)).toEqual([a.owner.tenantId]);

    const forged = await deliver("call_ended", lifecycle(agentId).ended, "key_nobody");
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe("UNAUTHORIZED");
  });
});

describe("POST /api/webhooks/retell: events and input", () => {
  it("acknowledges an event it does not store (transcript_updated) with stored:false and writes nothing", async () => {
    const tenant = await retellTenant("hookevent");
    const { full, started } = lifecycle(tenant.agentId);
    for (const event of ["transcript_updated", "transfer_started"]) {
      const res = await deliver(event, { ...started, transcript: "Agent: Hello" }, tenant.apiKey);
      expect(res.status, event).toBe(200);
      expect(res.body, event).toEqual({ data: { event, callId: full.call_id, stored: false, tenants: 0 } });
      expect(res.statements).toBe(1);
    }
    expect(await callRows(full.call_id)).toHaveLength(0);
    // The signature is still checked for those events.
    const rawBody = JSON.stringify({ event: "transcript_updated", call: started });
    const forged = await post(rawBody, await Retell.sign(rawBody, "key_wrong"));
    expect(forged.status).toBe(401);
  });

  it("answers 400 INVALID_JSON for a body that is not JSON", async () => {
    const tenant = await retellTenant("hookjson");
    const rawBody = '{"event":"call_ended","call":';
    const res = await post(rawBody, await Retell.sign(rawBody, tenant.apiKey));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("INVALID_JSON");
    expect(await tenantRows(tenant.owner.tenantId)).toHaveLength(0);
  });

  it("answers 400 VALIDATION_FAILED for a call without call_id, and other malformed envelopes", async () => {
    const tenant = await retellTenant("hookvalid");
    const { full, ended } = lifecycle(tenant.agentId);
    const { call_id: _id, ...withoutId } = ended;
    const cases: [unknown, string][] = [
      [{ event: "call_ended", call: withoutId }, "body.call.call_id"],
      [{ event: "call_ended", call: { ...ended, call_id: "" } }, "body.call.call_id"],
      [{ event: "call_ended", call: { ...ended, agent_id: undefined } }, "body.call.agent_id"],
      [{ event: "call_ended", call: { ...ended, call_status: "finished" } }, "body.call.call_status"],
      [{ event: "call_ended" }, "body.call"],
      [{ call: ended }, "body.event"],
    ];
    for (const [payload, path] of cases) {
      const rawBody = JSON.stringify(payload);
      const res = await post(rawBody, await Retell.sign(rawBody, tenant.apiKey));
      expect(res.status, path).toBe(400);
      expect(res.body.error.code, path).toBe("VALIDATION_FAILED");
      expect(
        res.body.error.details.map((d: { path: string }) => d.path),
        path,
      ).toContain(path);
    }
    expect(await callRows(full.call_id)).toHaveLength(0);
    expect(await tenantRows(tenant.owner.tenantId)).toHaveLength(0);
  });

  it("answers 400 and stores nothing for a correctly signed call whose stored fields have the wrong types", async () => {
    const tenant = await retellTenant("hooktypes");
    const { full, ended } = lifecycle(tenant.agentId);
    const analysis = full.call_analysis as Payload;
    const cases: [Payload, string][] = [
      [{ duration_ms: "long" }, "body.call.duration_ms"],
      [{ duration_ms: 1.5 }, "body.call.duration_ms"],
      [{ duration_ms: 2 ** 31 }, "body.call.duration_ms"],
      [{ agent_version: "v2" }, "body.call.agent_version"],
      [{ start_timestamp: -1e15 }, "body.call.start_timestamp"],
      [{ start_timestamp: "2026-01-01" }, "body.call.start_timestamp"],
      [{ end_timestamp: 8.64e15 }, "body.call.end_timestamp"],
      [{ direction: "sideways" }, "body.call.direction"],
      [{ call_cost: { combined_cost: "12" } }, "body.call.call_cost.combined_cost"],
      [{ recording_url: "javascript:alert(1)" }, "body.call.recording_url"],
      [{ public_log_url: "ftp://dxc03zgurdly9.cloudfront.net/public.log" }, "body.call.public_log_url"],
      [{ transcript_object: "Agent: hi" }, "body.call.transcript_object"],
      [{ transcript_object: [{ role: "agent" }] }, "body.call.transcript_object.0.content"],
      [{ transcript: `Agent: hi${"\u0000"}` }, "body.call.transcript"],
      [{ call_analysis: { ...analysis, call_successful: "yes" } }, "body.call.call_analysis.call_successful"],
      [{ metadata: { note: "\udfff" } }, "body.call.metadata.note"],
    ];
    for (const [change, path] of cases) {
      const rawBody = JSON.stringify({ event: "call_ended", call: { ...ended, ...change } });
      const res = await post(rawBody, await Retell.sign(rawBody, tenant.apiKey));
      expect(res.status, `${path}: ${res.text}`).toBe(400);
      expect(res.body.error.code).toBe("VALIDATION_FAILED");
      expect(
        res.body.error.details.map((d: { path: string }) => d.path),
        path,
      ).toContain(path);
    }
    expect(await callRows(full.call_id)).toHaveLength(0);
    // The very call, typed as Retell types it, is stored.
    expect((await deliver("call_ended", ended, tenant.apiKey)).status).toBe(200);
    expect(await callRows(full.call_id)).toHaveLength(1);
  });

  it("answers 415 for a body that is not declared JSON", async () => {
    const tenant = await retellTenant("hooktype");
    const { full, ended } = lifecycle(tenant.agentId);
    const rawBody = JSON.stringify({ event: "call_ended", call: ended });
    const signature = await Retell.sign(rawBody, tenant.apiKey);
    for (const type of ["text/plain", "application/x-www-form-urlencoded"]) {
      const res = await post(rawBody, signature, { "content-type": type });
      expect(res.status, type).toBe(415);
      expect(res.body.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    }
    expect(await callRows(full.call_id)).toHaveLength(0);
    // The same bytes and signature as JSON are accepted.
    expect((await post(rawBody, signature)).status).toBe(200);
  });

  it("answers other methods 405 with Allow", async () => {
    const res = await call(webhook, { method: "GET" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toContain("POST");
  });
});

describe("toCallRow: a call from Retell's API (the sync)", () => {
  it("stores a field Postgres would refuse as null and keeps the rest of the call", () => {
    const good = fake.makeCall("agent_rows", Date.UTC(2026, 0, 5, 9));
    const odd = {
      ...good,
      duration_ms: "long",
      start_timestamp: -1e15,
      recording_url: "javascript:alert(1)",
      transcript: "Agent: hi\u0000",
      call_analysis: { ...good.call_analysis, call_successful: "yes" },
    } as unknown as FakeCall;
    expect(toCallRow("tenant", odd)).toEqual({
      ...toCallRow("tenant", good),
      durationMs: null,
      startedAt: null,
      recordingUrl: null,
      transcript: null,
      callSuccessful: null,
    });
  });

  it("refuses a call without its identity", () => {
    const { call_id: _id, ...withoutId } = fake.makeCall("agent_rows", Date.UTC(2026, 0, 5, 9));
    expect(() => toCallRow("tenant", withoutId as FakeCall)).toThrow();
  });
});
