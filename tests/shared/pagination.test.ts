import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "../../db/client";
import {
  agents,
  apiKeys,
  auditLog,
  callAnalytics,
  callSessions,
  calls,
  callTranscripts,
  conversations,
  credentials,
  messages,
  policies,
  returnRequests,
  users,
} from "../../db/schema";
import * as apiKeysFn from "../../netlify/functions/platform-api-keys";
import * as auditLogFn from "../../netlify/functions/platform-audit-log";
import * as usersFn from "../../netlify/functions/platform-users";
import * as callSessionsFn from "../../netlify/functions/returns-call-sessions";
import * as analyticsFn from "../../netlify/functions/returns-call-sessions-id-analytics";
import * as transcriptsFn from "../../netlify/functions/returns-call-sessions-id-transcripts";
import * as chatMessagesFn from "../../netlify/functions/returns-chat-messages-session";
import * as chatSessionsFn from "../../netlify/functions/returns-chat-sessions";
import * as policiesFn from "../../netlify/functions/returns-policies";
import * as providerConfigsFn from "../../netlify/functions/returns-provider-configs";
import * as returnRequestsFn from "../../netlify/functions/returns-return-requests";
import * as callHistoryFn from "../../netlify/functions/voice-dashboard-call-history";
import { type Account, registerTenant, unique } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";
import type { RouteModule } from "../../shared/http/route";
import { EXACT_TOTAL_LIMIT } from "../../shared/pagination";

type Query = Record<string, string | number>;
interface List {
  fn: RouteModule;
  path?: string;
  token: string;
  query?: Query;
}

const idsOf = (body: { data: { id: string | number }[] }) => body.data.map((item) => String(item.id));

async function get(list: List, query: Query) {
  return call(list.fn, { path: list.path, token: list.token, query: { ...list.query, ...query } });
}

/** The whole list in one page: the order the offset contract gives. */
async function wholeList(list: List): Promise<string[]> {
  const res = await get(list, { limit: 100 });
  expect(res.status, res.text).toBe(200);
  return idsOf(res.body);
}

/** Every page of `limit` items by `nextCursor`, each checked to be one statement with the same exact total. */
async function walkByCursor(list: List, limit: number): Promise<string[]> {
  const walked: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const res = await get(list, cursor === undefined ? { limit } : { limit, cursor });
    expect(res.status, res.text).toBe(200);
    expect(res.statements).toBe(1);
    walked.push(...idsOf(res.body));
    const { hasMore, nextCursor, totalIsExact, total } = res.body.pagination;
    expect({ totalIsExact, total }).toEqual({ totalIsExact: true, total: expect.any(Number) });
    expect(nextCursor === null).toBe(!hasMore);
    if (!hasMore) return walked;
    cursor = nextCursor;
  }
  throw new Error("the cursor walk did not end");
}

async function walkByOffset(list: List, limit: number): Promise<string[]> {
  const walked: string[] = [];
  for (let offset = 0; ; offset += limit) {
    const res = await get(list, { limit, offset });
    walked.push(...idsOf(res.body));
    if (!res.body.pagination.hasMore) return walked;
  }
}

async function expectSameWalks(list: List, size: number) {
  const whole = await wholeList(list);
  expect(whole).toHaveLength(size);
  for (const limit of [1, 2, 3]) {
    expect(await walkByCursor(list, limit), `limit ${limit}`).toEqual(whole);
    expect(await walkByOffset(list, limit), `limit ${limit}`).toEqual(whole);
  }
}

