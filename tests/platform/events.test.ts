import type { Context } from "@netlify/functions";
import { describe, expect, it } from "vitest";
import { getDatabase, getDb, statementCounter } from "../../db/client";
import * as eventsFn from "../../netlify/functions/platform-events";
import * as streamFn from "../../netlify/functions/platform-events-stream";
import * as usersFn from "../../netlify/functions/platform-users";
import { type Account, createApiKey, registerTenant } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";
import { appendEvents, type NewEvent, streamEvents } from "../../services/platform/events";

/**
 * The tenant's events feed (DESIGN §7): the long-poll /api/events and the Server-Sent Events
 * stream /api/events/stream over the same rows, written by appendEvents as the services do.
 */

const messageEvent = (resourceId: string, payload: Record<string, unknown> = {}): NewEvent => ({
  type: "message:new",
  resourceType: "message",
  resourceId,
  payload: { id: resourceId, ...payload },
});

/** Appends events in their own transaction, as a service does with its change. */
async function append(account: Account, batch: NewEvent[]) {
  const db = await getDb();
  await db.transaction((tx) => appendEvents(tx, account.tenantId, batch));
}

const poll = (account: Account, query: Record<string, string | number> = {}) =>
  call(eventsFn, { token: account.accessToken, query });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface SseBlock {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
  comment?: string;
}

/** The Server-Sent Events text as its blocks, each with its fields. */
function parseSse(text: string): SseBlock[] {
  return text
    .split("\n\n")
    .filter(Boolean)
    .map((block) => {
      const fields: SseBlock = {};
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) fields.comment = line.slice(1).trim();
        else {
          const [name, ...rest] = line.split(": ");
          fields[name as keyof SseBlock] = rest.join(": ");
        }
      }
      return fields;
    });
}

/** Calls the stream function itself, so the body can be read as it arrives. */
async function openStream(
  query: Record<string, string | number>,
  headers: Record<string, string>,
  signal?: AbortSignal,
): Promise<Response> {
  const url = new URL(`http://localhost:8888${streamFn.config.path}`);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, String(value));
  const context = { params: {}, ip: "10.0.0.1", requestId: crypto.randomUUID() } as unknown as Context;
  return streamFn.default(new Request(url, { headers, signal }), context);
}

const bearer = (account: Account) => ({ authorization: `Bearer ${account.accessToken}` });

