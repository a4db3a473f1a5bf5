import { and, asc, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { getDatabase, getDb } from "../../db/client";
import {
  campaignRuns,
  campaigns,
  conversations,
  events,
  messages,
  prospectConversations,
  prospects,
  queuedLeads,
} from "../../db/schema";
import * as inboxConversationFn from "../../netlify/functions/inbox-conversations-id";
import * as conversationsFn from "../../netlify/functions/sales-prospects-id-conversations";
import { type Account, addMember, createApiKey, registerTenant } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";

type Conversation = {
  id: string;
  channelType: string;
  outcome: string | null;
  prospectId: string;
  campaignId: string | null;
  campaignRunId: string | null;
  queuedLeadId: string | null;
  isLive: boolean;
  endedAt: string | null;
  messageCount: number;
} & Record<string, unknown>;

/** n statements in a transaction, plus the BEGIN and COMMIT the server drivers count (as tests/sales/appointments.test.ts). */
const inTransaction = async (n: number) => n + ((await getDatabase()).driver === "pglite" ? 0 : 2);

const path = (prospectId: string) => `/api/prospects/${prospectId}/conversations`;

async function newProspect(account: Account, fields: Partial<typeof prospects.$inferInsert> = {}) {
  const [row] = await (await getDb())
    .insert(prospects)
    .values({ tenantId: account.tenantId, name: "Pat Prospect", ...fields })
    .returning();
  return row as typeof prospects.$inferSelect;
}

const storedProspect = async (id: string) =>
  (await (await getDb()).select().from(prospects).where(eq(prospects.id, id)))[0];

async function record(account: Account, prospectId: string, body: Record<string, unknown> = {}): Promise<Conversation> {
  const res = await call(conversationsFn, {
    method: "POST",
    path: path(prospectId),
    token: account.accessToken,
    body: { channel: "phone", ...body },
  });
  expect(res.status, res.text).toBe(201);
  return res.body.data;
}

let owner: Account;
let other: Account;
let rep: Account;
let otherRep: Account;
let qa: Account;
beforeAll(async () => {
  owner = await registerTenant("sales-conversations");
  other = await registerTenant("sales-conversations-other");
  [rep, otherRep, qa] = await Promise.all([
    addMember(owner, "sales_rep"),
    addMember(owner, "sales_rep"),
    addMember(owner, "qa_supervisor"),
  ]);
});

describe("POST /api/prospects/:id/conversations", () => {
  it("records an inbox conversation linked to the prospect, takes spec 001's names, and announces it", async () => {
    const prospect = await newProspect(owner);
    const res = await call(conversationsFn, {
      method: "POST",
      path: path(prospect.id),
      token: owner.accessToken,
      body: {
        channel: "WHATSAPP",
        outcome: "qualified",
        sentiment: "positive",
        summary: "Wants a villa",
        transcript: "AI: Hello\nPat: Hi",
        duration: 125,
        ai_confidence: 0.82,
        handoff_suggested: true,
        timestamp: "2030-03-01T09:00:00Z",
      },
    });
    expect(res.status, res.text).toBe(201);
    const conversation = res.body.data;
    expect(conversation).toMatchObject({
      channelType: "whatsapp",
      status: "open",
      outcome: "qualified",
      sentiment: "positive",
      summary: "Wants a villa",
      transcript: "AI: Hello\nPat: Hi",
      durationSeconds: 125,
      aiConfidence: 0.82,
      handoffSuggested: true,
      startedAt: "2030-03-01T09:00:00.000Z",
      messageCount: 0,
      prospectId: prospect.id,
      campaignId: null,
      campaignRunId: null,
      queuedLeadId: null,
      isLive: true,
      stage: null,
      endedAt: null,
    });
    expect(conversation).not.toHaveProperty("tenantId");
    const [stored] = await (await getDb())
      .select()
      .from(prospectConversations)
      .where(eq(prospectConversations.conversationId, conversation.id));
    expect(stored).toMatchObject({ tenantId: owner.tenantId, prospectId: prospect.id });
    const announced = await (await getDb())
      .select()
      .from(events)
      .where(and(eq(events.tenantId, owner.tenantId), eq(events.resourceId, conversation.id)));
    expect(announced.map((event) => event.type)).toEqual(["conversation:updated"]);
  });

  it("moves a new prospect to contacted, and never moves one further along back", async () => {
    const fresh = await newProspect(owner);
    const qualified = await newProspect(owner, { status: "qualified" });
    await record(owner, fresh.id);
    await record(owner, qualified.id);
    expect((await storedProspect(fresh.id))?.status).toBe("contacted");
    expect((await storedProspect(qualified.id))?.status).toBe("qualified");
  });

  it("records an ended conversation with isLive false", async () => {
    const prospect = await newProspect(owner);
    const conversation = await record(owner, prospect.id, { isLive: false, outcome: "voicemail" });
    expect(conversation.isLive).toBe(false);
    expect(Date.now() - new Date(conversation.endedAt as string).getTime()).toBeLessThan(60_000);
  });

  it("stores the transcript's messages in order as inbox messages, which the inbox's conversation shows", async () => {
    const prospect = await newProspect(owner);
    const said = [
      { sender: "ai", text: "Hello, this is Aria from Homes", timestamp: "2030-03-01T09:00:00Z" },
      { sender: "customer", text: "Hi, I want a villa", timestamp: "2030-03-01T09:00:05Z", direction: "inbound" },
      { sender: "ai", text: "What is your budget?", timestamp: "2030-03-01T09:00:09.500Z" },
      { sender: "customer", text: "About 2 million", timestamp: "2030-03-01T09:00:09.501Z" },
      { sender: "AGENT", text: "I can show you three", timestamp: "2030-03-01T09:01:00Z", direction: "OUTBOUND" },
    ];
    const conversation = await record(owner, prospect.id, { messages: said });
    expect(conversation.messageCount).toBe(said.length);
    expect(conversation.lastMessageAt).toBe("2030-03-01T09:01:00.000Z");
    const stored = await (await getDb())
      .select()
      .from(messages)
      .where(eq(messages.conversationId, conversation.id))
      .orderBy(asc(messages.timestamp), asc(messages.id));
    expect(
      stored.map(({ sender, direction, text, status, contentType }) => ({
        sender,
        direction,
        text,
        status,
        contentType,
      })),
    ).toEqual([
      { sender: "ai", direction: "outbound", text: said[0]?.text, status: "delivered", contentType: "text" },
      { sender: "customer", direction: "inbound", text: said[1]?.text, status: "delivered", contentType: "text" },
      { sender: "ai", direction: "outbound", text: said[2]?.text, status: "delivered", contentType: "text" },
      { sender: "customer", direction: "inbound", text: said[3]?.text, status: "delivered", contentType: "text" },
      { sender: "agent", direction: "outbound", text: said[4]?.text, status: "delivered", contentType: "text" },
    ]);
    const inbox = await call(inboxConversationFn, {
      path: `/api/conversations/${conversation.id}`,
      token: owner.accessToken,
    });
    expect(inbox.status).toBe(200);
    expect(inbox.body.data.messages.map((message: { text: string }) => message.text)).toEqual(said.map((m) => m.text));
  });

  it.each([
    ["an unknown field", { mood: "happy" }],
    ["a channel sales does not use", { channel: "instagram" }],
    ["an outcome spec 001 does not list", { outcome: "maybe" }],
    ["an AI confidence above 1", { aiConfidence: 1.5 }],
    ["a negative duration", { durationSeconds: -1 }],
    ["a bad queued lead id", { queuedLeadId: "lead-1", queuedLeadAttempt: 1 }],
    ["a queued lead id without its attempt", { queuedLeadId: crypto.randomUUID() }],
    ["an attempt without its queued lead", { queuedLeadAttempt: 1 }],
    ["attempt 0", { queuedLeadId: crypto.randomUUID(), queuedLeadAttempt: 0 }],
    [
      "a customer's message sent outbound",
      { messages: [{ sender: "customer", direction: "outbound", text: "Hi", timestamp: "2030-01-01T00:00:00Z" }] },
    ],
    ["an empty message", { messages: [{ sender: "ai", text: "", timestamp: "2030-01-01T00:00:00Z" }] }],
    ["a message without a time", { messages: [{ sender: "ai", text: "Hi" }] }],
    [
      "messages out of order",
      {
        messages: [
          { sender: "ai", text: "Second", timestamp: "2030-01-01T00:00:02Z" },
          { sender: "customer", text: "First", timestamp: "2030-01-01T00:00:01Z" },
        ],
      },
    ],
    [
      "two messages at one time",
      {
        messages: [
          { sender: "ai", text: "One", timestamp: "2030-01-01T00:00:01Z" },
          { sender: "customer", text: "Two", timestamp: "2030-01-01T00:00:01Z" },
        ],
      },
    ],
    [
      "501 messages",
      {
        messages: Array.from({ length: 501 }, (_, i) => ({
          sender: "ai",
          text: "x",
          timestamp: new Date(Date.UTC(2030, 0, 1) + i * 1000).toISOString(),
        })),
      },
    ],
  ])("refuses %s with 400 and records nothing", async (_name, change) => {
    const prospect = await newProspect(owner);
    const res = await call(conversationsFn, {
      method: "POST",
      path: path(prospect.id),
      token: owner.accessToken,
      body: { channel: "phone", ...change },
    });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
    expect((await storedProspect(prospect.id))?.status).toBe("new");
  });

  it("takes 500 messages in as many statements as one: the transcript is appended in one batch", async () => {
    const transcript = (length: number) =>
      Array.from({ length }, (_, i) => ({
        sender: i % 2 ? "customer" : "ai",
        text: `line ${i}`,
        timestamp: new Date(Date.UTC(2030, 0, 1) + i * 1000).toISOString(),
      }));
    const post = async (length: number) => {
      const res = await call(conversationsFn, {
        method: "POST",
        path: path((await newProspect(owner)).id),
        token: owner.accessToken,
        body: { channel: "phone", messages: transcript(length) },
      });
      expect(res.status, res.text).toBe(201);
      return res;
    };
    const one = await post(1);
    const many = await post(500);
    expect(many.body.data).toMatchObject({
      messageCount: 500,
      unreadCount: 250,
      lastMessageAt: transcript(500).at(-1)?.timestamp,
    });
    // The prospect's move, the conversation and its event, the link; the messages, their counters and
    // their events; the answer's read: 8 statements (plus BEGIN/COMMIT on server drivers), whatever the length.
    expect(many.statements).toBe(await inTransaction(8));
    expect(many.statements).toBe(one.statements);
  });

  it("answers 404 for an unknown prospect, another tenant's, and a bad id 400", async () => {
    const theirs = await newProspect(other);
    for (const id of [crypto.randomUUID(), theirs.id]) {
      const res = await call(conversationsFn, {
        method: "POST",
        path: path(id),
        token: owner.accessToken,
        body: { channel: "phone" },
      });
      expect(res.status).toBe(404);
    }
    const bad = await call(conversationsFn, {
      method: "POST",
      path: path("nope"),
      token: owner.accessToken,
      body: { channel: "phone" },
    });
    expect(bad.status).toBe(400);
    expect((await storedProspect(theirs.id))?.status).toBe("new");
  });

  it("lets a rep record for their own prospects only, an AI agent key for any, and no QA supervisor", async () => {
    const mine = await newProspect(owner, { assignedTo: rep.userId });
    expect((await record(rep, mine.id)).prospectId).toBe(mine.id);
    const refused = await call(conversationsFn, {
      method: "POST",
      path: path(mine.id),
      token: otherRep.accessToken,
      body: { channel: "phone" },
    });
    expect(refused.status).toBe(404);
    const byQa = await call(conversationsFn, {
      method: "POST",
      path: path(mine.id),
      token: qa.accessToken,
      body: { channel: "phone" },
    });
    expect(byQa.status).toBe(403);
    const { key } = await createApiKey(owner, ["ai-agent"]);
    const byAgent = await call(conversationsFn, {
      method: "POST",
      path: path(mine.id),
      apiKey: key,
      body: { channel: "sms" },
    });
    expect(byAgent.status, byAgent.text).toBe(201);
  });
});

describe("a campaign's queued lead", () => {
  /** A campaign (3 attempts, retried after 90 minutes), its running run, and a lead of a new prospect in the given state. */
  async function leadOf(account: Account, lead: Partial<typeof queuedLeads.$inferInsert> = {}) {
    const db = await getDb();
    const prospect = await newProspect(account);
    const [campaign] = await db
      .insert(campaigns)
      .values({ tenantId: account.tenantId, name: "Spring", status: "active", maxAttempts: 3, retryDelayMinutes: 90 })
      .returning();
    const [run] = await db
      .insert(campaignRuns)
      .values({ tenantId: account.tenantId, campaignId: campaign?.id as string })
      .returning();
    const [row] = await db
      .insert(queuedLeads)
      .values({
        tenantId: account.tenantId,
        campaignId: campaign?.id as string,
        prospectId: prospect.id,
        status: "contacting",
        attempts: 1,
        runId: run?.id,
        claimedUntil: new Date(Date.now() + 600_000),
        ...lead,
      })
      .returning();
    return {
      prospect,
      campaign: campaign as typeof campaigns.$inferSelect,
      run,
      lead: row as typeof queuedLeads.$inferSelect,
    };
  }
  const storedLead = async (id: string) =>
    (await (await getDb()).select().from(queuedLeads).where(eq(queuedLeads.id, id)))[0];

  it.each([
    ["connected", 1, "done"],
    ["appointment_booked", 3, "done"],
    ["not_interested", 1, "done"],
    ["wrong_number", 1, "done"],
    ["voicemail", 3, "exhausted"],
    ["busy", 4, "exhausted"],
    [undefined, 3, "exhausted"],
  ])(
    "with outcome %s at attempt %i becomes %s, linking the conversation to its campaign and run",
    async (outcome, attempts, status) => {
      const { prospect, campaign, run, lead } = await leadOf(owner, { attempts });
      const conversation = await record(owner, prospect.id, {
        queuedLeadId: lead.id,
        queuedLeadAttempt: attempts,
        outcome,
      });
      expect(conversation).toMatchObject({ campaignId: campaign.id, campaignRunId: run?.id, queuedLeadId: lead.id });
      const after = await storedLead(lead.id);
      expect(after).toMatchObject({ status, attempts, result: outcome ?? null, claimedUntil: null, runId: run?.id });
      // Only a requeued lead waits again: a finished one keeps its time.
      expect(after?.nextAttemptAt).toEqual(lead.nextAttemptAt);
      expect((await storedProspect(prospect.id))?.status).toBe("contacted");
    },
  );

  it.each([
    ["no_answer", "no_answer"],
    ["failed", "failed"],
    ["no outcome", undefined],
  ])("with %s and attempts left is queued again retryDelayMinutes later", async (_name, outcome) => {
    const { prospect, lead } = await leadOf(owner, { attempts: 2 });
    const before = Date.now();
    await record(owner, prospect.id, { queuedLeadId: lead.id, queuedLeadAttempt: 2, outcome });
    const after = await storedLead(lead.id);
    expect(after).toMatchObject({ status: "queued", attempts: 2, result: outcome ?? null, claimedUntil: null });
    const wait = (after?.nextAttemptAt.getTime() ?? 0) - before;
    expect(wait).toBeGreaterThan(89 * 60_000);
    expect(wait).toBeLessThan(91 * 60_000);
  });

  it.each(["queued", "done", "exhausted", "removed"] as const)(
    "answers 409 for a lead that is %s, recording nothing",
    async (status) => {
      const { prospect, lead } = await leadOf(owner, { status });
      const res = await call(conversationsFn, {
        method: "POST",
        path: path(prospect.id),
        token: owner.accessToken,
        body: { channel: "phone", queuedLeadId: lead.id, queuedLeadAttempt: lead.attempts, outcome: "connected" },
      });
      expect(res.status, res.text).toBe(409);
      expect(res.body.error.code).toBe("CONFLICT");
      expect(await storedLead(lead.id)).toEqual(lead);
      expect((await storedProspect(prospect.id))?.status).toBe("new");
      const linked = await (await getDb())
        .select()
        .from(prospectConversations)
        .where(eq(prospectConversations.prospectId, prospect.id));
      expect(linked).toEqual([]);
    },
  );

  it.each([
    ["after its claim expired", { claimedUntil: new Date(Date.now() - 1000) }, 1, /^The claim on this lead expired/],
    ["of an earlier claim", { attempts: 2 }, 1, /^The lead is at attempt 2, not 1: the claim on this lead expired/],
    ["of a later claim than the lead's", {}, 2, /^The lead is at attempt 1, not 2/],
  ])("answers 409 for a report %s, recording nothing", async (_name, lead, attempt, message) => {
    const { prospect, lead: before } = await leadOf(owner, lead);
    const res = await call(conversationsFn, {
      method: "POST",
      path: path(prospect.id),
      token: owner.accessToken,
      body: { channel: "phone", queuedLeadId: before.id, queuedLeadAttempt: attempt, outcome: "connected" },
    });
    expect(res.status, res.text).toBe(409);
    expect(res.body.error.message).toMatch(message);
    expect(res.body.error.message).toMatch(/record the conversation without queuedLeadId$/);
    expect(await storedLead(before.id)).toEqual(before);
    expect((await storedProspect(prospect.id))?.status).toBe("new");
    const linked = await (await getDb())
      .select()
      .from(prospectConversations)
      .where(eq(prospectConversations.prospectId, prospect.id));
    expect(linked).toEqual([]);
  });

  it("answers 404 for another prospect's lead, an unknown one and another tenant's", async () => {
    const { lead: othersLead } = await leadOf(owner);
    const { lead: theirs } = await leadOf(other);
    const prospect = await newProspect(owner);
    for (const queuedLeadId of [othersLead.id, theirs.id, crypto.randomUUID()]) {
      const res = await call(conversationsFn, {
        method: "POST",
        path: path(prospect.id),
        token: owner.accessToken,
        body: { channel: "phone", queuedLeadId, queuedLeadAttempt: 1 },
      });
      expect(res.status).toBe(404);
    }
    expect(await storedLead(othersLead.id)).toEqual(othersLead);
    expect(await storedLead(theirs.id)).toEqual(theirs);
  });

  it("records one attempt when the same lead is recorded twice at once: the other is 409", async () => {
    const { prospect, lead } = await leadOf(owner);
    const results = await Promise.all(
      [0, 1].map(() =>
        call(conversationsFn, {
          method: "POST",
          path: path(prospect.id),
          token: owner.accessToken,
          body: { channel: "phone", queuedLeadId: lead.id, queuedLeadAttempt: 1, outcome: "connected" },
        }),
      ),
    );
    expect(results.map((res) => res.status).sort()).toEqual([201, 409]);
    const linked = await (await getDb())
      .select()
      .from(prospectConversations)
      .where(eq(prospectConversations.queuedLeadId, lead.id));
    expect(linked).toHaveLength(1);
  });
});

describe("GET /api/prospects/:id/conversations", () => {
  let shop: Account;
  let prospect: typeof prospects.$inferSelect;
  let campaignId: string;
  let list: Record<"first" | "second" | "third" | "fourth", Conversation>;
  beforeAll(async () => {
    shop = await registerTenant("sales-conversations-list");
    prospect = await newProspect(shop);
    const db = await getDb();
    const [campaign] = await db.insert(campaigns).values({ tenantId: shop.tenantId, name: "List" }).returning();
    campaignId = campaign?.id as string;
    const first = await record(shop, prospect.id, { channel: "phone", outcome: "voicemail", isLive: false });
    const second = await record(shop, prospect.id, { channel: "whatsapp", outcome: "qualified" });
    const third = await record(shop, prospect.id, { channel: "phone", outcome: "qualified", isLive: false });
    const fourth = await record(shop, prospect.id, { channel: "email" });
    // A campaign's call, as a queued lead's record links it.
    await db
      .update(prospectConversations)
      .set({ campaignId })
      .where(eq(prospectConversations.conversationId, third.id));
    list = { first, second, third, fourth };
    // Another prospect's conversation, which no page of this one shows.
    await record(shop, (await newProspect(shop)).id);
  });
  const ids = (res: { body: { data: { id: string }[] } }) => res.body.data.map((item) => item.id);
  const get = (query: Record<string, string | number | boolean> = {}, token = shop.accessToken) =>
    call(conversationsFn, { path: path(prospect.id), token, query });

  it("lists the prospect's conversations newest first, with the link's fields, in one statement", async () => {
    const res = await get();
    expect(res.status).toBe(200);
    expect(ids(res)).toEqual([list.fourth.id, list.third.id, list.second.id, list.first.id]);
    expect(res.body.pagination).toMatchObject({ total: 4, totalIsExact: true, hasMore: false });
    expect(res.body.data[1]).toMatchObject({ channelType: "phone", outcome: "qualified", campaignId, isLive: false });
    expect(res.body.data[0]).toEqual(list.fourth);
    expect(res.statements).toBe(1);
  });

  it.each([
    [{ channel: "phone" }, ["third", "first"]],
    [{ channel: "PHONE", outcome: "qualified" }, ["third"]],
    [{ outcome: "qualified" }, ["third", "second"]],
    [{ isLive: true }, ["fourth", "second"]],
    [{ isLive: false }, ["third", "first"]],
    [{ channel: "sms" }, []],
  ] as const)("filters by %j", async (query, expected) => {
    const res = await get(query);
    expect(res.status).toBe(200);
    expect(ids(res)).toEqual(expected.map((name) => list[name].id));
    expect(res.body.pagination.total).toBe(expected.length);
  });

  it("filters by campaign", async () => {
    expect(ids(await get({ campaignId }))).toEqual([list.third.id]);
  });

  it("pages by offset and by cursor", async () => {
    const page1 = await get({ limit: 3 });
    expect(ids(page1)).toEqual([list.fourth.id, list.third.id, list.second.id]);
    expect(page1.body.pagination).toMatchObject({ total: 4, hasMore: true });
    const byOffset = await get({ limit: 3, offset: 3 });
    expect(ids(byOffset)).toEqual([list.first.id]);
    const byCursor = await get({ limit: 3, cursor: page1.body.pagination.nextCursor });
    expect(ids(byCursor)).toEqual([list.first.id]);
    expect(byCursor.body.pagination.hasMore).toBe(false);
  });

  it.each([
    [{ limit: 0 }],
    [{ limit: 101 }],
    [{ channel: "fax" }],
    [{ outcome: "maybe" }],
    [{ campaignId: "not-a-uuid" }],
    [{ isLive: "yes" }],
    [{ sort: "oldest" }],
  ])("refuses %j with 400", async (query) => {
    const res = await get(query);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
  });

  it("answers 404 for an unknown prospect and another tenant's", async () => {
    for (const id of [crypto.randomUUID(), (await newProspect(other)).id]) {
      const res = await call(conversationsFn, { path: path(id), token: shop.accessToken });
      expect(res.status).toBe(404);
    }
  });

  it("shows a prospect with no conversations as an empty page", async () => {
    const res = await call(conversationsFn, { path: path((await newProspect(shop)).id), token: shop.accessToken });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ data: [], pagination: { total: 0 } });
  });

  it("shows a rep their own prospects' conversations only; QA supervisors and read keys read any", async () => {
    const mine = await newProspect(owner, { assignedTo: rep.userId });
    const conversation = await record(owner, mine.id);
    const own = await call(conversationsFn, { path: path(mine.id), token: rep.accessToken });
    expect(own.status).toBe(200);
    expect(ids(own)).toEqual([conversation.id]);
    expect((await call(conversationsFn, { path: path(mine.id), token: otherRep.accessToken })).status).toBe(404);
    expect(ids(await call(conversationsFn, { path: path(mine.id), token: qa.accessToken }))).toEqual([conversation.id]);
    const { key } = await createApiKey(owner, ["read"]);
    expect(ids(await call(conversationsFn, { path: path(mine.id), apiKey: key }))).toEqual([conversation.id]);
    const agent = await addMember(owner, "agent");
    expect((await call(conversationsFn, { path: path(mine.id), token: agent.accessToken })).status).toBe(403);
  });

  it("keeps the inbox conversation's own fields as the inbox has them", async () => {
    const [row] = await (await getDb()).select().from(conversations).where(eq(conversations.id, list.second.id));
    expect(list.second).toMatchObject({
      id: row?.id,
      channelType: row?.channelType,
      createdAt: row?.createdAt.toISOString(),
    });
  });
});