/** Five rows of each list for one tenant; rows inserted by one statement share created_at, so ids break ties. */
async function seedEveryList(owner: Account) {
  const db = await getDb();
  const tenantId = owner.tenantId;
  const five = [1, 2, 3, 4, 5];
  const at = (i: number) => sql`now() - make_interval(mins => ${i % 3})`;
  await db.insert(users).values(
    five.map((i) => ({
      tenantId,
      email: `${unique("walk")}@example.test`,
      name: `User ${i}`,
      role: "agent" as const,
      passwordHash: "not a hash",
      createdAt: at(i),
    })),
  );
  await db.insert(apiKeys).values(
    five.map((i) => ({
      tenantId,
      name: `Key ${i}`,
      prefix: "fd_walk",
      keyHash: unique("hash"),
      scopes: ["read" as const],
      createdAt: at(i),
    })),
  );
  await db.insert(auditLog).values(
    five.map((i) => ({
      tenantId,
      actorType: "public" as const,
      action: "walk.tested",
      entityType: "walk",
      entityId: String(i),
      createdAt: at(i),
    })),
  );
  await db
    .insert(credentials)
    .values(five.map((i) => ({ tenantId, kind: i % 2 ? "elevenlabs" : "tavus", name: `Config ${i % 3} ${i}` })));
  await db
    .insert(policies)
    .values(five.map((i) => ({ tenantId, version: `v${i}`, rules: { returnWindowDays: 30 }, createdAt: at(i) })));
  await db.insert(returnRequests).values(
    five.map((i) => ({
      tenantId,
      orderId: `ORD-${i}`,
      customerEmail: "walker@example.test",
      reasonForReturn: "damaged",
      createdAt: at(i),
    })),
  );
  // Chat sessions are inbox conversations; the first keeps the count of its messages, as appendMessage does.
  const sessions = await db
    .insert(conversations)
    .values(
      five.map((i) => ({ tenantId, channelType: "webchat" as const, messageCount: i === 1 ? 5 : 0, updatedAt: at(i) })),
    )
    .returning({ id: conversations.id });
  const sessionId = sessions[0]?.id as string;
  await db.insert(messages).values(
    five.map((i) => ({
      tenantId,
      conversationId: sessionId,
      direction: "inbound" as const,
      sender: "customer" as const,
      text: `m${i}`,
      timestamp: at(i),
    })),
  );
  const callRows = await db
    .insert(callSessions)
    .values(five.map((i) => ({ tenantId, callType: "voice" as const, provider: "test" as const, createdAt: at(i) })))
    .returning({ id: callSessions.id });
  const callSessionId = callRows[0]?.id as string;
  // Transcript lines without a timestamp, and ties on it, come last and by created_at, id.
  await db.insert(callTranscripts).values(
    [1, 2, 3, 4, 5, 6].map((i) => ({
      tenantId,
      callSessionId,
      speaker: "agent" as const,
      message: `t${i}`,
      timestampSeconds: i <= 2 ? null : i === 3 ? 1.5 : 0.25,
      createdAt: at(i),
    })),
  );
  await db
    .insert(callAnalytics)
    .values(five.map((i) => ({ tenantId, callSessionId, provider: "test", createdAt: at(i) })));
  return { sessionId, callSessionId };
}

describe("keyset cursors on every list route", () => {
  it("walk each list to the rows of the offset walk, one statement a page", async () => {
    const owner = await registerTenant("walk");
    const { sessionId, callSessionId } = await seedEveryList(owner);
    const token = owner.accessToken;
    const lists: [List, number][] = [
      // The owner registered too, and the audit log has their registration.
      [{ fn: usersFn, token }, 6],
      [{ fn: apiKeysFn, token }, 5],
      [{ fn: auditLogFn, token, query: { entityType: "walk" } }, 5],
      [{ fn: providerConfigsFn, token }, 5],
      [{ fn: policiesFn, token }, 5],
      [{ fn: returnRequestsFn, token }, 5],
      [{ fn: chatSessionsFn, token }, 5],
      [{ fn: chatMessagesFn, path: `/api/chat-messages/${sessionId}`, token }, 5],
      [{ fn: callSessionsFn, token }, 5],
      [{ fn: transcriptsFn, path: `/api/call-sessions/${callSessionId}/transcripts`, token }, 6],
      [{ fn: analyticsFn, path: `/api/call-sessions/${callSessionId}/analytics`, token }, 5],
    ];
    for (const [list, size] of lists) await expectSameWalks(list, size);
  });

  it("walk call history by every sort, both ways, across calls without the value and microsecond ties", async () => {
    const owner = await registerTenant("walkcalls");
    const db = await getDb();
    const agentId = unique("agent");
    await db.insert(agents).values({ tenantId: owner.tenantId, agentId });
    // Twelve calls: every third without a start, every fourth without a duration, every fifth
    // without a cost; starts a microsecond apart (a JS Date cannot tell them apart); repeated
    // durations and costs.
    await db.execute(sql`
      insert into ${calls} (tenant_id, agent_id, call_id, call_type, call_status, started_at, duration_ms, cost_cents)
      select ${owner.tenantId}::uuid, ${agentId}, 'walk_' || i, 'phone_call', 'ended',
        case when i % 3 = 0 then null else timestamptz '2026-01-01 00:00:00.000001+00' + make_interval(secs => (i % 4) * 0.000001) end,
        case when i % 4 = 0 then null else (i % 5) * 1000 end,
        case when i % 5 = 0 then null else (i % 3) * 1.5 end
      from generate_series(1, 12) as i`);
    for (const sortBy of ["date", "duration", "cost"]) {
      for (const order of ["asc", "desc"]) {
        const list = {
          fn: callHistoryFn,
          path: `/api/dashboard/call-history/${agentId}`,
          token: owner.accessToken,
          query: { sortBy, order },
        };
        await expectSameWalks(list, 12);
      }
    }
  });
});