describe("GET /api/events", () => {
  it("answers the tenant's events oldest first, with seq, type, resource and payload, in one statement", async () => {
    const owner = await registerTenant("events-read");
    await append(owner, [messageEvent("m1", { text: "hello" })]);
    await append(owner, [
      { type: "conversation:updated", resourceType: "conversation", resourceId: "c1", payload: { status: "open" } },
      messageEvent("m2"),
    ]);
    const res = await poll(owner);
    expect(res.status, res.text).toBe(200);
    expect(res.statements).toBe(1);
    expect(res.body.data).toEqual({
      events: [
        {
          seq: 1,
          type: "message:new",
          resourceType: "message",
          resourceId: "m1",
          payload: { id: "m1", text: "hello" },
          createdAt: expect.any(String),
        },
        expect.objectContaining({
          seq: 2,
          type: "conversation:updated",
          resourceId: "c1",
          payload: { status: "open" },
        }),
        expect.objectContaining({ seq: 3, type: "message:new", resourceId: "m2" }),
      ],
      lastSeq: 3,
      hasMore: false,
    });
    expect(new Date(res.body.data.events[0].createdAt).toISOString()).toBe(res.body.data.events[0].createdAt);
  });

  it("answers only the events after `after`, at most `limit`, saying whether more follow", async () => {
    const owner = await registerTenant("events-after");
    await append(
      owner,
      ["a", "b", "c", "d", "e"].map((id) => messageEvent(id)),
    );
    const page = await poll(owner, { after: 1, limit: 2 });
    expect(page.body.data.events.map((event: { seq: number }) => event.seq)).toEqual([2, 3]);
    expect(page.body.data).toMatchObject({ lastSeq: 3, hasMore: true });
    const rest = await poll(owner, { after: page.body.data.lastSeq, limit: 2 });
    expect(rest.body.data.events.map((event: { resourceId: string }) => event.resourceId)).toEqual(["d", "e"]);
    expect(rest.body.data).toMatchObject({ lastSeq: 5, hasMore: false });
    const caughtUp = await poll(owner, { after: 5 });
    expect(caughtUp.body.data).toEqual({ events: [], lastSeq: 5, hasMore: false });
  });

  it("answers a waiting request as soon as an event is committed", async () => {
    const owner = await registerTenant("events-wake");
    const started = Date.now();
    const waiting = poll(owner, { wait: 10 });
    await sleep(300);
    await append(owner, [messageEvent("woke")]);
    const res = await waiting;
    const took = Date.now() - started;
    expect(res.status).toBe(200);
    expect(res.body.data.events.map((event: { resourceId: string }) => event.resourceId)).toEqual(["woke"]);
    expect(res.body.data.lastSeq).toBe(1);
    // Polls at 0, 250 and 750 ms: the event, committed at 300 ms, is seen by the third at the latest.
    expect(took).toBeGreaterThanOrEqual(300);
    expect(took).toBeLessThan(2000);
  });

  it("answers empty after the wait, with one statement per poll", async () => {
    const owner = await registerTenant("events-empty");
    await append(owner, [messageEvent("old")]);
    const started = Date.now();
    const res = await poll(owner, { after: 1, wait: 1.2 });
    const took = Date.now() - started;
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ events: [], lastSeq: 1, hasMore: false });
    expect(took).toBeGreaterThanOrEqual(1200);
    expect(took).toBeLessThan(2500);
    // Polls at 0, 250, 750 and 1200 ms (the intervals grow from 250 ms to 1 s); a timer a millisecond
    // early on the wall clock adds one.
    expect([4, 5]).toContain(res.statements);
  });

  it("does not wait without `wait`", async () => {
    const owner = await registerTenant("events-nowait");
    const started = Date.now();
    const res = await poll(owner, { after: 0 });
    expect(res.body.data).toEqual({ events: [], lastSeq: 0, hasMore: false });
    expect(res.statements).toBe(1);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it.each([
    ["a negative after", { after: -1 }, "query.after"],
    ["a fractional after", { after: 1.5 }, "query.after"],
    ["an after beyond safe integers", { after: "9007199254740993" }, "query.after"],
    ["a text after", { after: "latest" }, "query.after"],
    ["a wait over 20 s", { wait: 21 }, "query.wait"],
    ["a negative wait", { wait: -1 }, "query.wait"],
    ["a limit over 500", { limit: 501 }, "query.limit"],
    ["a zero limit", { limit: 0 }, "query.limit"],
    ["an unknown parameter", { since: 1 }, "query"],
  ])("answers 400 to %s", async (_name, query, path) => {
    const owner = await registerTenant("events-invalid");
    const res = await poll(owner, query);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
    expect(res.body.error.details[0].path).toBe(path);
  });

  it("never answers another tenant's events, and numbers each tenant's feed on its own", async () => {
    const a = await registerTenant("events-iso-a");
    const b = await registerTenant("events-iso-b");
    await append(a, [messageEvent("secret-of-a", { text: "a's secret" })]);
    await append(b, [messageEvent("b-1")]);
    const asB = await poll(b, { wait: 0.3 });
    expect(asB.body.data.events).toEqual([expect.objectContaining({ seq: 1, resourceId: "b-1" })]);
    expect(asB.text).not.toContain("secret");
    const keyOfB = await createApiKey(b, ["read"]);
    const asKey = await call(eventsFn, { apiKey: keyOfB.key, query: { after: 0 } });
    expect(asKey.body.data.events.map((event: { resourceId: string }) => event.resourceId)).toEqual(["b-1"]);
    // A waiting reader of B is not woken by A's events.
    const waiting = poll(b, { after: 1, wait: 0.8 });
    await sleep(100);
    await append(a, [messageEvent("later-of-a")]);
    expect((await waiting).body.data.events).toEqual([]);
  });

  it("gives concurrent appends gap-free numbers in commit order, so a reader misses none (5 rounds)", async () => {
    const { driver } = await getDatabase();
    const owner = await registerTenant("events-concurrent");
    const db = await getDb();
    let total = 0;
    for (let round = 0; round < 5; round++) {
      const seen: { seq: number; resourceId: string }[] = [];
      let writing = true;
      // A reader following the feed while the writers commit: it must see every event exactly once.
      const reader = (async () => {
        for (let after = total; ; ) {
          const writersDone = !writing;
          const res = await poll(owner, { after, limit: 500 });
          seen.push(...res.body.data.events);
          after = res.body.data.lastSeq;
          if (writersDone && res.body.data.events.length === 0) break;
        }
      })();
      // Ten transactions of three events each, holding their lock a random moment before committing.
      await Promise.all(
        Array.from({ length: 10 }, (_, writer) =>
          db.transaction(async (tx) => {
            await appendEvents(
              tx,
              owner.tenantId,
              [0, 1, 2].map((index) => messageEvent(`r${round}-w${writer}-${index}`)),
            );
            await sleep(Math.random() * 20);
          }),
        ),
      );
      writing = false;
      await reader;
      const expected = Array.from({ length: 30 }, (_, index) => total + index + 1);
      expect(
        seen.map((event) => event.seq),
        `round ${round} on ${driver}`,
      ).toEqual(expected);
      // Each transaction's events are consecutive and in the order given.
      for (let start = 0; start < 30; start += 3) {
        const prefix = seen[start]!.resourceId.replace(/-0$/, "");
        expect(seen.slice(start, start + 3).map((event) => event.resourceId)).toEqual(
          [0, 1, 2].map((index) => `${prefix}-${index}`),
        );
      }
      total += 30;
    }
  });
});

