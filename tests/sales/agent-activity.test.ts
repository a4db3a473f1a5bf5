import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "../../db/client";
import { conversations, detectedEntities, events, prospectConversations, prospects } from "../../db/schema";
import * as inboxConversationFn from "../../netlify/functions/inbox-conversations-id";
import * as activityFn from "../../netlify/functions/sales-conversations-id-agent-activity";
import { type Account, addMember, createApiKey, registerTenant } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";

const path = (conversationId: string) => `/api/conversations/${conversationId}/agent-activity`;

/** A prospect with the fields given and a sales conversation of theirs, inserted directly (other routes own them). */
async function salesConversation(account: Account, fields: Partial<typeof prospects.$inferInsert> = {}) {
  const db = await getDb();
  const [prospect] = await db
    .insert(prospects)
    .values({ tenantId: account.tenantId, name: "Pat Prospect", ...fields })
    .returning();
  const [conversation] = await db
    .insert(conversations)
    .values({ tenantId: account.tenantId, channelType: "phone" })
    .returning();
  await db.insert(prospectConversations).values({
    tenantId: account.tenantId,
    conversationId: conversation?.id as string,
    prospectId: prospect?.id as string,
  });
  return { prospect: prospect as typeof prospects.$inferSelect, conversationId: conversation?.id as string };
}

const storedProspect = async (id: string) =>
  (await (await getDb()).select().from(prospects).where(eq(prospects.id, id)))[0];

let owner: Account;
let other: Account;
let agentKey: string;
let otherAgentKey: string;
beforeAll(async () => {
  owner = await registerTenant("agent-activity");
  other = await registerTenant("agent-activity-other");
  agentKey = (await createApiKey(owner, ["ai-agent"])).key;
  otherAgentKey = (await createApiKey(other, ["ai-agent"])).key;
});

const post = (conversationId: string, body: Record<string, unknown>, apiKey = agentKey) =>
  call(activityFn, { method: "POST", path: path(conversationId), apiKey, body });
const get = (conversationId: string, auth: { token?: string; apiKey?: string } = { apiKey: agentKey }) =>
  call(activityFn, { path: path(conversationId), ...auth });