describe("cursors that are not this list's", () => {
  async function historyWithCalls() {
    const owner = await registerTenant("badcursor");
    const db = await getDb();
    const agentId = unique("agent");
    await db.insert(agents).values({ tenantId: owner.tenantId, agentId });
    await db.execute(sql`
      insert into ${calls} (tenant_id, agent_id, call_id, call_type, call_status, started_at, duration_ms, cost_cents)
      select ${owner.tenantId}::uuid, ${agentId}, 'bad_' || i, 'phone_call', 'ended', now() - make_interval(mins => i), i * 1000, i
      from generate_series(1, 5) as i`);
    const path = `/api/dashboard/call-history/${agentId}`;
    const history = (query: Query) => call(callHistoryFn, { path, token: owner.accessToken, query });
    const first = await history({ limit: 2 });
    return { owner, history, cursor: first.body.pagination.nextCursor as string };
  }

  const expectCursorRefused = (res: { status: number; body: any }, label: string) => {
    expect(res.status, label).toBe(400);
    expect(res.body.error.code, label).toBe("VALIDATION_FAILED");
    expect(
      res.body.error.details.map((detail: { path: string }) => detail.path),
      label,
    ).toEqual(["query.cursor"]);
  };

  it("refuses another sort's cursor, another list's, and a cursor beside an offset", async () => {
    const { owner, history, cursor } = await historyWithCalls();
    expect((await history({ limit: 2, cursor })).status).toBe(200);
    expect((await history({ limit: 2, cursor, offset: 0 })).status).toBe(200);
    expectCursorRefused(await history({ limit: 2, cursor, sortBy: "cost" }), "another sort");
    expectCursorRefused(await history({ limit: 2, cursor, order: "asc" }), "another direction");
    expectCursorRefused(await history({ limit: 2, cursor, offset: 2 }), "with an offset");
    const audit = await call(auditLogFn, { token: owner.accessToken, query: { limit: 2, cursor } });
    expectCursorRefused(audit, "another list");
  });

  it("answers forged and garbage cursors with 400, never 500", async () => {
    const { history, cursor } = await historyWithCalls();
    const decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    const [startedAt, id] = decoded.after as [string, string];
    const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const withAfter = (after: unknown) => forge({ ...decoded, after });
    const cursors: [string, string][] = [
      ["not base64url", "a+b/c="],
      ["too long", "A".repeat(5000)],
      ["not JSON", Buffer.from("not json").toString("base64url")],
      ["truncated", cursor.slice(0, -5)],
      ["JSON of another shape", forge({ hello: "world" })],
      ["after not an array", forge({ ...decoded, after: "x" })],
      ["too few values", withAfter([startedAt])],
      ["too many values", withAfter([startedAt, id, id])],
      ["a number for a timestamp", withAfter([1_700_000_000_000, id])],
      ["an impossible date", withAfter(["2026-02-30T00:00:00+00:00", id])],
      ["year zero", withAfter(["0000-01-01T00:00:00+00:00", id])],
      ["year 275760", withAfter(["+275760-09-13T00:00:00Z", id])],
      ["NUL in a timestamp", withAfter([`${startedAt}\u0000`, id])],
      ["not a uuid", withAfter([startedAt, "not-a-uuid"])],
      ["a uuid with a bad digit", withAfter([startedAt, `${id.slice(0, -1)}g`])],
      ["NUL in a uuid", withAfter([startedAt, `${id.slice(0, -1)}\u0000`])],
      ["null for the id", withAfter([startedAt, null])],
      ["an object for a value", withAfter([{ startedAt }, id])],
      ["a lone surrogate", withAfter(["\ud800", id])],
    ];
    for (const [label, forged] of cursors) expectCursorRefused(await history({ limit: 2, cursor: forged }), label);

    // Numbers a sort's columns cannot hold: integer duration, double cost.
    const byDuration = (await history({ limit: 2, sortBy: "duration" })).body.pagination.nextCursor as string;
    const duration = JSON.parse(Buffer.from(byDuration, "base64url").toString("utf8"));
    const withDuration = (value: unknown) =>
      Buffer.from(JSON.stringify({ ...duration, after: [value, id] })).toString("base64url");
    for (const [label, value] of [
      ["past int4", 2 ** 31],
      ["a fraction", 1.5],
      ["huge", 1e300],
      ["text", "1000"],
    ] as const) {
      expectCursorRefused(await history({ limit: 2, sortBy: "duration", cursor: withDuration(value) }), label);
    }
    const byCost = (await history({ limit: 2, sortBy: "cost" })).body.pagination.nextCursor as string;
    const costSort = JSON.parse(Buffer.from(byCost, "base64url").toString("utf8")).sort;
    const infinite = Buffer.from(`{"sort":${JSON.stringify(costSort)},"after":[1e400,"${id}"]}`).toString("base64url");
    expectCursorRefused(await history({ limit: 2, sortBy: "cost", cursor: infinite }), "1e400");
    // A well-formed cursor at a position no row holds is simply a position.
    const between = await history({ limit: 2, cursor: withAfter(["2000-01-01T00:00:00.5Z", id]) });
    expect(between.status).toBe(200);
    expect(between.body.data).toEqual([]);
  });
});