describe("GET /api/events/stream", () => {
  it("streams the events as Server-Sent Events with id: lines, then ends by itself", async () => {
    const owner = await registerTenant("stream-read");
    await append(owner, [messageEvent("s1", { text: "first" }), messageEvent("s2")]);
    const started = Date.now();
    const res = await call(streamFn, { token: owner.accessToken, query: { wait: 1 } });
    const took = Date.now() - started;
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-request-id")).toBeTruthy();
    const blocks = parseSse(res.text);
    expect(blocks[0]).toEqual({ retry: "1000" });
    expect(blocks.slice(1)).toEqual([
      { id: "1", event: "message:new", data: expect.any(String) },
      { id: "2", event: "message:new", data: expect.any(String) },
    ]);
    expect(JSON.parse(blocks[1]!.data!)).toEqual({
      seq: 1,
      type: "message:new",
      resourceType: "message",
      resourceId: "s1",
      payload: { id: "s1", text: "first" },
      createdAt: expect.any(String),
    });
    expect(took).toBeGreaterThanOrEqual(1000);
    expect(took).toBeLessThan(2500);
  });

  it("ends on time however many events are waiting, and the reconnect resumes after the last one sent", async () => {
    const owner = await registerTenant("stream-backlog");
    await append(
      owner,
      Array.from({ length: 250 }, (_, index) => messageEvent(`b${index}`)),
    );
    const first = parseSse((await call(streamFn, { token: owner.accessToken, query: { wait: 0 } })).text);
    const sent = first.filter((block) => block.id !== undefined);
    // One batch of the backlog, then the end: the deadline is checked after every batch.
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.length).toBeLessThan(250);
    const lastId = sent.at(-1)!.id!;
    const next = parseSse(
      (await call(streamFn, { token: owner.accessToken, query: { wait: 0 }, headers: { "last-event-id": lastId } }))
        .text,
    );
    expect(next.find((block) => block.id !== undefined)?.id).toBe(String(Number(lastId) + 1));
  });

  it("sends an event committed while the stream is open, before it ends", async () => {
    const owner = await registerTenant("stream-live");
    const response = await openStream({ wait: 5 }, bearer(owner));
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    expect((await reader.read()).value).toBe("retry: 1000\n\n");
    const started = Date.now();
    setTimeout(() => void append(owner, [messageEvent("live")]), 300);
    const { value } = await reader.read();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(parseSse(value!)).toEqual([{ id: "1", event: "message:new", data: expect.stringContaining('"live"') }]);
    await reader.cancel();
  });

  it("resumes after Last-Event-ID, which wins over ?after=", async () => {
    const owner = await registerTenant("stream-resume");
    await append(
      owner,
      ["r1", "r2", "r3", "r4"].map((id) => messageEvent(id)),
    );
    const resumed = await call(streamFn, {
      token: owner.accessToken,
      query: { wait: 0, after: 1 },
      headers: { "last-event-id": "3" },
    });
    expect(parseSse(resumed.text).map((block) => block.id)).toEqual([undefined, "4"]);
    const fromAfter = await call(streamFn, { token: owner.accessToken, query: { wait: 0, after: 2 } });
    expect(parseSse(fromAfter.text).map((block) => block.id)).toEqual([undefined, "3", "4"]);
  });

  it.each([
    ["a negative", "-1"],
    ["a text", "latest"],
    ["a fractional", "1.5"],
  ])("answers 400 to %s Last-Event-ID", async (_name, lastEventId) => {
    const owner = await registerTenant("stream-bad-id");
    const res = await call(streamFn, {
      token: owner.accessToken,
      query: { wait: 0 },
      headers: { "last-event-id": lastEventId },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe("headers.last-event-id");
  });

  it("answers 400 to a wait over 25 s", async () => {
    const owner = await registerTenant("stream-bad-wait");
    const res = await call(streamFn, { token: owner.accessToken, query: { wait: 26 } });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe("query.wait");
  });

  it("sends a comment heartbeat while the feed is quiet", async () => {
    const owner = await registerTenant("stream-heartbeat");
    const db = await getDb();
    const ctx = {
      db,
      caller: { kind: "user", tenantId: owner.tenantId, userId: owner.userId, role: "owner" },
    } as const;
    const body = streamEvents(
      { ...ctx, requestId: "test", ip: "10.0.0.1" },
      { after: 0, seconds: 1, heartbeatMs: 300 },
    );
    const text = await new Response(body).text();
    const heartbeats = parseSse(text).filter((block) => block.comment === "heartbeat");
    expect(heartbeats.length).toBeGreaterThanOrEqual(2);
    expect(heartbeats.length).toBeLessThanOrEqual(3);
  });

  it("stops polling when the client goes away", async () => {
    const owner = await registerTenant("stream-cancel");
    for (const disconnect of ["cancel", "abort"] as const) {
      const aborter = new AbortController();
      const response = await openStream({ wait: 10 }, bearer(owner), aborter.signal);
      const reader = response.body!.getReader();
      await reader.read();
      await sleep(300);
      if (disconnect === "cancel") await reader.cancel();
      else aborter.abort();
      // A poll under way may still finish; after it, no more statements (other files run in other processes).
      await sleep(300);
      const before = statementCounter.count;
      await sleep(1200);
      expect(statementCounter.count, disconnect).toBe(before);
    }
  });

  it("never streams another tenant's events", async () => {
    const a = await registerTenant("stream-iso-a");
    const b = await registerTenant("stream-iso-b");
    await append(a, [messageEvent("a-secret")]);
    await append(b, [messageEvent("b-own")]);
    const res = await call(streamFn, { token: b.accessToken, query: { wait: 0 } });
    expect(res.text).toContain("b-own");
    expect(res.text).not.toContain("a-secret");
  });

  describe("?access_token= (EventSource cannot send headers)", () => {
    it("authenticates a member on this route, and leaves the URL", async () => {
      const owner = await registerTenant("stream-query-token");
      await append(owner, [messageEvent("q1")]);
      const res = await call(streamFn, { query: { wait: 0, access_token: owner.accessToken } });
      expect(res.status, res.text).toBe(200);
      expect(parseSse(res.text).map((block) => block.id)).toEqual([undefined, "1"]);
    });

    it("answers 401 to an invalid token, an API key or a malformed value in the query", async () => {
      const owner = await registerTenant("stream-query-bad");
      const { key } = await createApiKey(owner, ["read"]);
      // A forged JWT, an API key, and values no header could carry (trailing space, beyond Latin-1).
      for (const token of ["not.a.jwt", key, "Bearer 1 ", "to\u202eken"]) {
        const res = await call(streamFn, { query: { wait: 0, access_token: token } });
        expect(res.status).toBe(401);
        expect(res.body.error.code).toBe("UNAUTHORIZED");
      }
    });

    it("is not accepted by any other route", async () => {
      const owner = await registerTenant("stream-query-elsewhere");
      const events = await call(eventsFn, { query: { access_token: owner.accessToken } });
      expect(events.status).toBe(401);
      const users = await call(usersFn, { query: { access_token: owner.accessToken } });
      expect(users.status).toBe(401);
    });
  });
});