describe("POST /api/conversations/:id/agent-activity", () => {
  it("records actions, entities, a score, plan steps, the live state and the conversation's fields in one go", async () => {
    const { prospect, conversationId } = await salesConversation(owner);
    const res = await post(conversationId, {
      actions: [
        { type: "called", description: "Outbound call", occurredAt: "2020-01-01T10:00:00Z" },
        { type: "sent_listing", payload: { propertyIds: ["p1", "p2"] } },
      ],
      entities: [
        { type: "budget", value: "2.5M", confidence: 0.9 },
        { type: "CITY", value: "Dubai" },
        { type: "email", value: "pat@example.test", confidence: 0.7 },
      ],
      score: { overall: 72, budget: 80, timeline: 60, intent: 75, engagement: 70, notes: "Warm" },
      planSteps: [
        { position: 0, description: "Greet", status: "completed" },
        { position: 1, description: "Qualify budget", status: "in_progress" },
        { position: 2, description: "Book a viewing" },
      ],
      state: { stage: "qualifying", data: { askedBudget: true } },
      outcome: "qualified",
      sentiment: "positive",
      aiConfidence: 0.8,
      handoffSuggested: true,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toEqual({
      conversationId,
      prospectId: prospect.id,
      recorded: {
        actions: 2,
        entities: 3,
        scores: 1,
        planSteps: 3,
        conversationFields: ["outcome", "sentiment", "aiConfidence", "handoffSuggested"],
      },
      state: { isLive: true, stage: "qualifying", state: { askedBudget: true }, endedAt: null },
      prospect: { budget: "2500000.00", timeline: null, city: "Dubai", preferredPropertyType: null, bedrooms: null },
      filled: ["budget", "city"],
    });

    const activity = await get(conversationId);
    expect(activity.status, activity.text).toBe(200);
    expect(activity.statements).toBe(2); // the API key's lookup, then the one read
    const data = activity.body.data;
    expect(data).toMatchObject({ conversationId, prospectId: prospect.id, isLive: true, stage: "qualifying" });
    expect(data.actions).toMatchObject([
      { type: "called", description: "Outbound call", payload: null, occurredAt: "2020-01-01T10:00:00.000Z" },
      { type: "sent_listing", description: null, payload: { propertyIds: ["p1", "p2"] } },
    ]);
    expect(data.actions[0]).not.toHaveProperty("tenantId");
    expect(data.entities.map((e: { type: string; value: string }) => [e.type, e.value])).toEqual([
      ["budget", "2.5M"],
      ["city", "Dubai"],
      ["email", "pat@example.test"],
    ]);
    expect(data.score).toMatchObject({
      overall: 72,
      budget: 80,
      timeline: 60,
      intent: 75,
      engagement: 70,
      notes: "Warm",
    });
    expect(data.scores).toHaveLength(1);
    expect(data.planSteps.map((s: { position: number; status: string }) => [s.position, s.status])).toEqual([
      [0, "completed"],
      [1, "in_progress"],
      [2, "pending"],
    ]);

    const inbox = await call(inboxConversationFn, {
      path: `/api/conversations/${conversationId}`,
      token: owner.accessToken,
    });
    expect(inbox.body.data).toMatchObject({
      outcome: "qualified",
      sentiment: "positive",
      aiConfidence: 0.8,
      handoffSuggested: true,
    });
    const announced = await (await getDb())
      .select()
      .from(events)
      .where(and(eq(events.tenantId, owner.tenantId), eq(events.resourceId, conversationId)));
    expect(announced.map((event) => event.type)).toEqual(["conversation:updated"]);
  });

  it("keeps a body's actions without a time in the order given", async () => {
    const { conversationId } = await salesConversation(owner);
    const types = Array.from({ length: 20 }, (_, i) => `step-${i}`);
    expect((await post(conversationId, { actions: types.map((type) => ({ type })) })).status).toBe(200);
    const listed = (await get(conversationId)).body.data.actions.map((action: { type: string }) => action.type);
    expect(listed).toEqual(types);
  });

  it("fills only the prospect's empty fields: a person's value is kept, and so is an earlier entity's", async () => {
    const { prospect, conversationId } = await salesConversation(owner, { city: "Abu Dhabi", timeline: "next year" });
    const first = await post(conversationId, {
      entities: [
        { type: "city", value: "Dubai" },
        { type: "timeline", value: "3 months" },
        { type: "budget", value: "2,000,000" },
        { type: "property_type", value: "Villas" },
        { type: "bedrooms", value: "4" },
      ],
    });
    expect(first.status, first.text).toBe(200);
    expect(first.body.data.prospect).toEqual({
      budget: "2000000.00",
      timeline: "next year",
      city: "Abu Dhabi",
      preferredPropertyType: "villa",
      bedrooms: 4,
    });
    expect(first.body.data.filled).toEqual(["budget", "preferredPropertyType", "bedrooms"]);
    const second = await post(conversationId, {
      entities: [
        { type: "budget", value: "3m" },
        { type: "bedrooms", value: "5" },
      ],
    });
    expect(second.body.data.filled).toEqual([]);
    expect(await storedProspect(prospect.id)).toMatchObject({
      city: "Abu Dhabi",
      timeline: "next year",
      budget: "2000000.00",
      preferredPropertyType: "villa",
      bedrooms: 4,
    });
    // Every entity is kept, whether or not it filled a field.
    const kept = await (await getDb())
      .select()
      .from(detectedEntities)
      .where(eq(detectedEntities.conversationId, conversationId));
    expect(kept).toHaveLength(7);
    expect(kept.every((entity) => entity.prospectId === prospect.id && entity.tenantId === owner.tenantId)).toBe(true);
  });

  it("takes the last entity of a type that reads as the field's", async () => {
    const { prospect, conversationId } = await salesConversation(owner);
    await post(conversationId, {
      entities: [
        { type: "budget", value: "1m" },
        { type: "budget", value: "1.5m" },
        { type: "budget", value: "somewhere around two" },
      ],
    });
    expect((await storedProspect(prospect.id))?.budget).toBe("1500000.00");
  });

  it("keeps a city longer than the prospects API takes as the entity alone: an earlier one that fits fills", async () => {
    const { prospect, conversationId } = await salesConversation(owner);
    const long = `Dubai ${"Marina ".repeat(20)}`.trim();
    const res = await post(conversationId, {
      entities: [
        { type: "city", value: "Dubai" },
        { type: "city", value: long },
      ],
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toMatchObject({ filled: ["city"], prospect: { city: "Dubai" } });
    expect((await storedProspect(prospect.id))?.city).toBe("Dubai");
    const kept = await (await getDb())
      .select({ value: detectedEntities.value })
      .from(detectedEntities)
      .where(eq(detectedEntities.conversationId, conversationId));
    expect(kept.map((entity) => entity.value).sort()).toEqual(["Dubai", long].sort());
  });

  it.each([
    ["2,000,000", "2000000.00"],
    ["2000000", "2000000.00"],
    ["2m", "2000000.00"],
    ["2.5M", "2500000.00"],
    ["1.15m", "1150000.00"],
    ["500k", "500000.00"],
    ["750 K", "750000.00"],
    ["1.2 million", "1200000.00"],
    ["3bn", "3000000000.00"],
    ["1250000.50", "1250000.50"],
    ["0", "0.00"],
    ["999999999999.99", "999999999999.99"],
    ["1,000,000,000,000", null],
    ["1.234", null],
    ["1.23456k", "1234.56"],
    ["1.234567k", null],
    ["two million", null],
    ["2-3m", null],
    ["$2m", null],
    ["2,00,000", null],
    ["-5", null],
    ["2 trillion", null],
    ["k", null],
  ])("reads the budget %j as %j", async (value, budget) => {
    const { prospect, conversationId } = await salesConversation(owner);
    const res = await post(conversationId, { entities: [{ type: "budget", value }] });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data.prospect.budget).toBe(budget);
    expect((await storedProspect(prospect.id))?.budget).toBe(budget);
  });

  it.each([
    ["property_type", "villa", { preferredPropertyType: "villa" }],
    ["property_type", "PENTHOUSES", { preferredPropertyType: "penthouse" }],
    ["property_type", " Townhouse ", { preferredPropertyType: "townhouse" }],
    ["property_type", "castle", { preferredPropertyType: null }],
    ["bedrooms", "3", { bedrooms: 3 }],
    ["bedrooms", "0", { bedrooms: 0 }],
    ["bedrooms", "3 bedrooms", { bedrooms: 3 }],
    ["bedrooms", "2BR", { bedrooms: 2 }],
    ["bedrooms", "100", { bedrooms: 100 }],
    ["bedrooms", "101", { bedrooms: null }],
    ["bedrooms", "2.5", { bedrooms: null }],
    ["bedrooms", "three", { bedrooms: null }],
    ["timeline", "within 6 months", { timeline: "within 6 months" }],
    ["city", "Ras Al Khaimah", { city: "Ras Al Khaimah" }],
    // The prospects API's caps: 100 characters of city, 200 of timeline; a longer value is never cut to fit.
    ["city", "C".repeat(100), { city: "C".repeat(100) }],
    ["city", "C".repeat(101), { city: null }],
    ["timeline", "T".repeat(200), { timeline: "T".repeat(200) }],
    ["timeline", "T".repeat(201), { timeline: null }],
    ["name", "Pat", { city: null, timeline: null }],
  ])("reads the %s %j into the prospect as %j", async (type, value, expected) => {
    const { prospect, conversationId } = await salesConversation(owner);
    const res = await post(conversationId, { entities: [{ type, value }] });
    expect(res.status, res.text).toBe(200);
    expect(await storedProspect(prospect.id)).toMatchObject(expected);
  });

  it("upserts plan steps by position", async () => {
    const { conversationId } = await salesConversation(owner);
    await post(conversationId, {
      planSteps: [
        { position: 1, description: "Qualify" },
        { position: 2, description: "Book" },
      ],
    });
    const res = await post(conversationId, {
      planSteps: [
        { position: 2, description: "Book a viewing on Saturday", status: "COMPLETED" },
        { position: 3, description: "Hand off" },
      ],
    });
    expect(res.body.data.recorded.planSteps).toBe(2);
    const steps = (await get(conversationId)).body.data.planSteps;
    expect(
      steps.map((s: { position: number; description: string; status: string }) => [
        s.position,
        s.description,
        s.status,
      ]),
    ).toEqual([
      [1, "Qualify", "pending"],
      [2, "Book a viewing on Saturday", "completed"],
      [3, "Hand off", "pending"],
    ]);
  });

  it("ends the conversation with isLive false (keeping the first end), and resumes it with true", async () => {
    const { conversationId } = await salesConversation(owner);
    const ended = await post(conversationId, { state: { isLive: false } });
    expect(ended.body.data.state.isLive).toBe(false);
    const endedAt = ended.body.data.state.endedAt;
    expect(Date.now() - new Date(endedAt).getTime()).toBeLessThan(60_000);
    const again = await post(conversationId, { state: { isLive: false, stage: "wrap-up" } });
    expect(again.body.data.state).toMatchObject({ isLive: false, stage: "wrap-up", endedAt });
    const resumed = await post(conversationId, { state: { isLive: true } });
    expect(resumed.body.data.state).toMatchObject({ isLive: true, stage: "wrap-up", endedAt: null });
    const cleared = await post(conversationId, { state: { stage: null, data: { step: 2 } } });
    expect(cleared.body.data.state).toMatchObject({ stage: null, state: { step: 2 } });
  });

  it("keeps every score; the latest is the current one", async () => {
    const { conversationId } = await salesConversation(owner);
    for (const overall of [40, 65, 90]) await post(conversationId, { score: { overall } });
    const data = (await get(conversationId)).body.data;
    expect(data.score.overall).toBe(90);
    expect(data.scores.map((s: { overall: number }) => s.overall)).toEqual([90, 65, 40]);
  });

  it.each([
    ["an empty body", {}],
    ["an unknown field", { mood: "happy" }],
    ["an empty list", { actions: [] }],
    ["101 actions", { actions: Array.from({ length: 101 }, () => ({ type: "x" })) }],
    ["101 entities", { entities: Array.from({ length: 101 }, () => ({ type: "city", value: "x" })) }],
    ["an unknown entity type", { entities: [{ type: "mood", value: "happy" }] }],
    ["a confidence above 1", { entities: [{ type: "city", value: "Dubai", confidence: 1.1 }] }],
    ["a score above 100", { score: { overall: 101 } }],
    ["a score without overall", { score: { budget: 50 } }],
    ["a fractional score", { score: { overall: 50.5 } }],
    [
      "a position given twice",
      {
        planSteps: [
          { position: 1, description: "a" },
          { position: 1, description: "b" },
        ],
      },
    ],
    ["a negative position", { planSteps: [{ position: -1, description: "a" }] }],
    ["a bad plan status", { planSteps: [{ position: 0, description: "a", status: "done" }] }],
    ["an empty state", { state: {} }],
    ["state data that is not an object", { state: { data: [1, 2] } }],
    ["an action payload that is not an object", { actions: [{ type: "x", payload: "text" }] }],
    ["an outcome spec 001 does not list", { outcome: "maybe" }],
  ])("refuses %s with 400", async (_name, body) => {
    const { conversationId } = await salesConversation(owner);
    const res = await post(conversationId, body);
    expect(res.status, res.text).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
  });

  it("is for AI agent keys only: a user, even the owner, and other keys are refused", async () => {
    const { conversationId } = await salesConversation(owner);
    const refused = await call(activityFn, {
      method: "POST",
      path: path(conversationId),
      token: owner.accessToken,
      body: { summary: "x" },
    });
    expect(refused.status).toBe(403);
    for (const scope of ["read", "write"] as const) {
      const { key } = await createApiKey(owner, [scope]);
      expect((await post(conversationId, { summary: "x" }, key)).status).toBe(403);
    }
  });

  it("answers 404 for an inbox conversation of no prospect, an unknown one, and another tenant's", async () => {
    const [inboxOnly] = await (await getDb())
      .insert(conversations)
      .values({ tenantId: owner.tenantId, channelType: "whatsapp" })
      .returning();
    const { conversationId: theirs, prospect } = await salesConversation(other);
    for (const id of [inboxOnly?.id as string, crypto.randomUUID(), theirs]) {
      const res = await post(id, { entities: [{ type: "city", value: "Dubai" }], summary: "x" });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("NOT_FOUND");
    }
    expect((await storedProspect(prospect.id))?.city).toBeNull();
    const [untouched] = await (await getDb()).select().from(conversations).where(eq(conversations.id, theirs));
    expect(untouched?.summary).toBeNull();
    // And the other tenant's own agent reaches it.
    expect((await post(theirs, { summary: "x" }, otherAgentKey)).status).toBe(200);
  });
});

describe("GET /api/conversations/:id/agent-activity", () => {
  it("answers an empty recording for a conversation the agent has not recorded in", async () => {
    const { prospect, conversationId } = await salesConversation(owner);
    const res = await get(conversationId, { token: owner.accessToken });
    expect(res.status).toBe(200);
    expect(res.statements).toBe(1);
    expect(res.body.data).toEqual({
      conversationId,
      prospectId: prospect.id,
      isLive: true,
      stage: null,
      state: null,
      endedAt: null,
      actions: [],
      entities: [],
      score: null,
      scores: [],
      planSteps: [],
    });
  });

  it("shows a rep their own prospects' conversations only; QA supervisors and compliance officers read any", async () => {
    const [rep, otherRep, qa, compliance, agent] = await Promise.all([
      addMember(owner, "sales_rep"),
      addMember(owner, "sales_rep"),
      addMember(owner, "qa_supervisor"),
      addMember(owner, "compliance_officer"),
      addMember(owner, "agent"),
    ]);
    const { conversationId } = await salesConversation(owner, { assignedTo: rep.userId });
    await post(conversationId, { actions: [{ type: "called" }] });
    for (const reader of [rep, qa, compliance]) {
      const res = await get(conversationId, { token: reader.accessToken });
      expect(res.status).toBe(200);
      expect(res.body.data.actions).toHaveLength(1);
    }
    expect((await get(conversationId, { token: otherRep.accessToken })).status).toBe(404);
    expect((await get(conversationId, { token: agent.accessToken })).status).toBe(403);
    const { key } = await createApiKey(owner, ["read"]);
    expect((await get(conversationId, { apiKey: key })).status).toBe(200);
  });

  it("answers 404 for an inbox conversation of no prospect, another tenant's, and 400 for a bad id", async () => {
    const [inboxOnly] = await (await getDb())
      .insert(conversations)
      .values({ tenantId: owner.tenantId, channelType: "whatsapp" })
      .returning();
    const { conversationId: theirs } = await salesConversation(other);
    for (const id of [inboxOnly?.id as string, theirs]) {
      expect((await get(id, { token: owner.accessToken })).status).toBe(404);
    }
    expect((await get("nope", { token: owner.accessToken })).status).toBe(400);
  });
});