describe("totals", () => {
  it("are exact up to EXACT_TOTAL_LIMIT rows and the bound past it, with totalIsExact false", async () => {
    const owner = await registerTenant("bounded");
    const db = await getDb();
    const insertAudit = (count: number) =>
      db.execute(sql`
        insert into ${auditLog} (tenant_id, actor_type, action, entity_type, entity_id)
        select ${owner.tenantId}::uuid, 'public', 'bulk.tested', 'bulk', i::text from generate_series(1, ${count}::int) as i`);
    const list = (query: Query) =>
      call(auditLogFn, { token: owner.accessToken, query: { entityType: "bulk", limit: 5, ...query } });

    await insertAudit(EXACT_TOTAL_LIMIT);
    const atBound = await list({});
    expect(atBound.body.pagination).toMatchObject({ total: EXACT_TOTAL_LIMIT, totalIsExact: true, hasMore: true });

    await insertAudit(1);
    const past = await list({});
    expect(past.statements).toBe(1);
    expect(past.body.pagination).toMatchObject({ total: EXACT_TOTAL_LIMIT, totalIsExact: false, hasMore: true });
    // Deep pages still read: by offset past the bound, and by cursor.
    const deep = await list({ offset: EXACT_TOTAL_LIMIT - 2 });
    expect(deep.body.data).toHaveLength(3);
    expect(deep.body.pagination).toMatchObject({ totalIsExact: false, hasMore: false, nextCursor: null });
    const next = await list({ cursor: past.body.pagination.nextCursor });
    expect(next.body.data).toHaveLength(5);
    expect(idsOf(next.body)).not.toContain(idsOf(past.body)[4]);
    // A narrower filter is counted exactly again.
    const narrow = await list({ entityId: "1" });
    expect(narrow.body.pagination).toMatchObject({ total: 2, totalIsExact: true, hasMore: false });
  });
});
