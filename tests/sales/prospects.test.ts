import { randomUUID } from "node:crypto";
import { eq, inArray } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "../../db/client";
import {
  agentActions,
  agentPlanSteps,
  appointments,
  conversations,
  detectedEntities,
  handoffPackages,
  messages,
  prospectConversations,
  prospects,
  qualificationScores,
} from "../../db/schema";
import * as prospectsFn from "../../netlify/functions/sales-prospects";
import * as prospectFn from "../../netlify/functions/sales-prospects-id";
import * as rulesFn from "../../netlify/functions/sales-routing-rules";
import { type Account, addMember, createApiKey, registerTenant } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";

type Prospect = {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  city: string | null;
  budget: string | null;
  status: string;
  assignedTo: string | null;
  routingRuleId: string | null;
};

async function newProspect(account: Account, body: Record<string, unknown> = {}): Promise<Prospect> {
  const res = await call(prospectsFn, { method: "POST", token: account.accessToken, body: { name: "Pat", ...body } });
  expect(res.status, res.text).toBe(201);
  return res.body.data;
}

const path = (id: string) => `/api/prospects/${id}`;
const stored = async (id: string) => (await (await getDb()).select().from(prospects).where(eq(prospects.id, id)))[0];

let owner: Account;
let other: Account;
let rep: Account;
let otherRep: Account;
let qa: Account;
beforeAll(async () => {
  owner = await registerTenant("prospects");
  other = await registerTenant("prospects-other");
  [rep, otherRep, qa] = await Promise.all([
    addMember(owner, "sales_rep"),
    addMember(owner, "sales_rep"),
    addMember(owner, "qa_supervisor"),
  ]);
});

describe("POST /api/prospects", () => {
  it("creates a prospect in one statement: budget as a decimal string, phones in E.164, email in lower case", async () => {
    const res = await call(prospectsFn, {
      method: "POST",
      token: owner.accessToken,
      body: {
        name: "Maria Garcia",
        email: "Maria.Garcia@Example.test",
        phone: "+971 50 123 4567",
        whatsapp: "+44 (20) 7946-0958",
        budget: 1500000,
        city: "Dubai",
        timeline: "3 months",
        preferredPropertyType: "VILLA",
        bedrooms: 4,
        preferredChannel: "WHATSAPP",
      },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.data).toMatchObject({
      name: "Maria Garcia",
      email: "maria.garcia@example.test",
      phone: "+971501234567",
      whatsapp: "+442079460958",
      budget: "1500000.00",
      city: "Dubai",
      timeline: "3 months",
      preferredPropertyType: "villa",
      bedrooms: 4,
      status: "new",
      preferredChannel: "whatsapp",
      assignedTo: null,
      routingRuleId: null,
    });
    expect(res.body.data).not.toHaveProperty("tenantId");
    expect(res.body.data).not.toHaveProperty("searchVector");
    expect(res.statements).toBe(1);
  });

  it.each([
    ["0", "0.00"],
    ["2500000.5", "2500000.50"],
    ["999999999999.99", "999999999999.99"],
    [750000, "750000.00"],
    [null, null],
  ])("stores the budget %j exactly, as %s", async (budget, expected) => {
    expect((await newProspect(owner, { budget })).budget).toBe(expected);
  });

  it("takes spec 001's snake_case names", async () => {
    const created = await newProspect(owner, { assigned_to: rep.userId, preferred_channel: "sms" });
    expect(created).toMatchObject({ assignedTo: rep.userId, preferredChannel: "sms" });
  });

  it.each([
    ["an empty name", { name: " " }],
    ["a budget with three decimals", { budget: "1.234" }],
    ["a negative budget", { budget: -1 }],
    ["a budget past numeric(14,2)", { budget: "1000000000000" }],
    ["a float's tail", { budget: 0.1 + 0.2 }],
    ["a phone number that is not E.164", { phone: "0501234567" }],
    ["letters in a WhatsApp number", { whatsapp: "+97150abc" }],
    ["an invalid email", { email: "not-an-email" }],
    ["an unknown status", { status: "won" }],
    ["an unknown channel", { preferredChannel: "fax" }],
    ["an unknown property type", { preferredPropertyType: "castle" }],
    ["101 bedrooms", { bedrooms: 101 }],
    ["a fractional bedroom", { bedrooms: 2.5 }],
    ["an assignee that is not a UUID", { assignedTo: "rep-1" }],
    ["a null assignee", { assignedTo: null }],
    ["an unknown field", { source: "web" }],
  ])("refuses %s with 400", async (_name, change) => {
    const res = await call(prospectsFn, { method: "POST", token: owner.accessToken, body: { name: "Pat", ...change } });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
  });

  it("answers 409 for an email another prospect of the tenant has, in any case; another tenant may use it", async () => {
    await newProspect(owner, { email: "taken@example.test" });
    const res = await call(prospectsFn, {
      method: "POST",
      token: owner.accessToken,
      body: { name: "Again", email: "TAKEN@example.test" },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("CONFLICT");
    expect((await newProspect(other, { email: "taken@example.test" })).email).toBe("taken@example.test");
  });

  it("keeps an assignee who is a rep of the tenant; a non-rep or another tenant's rep is a 404 and nothing is added", async () => {
    const kept = await newProspect(owner, { name: "Assigned", assignedTo: otherRep.userId });
    expect(kept).toMatchObject({ assignedTo: otherRep.userId, routingRuleId: null });
    const agent = await addMember(owner, "agent");
    const foreignRep = await addMember(other, "sales_rep");
    for (const assignedTo of [agent.userId, foreignRep.userId, owner.userId]) {
      const res = await call(prospectsFn, {
        method: "POST",
        token: owner.accessToken,
        body: { name: "Nobody's", email: `nobody-${assignedTo}@example.test`, assignedTo },
      });
      expect(res.status, assignedTo).toBe(404);
      expect(res.body.error.code).toBe("NOT_FOUND");
    }
    const list = await call(prospectsFn, { token: owner.accessToken, query: { search: "Nobody's", limit: 100 } });
    expect(list.body.data).toEqual([]);
  });

  it("gives a sales rep's new prospect to them, even where a routing rule would route it; naming anyone else is 403", async () => {
    const shop = await registerTenant("prospects-rep-own");
    const [mine, theirs] = await Promise.all([addMember(shop, "sales_rep"), addMember(shop, "sales_rep")]);
    const rule = await call(rulesFn, {
      method: "POST",
      token: shop.accessToken,
      body: { name: "Everything", repIds: [theirs.userId] },
    });
    expect(rule.status, rule.text).toBe(201);
    expect(await newProspect(mine)).toMatchObject({ assignedTo: mine.userId, routingRuleId: null });
    expect(await newProspect(mine, { assignedTo: mine.userId })).toMatchObject({ assignedTo: mine.userId });
    const refused = await call(prospectsFn, {
      method: "POST",
      token: mine.accessToken,
      body: { name: "Given away", assignedTo: theirs.userId },
    });
    expect(refused.status).toBe(403);
    // The manager's prospect is routed.
    expect(await newProspect(shop)).toMatchObject({ assignedTo: theirs.userId, routingRuleId: rule.body.data.id });
  });

  it("is for the sales team: a QA supervisor is refused; write and ai-agent keys are not, a read key is", async () => {
    const refused = await call(prospectsFn, { method: "POST", token: qa.accessToken, body: { name: "QA" } });
    expect(refused.status).toBe(403);
    for (const scope of ["write", "ai-agent"] as const) {
      const { key } = await createApiKey(owner, [scope]);
      const res = await call(prospectsFn, { method: "POST", apiKey: key, body: { name: `By ${scope} key` } });
      expect(res.status, res.text).toBe(201);
    }
    const { key } = await createApiKey(owner, ["read"]);
    expect((await call(prospectsFn, { method: "POST", apiKey: key, body: { name: "Read" } })).status).toBe(403);
  });
});

describe("GET /api/prospects", () => {
  let shop: Account;
  let repA: Account;
  let repB: Account;
  let list: Record<string, Prospect>;
  beforeAll(async () => {
    shop = await registerTenant("prospects-list");
    [repA, repB] = await Promise.all([addMember(shop, "sales_rep"), addMember(shop, "sales_rep")]);
    list = {};
    // One at a time, so "newest first" is the order below reversed.
    list.maria = await newProspect(shop, {
      name: "Maria Garcia",
      email: "maria@example.test",
      phone: "+971501234567",
      city: "Dubai",
      status: "contacted",
      assignedTo: repA.userId,
    });
    list.omar = await newProspect(shop, {
      name: "Omar Haddad",
      email: "omar.haddad@mail.example.test",
      whatsapp: "+971559876543",
      city: "DUBAI",
      status: "qualified",
      assignedTo: repB.userId,
    });
    list.lena = await newProspect(shop, { name: "Lena Park", phone: "+14155550100", city: "Abu Dhabi" });
    await newProspect(other, { name: "Maria of another tenant", city: "Dubai" });
  });
  const names = (data: Prospect[]) => data.map((item) => item.name);
  const ids = (data: Prospect[]) => data.map((item) => item.id);

  it("lists the tenant's prospects newest first, in one statement", async () => {
    const res = await call(prospectsFn, { token: shop.accessToken });
    expect(res.status, res.text).toBe(200);
    expect(names(res.body.data)).toEqual(["Lena Park", "Omar Haddad", "Maria Garcia"]);
    expect(res.body.pagination).toMatchObject({ total: 3, hasMore: false });
    expect(res.text).not.toContain("another tenant");
    expect(res.statements).toBe(1);
  });

  it.each([
    ["status", { status: "qualified" }, ["omar"]],
    ["status in upper case", { status: "CONTACTED" }, ["maria"]],
    ["city, any case", { city: "dubai" }, ["omar", "maria"]],
    ["city with spaces", { city: "abu dhabi" }, ["lena"]],
    ["assignedTo", { assignedTo: "repB" }, ["omar"]],
    ["spec 001's assigned_to", { assigned_to: "repA" }, ["maria"]],
    ["assignedTo none: the unassigned", { assignedTo: "none" }, ["lena"]],
    ["assigned_to none with a filter", { assigned_to: "none", city: "dubai" }, []],
    ["search by a part of the name", { search: "gar" }, ["maria"]],
    ["search by two word prefixes, any case", { search: "OMAR hadd" }, ["omar"]],
    ["search by email", { search: "omar.haddad@mail.example.test" }, ["omar"]],
    ["search by the email's domain", { search: "mail.example" }, ["omar"]],
    ["search by a phone number as typed", { search: "+971 50" }, ["maria"]],
    ["search by a WhatsApp number's digits", { search: "97155" }, ["omar"]],
    ["search by the leading digits both share", { search: "+971" }, ["omar", "maria"]],
    ["search with only punctuation", { search: "&&" }, []],
    ["search that matches nobody", { search: "zzz" }, []],
    ["filters together", { city: "Dubai", status: "contacted", search: "maria" }, ["maria"]],
  ])("filters: %s", async (_name, query, expected) => {
    const reps: Record<string, string> = { repA: repA.userId, repB: repB.userId };
    const resolved = Object.fromEntries(Object.entries(query).map(([key, value]) => [key, reps[value] ?? value]));
    const res = await call(prospectsFn, { token: shop.accessToken, query: resolved });
    expect(res.status, res.text).toBe(200);
    expect(ids(res.body.data)).toEqual(expected.map((name) => list[name]?.id));
    expect(res.statements).toBe(1);
  });

  it("pages by limit and by cursor", async () => {
    const first = await call(prospectsFn, { token: shop.accessToken, query: { limit: 2 } });
    expect(names(first.body.data)).toEqual(["Lena Park", "Omar Haddad"]);
    expect(first.body.pagination).toMatchObject({ total: 3, hasMore: true });
    const next = await call(prospectsFn, {
      token: shop.accessToken,
      query: { limit: 2, cursor: first.body.pagination.nextCursor },
    });
    expect(names(next.body.data)).toEqual(["Maria Garcia"]);
    const byOffset = await call(prospectsFn, { token: shop.accessToken, query: { limit: 1, offset: 1 } });
    expect(names(byOffset.body.data)).toEqual(["Omar Haddad"]);
  });

  it.each([
    { limit: 0 },
    { limit: 101 },
    { offset: -1 },
    { status: "won" },
    { assignedTo: "not-a-uuid" },
    { assignedTo: "NONE" },
    { assignedTo: "" },
    { limit: "" },
    { page: "" },
    { city: "" },
    { search: "x".repeat(201) },
    { sort: "name" },
  ])("refuses %j with 400", async (query) => {
    const res = await call(prospectsFn, { token: shop.accessToken, query });
    expect(res.status, res.text).toBe(400);
  });

  it("shows a sales rep only the prospects assigned to them, whatever the filter", async () => {
    const own = await call(prospectsFn, { token: repA.accessToken });
    expect(ids(own.body.data)).toEqual([list.maria?.id]);
    expect(own.body.pagination.total).toBe(1);
    expect(own.statements).toBe(1);
    const asking = await call(prospectsFn, { token: repA.accessToken, query: { assignedTo: repB.userId } });
    expect(asking.body.data).toEqual([]);
    const searching = await call(prospectsFn, { token: repB.accessToken, query: { search: "maria" } });
    expect(searching.body.data).toEqual([]);
    // Nothing unassigned is a rep's own: an empty list, as for another rep's.
    const unassigned = await call(prospectsFn, { token: repA.accessToken, query: { assignedTo: "none" } });
    expect(unassigned.status).toBe(200);
    expect(unassigned.body.data).toEqual([]);
  });

  it("lets QA supervisors, compliance officers and read keys read every prospect; not an agent", async () => {
    const readers = [await addMember(shop, "qa_supervisor"), await addMember(shop, "compliance_officer")];
    for (const reader of readers) {
      const res = await call(prospectsFn, { token: reader.accessToken });
      expect(res.body.data).toHaveLength(3);
      const unassigned = await call(prospectsFn, { token: reader.accessToken, query: { assignedTo: "none" } });
      expect(ids(unassigned.body.data)).toEqual([list.lena?.id]);
    }
    for (const scope of ["read", "ai-agent"] as const) {
      const { key } = await createApiKey(shop, [scope]);
      expect((await call(prospectsFn, { apiKey: key })).body.data).toHaveLength(3);
    }
    const agent = await addMember(shop, "agent");
    expect((await call(prospectsFn, { token: agent.accessToken })).status).toBe(403);
  });
});

describe("/api/prospects/:id", () => {
  it("reads one prospect in one statement; another tenant's is a 404", async () => {
    const created = await newProspect(owner, { name: "Readable" });
    const res = await call(prospectFn, { path: path(created.id), token: owner.accessToken });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: created.id, name: "Readable" });
    expect(res.statements).toBe(1);
    const foreign = await call(prospectFn, { path: path(created.id), token: other.accessToken });
    expect(foreign.status).toBe(404);
    expect(foreign.text).not.toContain("Readable");
  });

  it("lets a sales rep read their own prospect and answers another rep's 404; QA reads both", async () => {
    const mine = await newProspect(owner, { name: "Rep's own", assignedTo: rep.userId });
    const theirs = await newProspect(owner, { name: "Another rep's", assignedTo: otherRep.userId });
    expect((await call(prospectFn, { path: path(mine.id), token: rep.accessToken })).status).toBe(200);
    const hidden = await call(prospectFn, { path: path(theirs.id), token: rep.accessToken });
    expect(hidden.status).toBe(404);
    expect(hidden.text).not.toContain("Another rep's");
    expect((await call(prospectFn, { path: path(theirs.id), token: qa.accessToken })).status).toBe(200);
  });

  it("changes only the given fields with PATCH or PUT in one statement, and clears with null", async () => {
    const created = await newProspect(owner, { name: "Changing", city: "Dubai", budget: "100.00", bedrooms: 2 });
    const patched = await call(prospectFn, {
      method: "PATCH",
      path: path(created.id),
      token: owner.accessToken,
      body: { status: "QUALIFIED", budget: 250000.5, city: null, preferred_channel: "email" },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.data).toMatchObject({
      name: "Changing",
      status: "qualified",
      budget: "250000.50",
      city: null,
      bedrooms: 2,
      preferredChannel: "email",
    });
    expect(patched.statements).toBe(1);
    const put = await call(prospectFn, {
      method: "PUT",
      path: path(created.id),
      token: owner.accessToken,
      body: { phone: "+971 4 000 0000" },
    });
    expect(put.body.data).toMatchObject({ phone: "+97140000000", status: "qualified" });
  });

  it("answers 400 for an empty change, 409 for a taken email and 404 for another tenant, changing nothing", async () => {
    await newProspect(owner, { email: "kept@example.test" });
    const created = await newProspect(owner, { name: "Unchanged", email: "free@example.test" });
    const target = path(created.id);
    const empty = await call(prospectFn, { method: "PATCH", path: target, token: owner.accessToken, body: {} });
    expect(empty.status).toBe(400);
    const taken = await call(prospectFn, {
      method: "PATCH",
      path: target,
      token: owner.accessToken,
      body: { email: "Kept@example.test" },
    });
    expect(taken.status).toBe(409);
    const foreign = await call(prospectFn, {
      method: "PUT",
      path: target,
      token: other.accessToken,
      body: { name: "Hijacked" },
    });
    expect(foreign.status).toBe(404);
    expect(await stored(created.id)).toMatchObject({ name: "Unchanged", email: "free@example.test" });
  });

  it("lets a manager reassign to a rep of the tenant (the routing rule no longer named) or to no one; a non-rep is a 404", async () => {
    const shop = await registerTenant("prospects-reassign");
    const [first, second] = await Promise.all([addMember(shop, "sales_rep"), addMember(shop, "sales_manager")]);
    const rule = await call(rulesFn, {
      method: "POST",
      token: shop.accessToken,
      body: { name: "All", repIds: [first.userId] },
    });
    const routed = await newProspect(shop);
    expect(routed).toMatchObject({ assignedTo: first.userId, routingRuleId: rule.body.data.id });
    const target = path(routed.id);
    const same = await call(prospectFn, {
      method: "PATCH",
      path: target,
      token: shop.accessToken,
      body: { assignedTo: first.userId, status: "contacted" },
    });
    expect(same.body.data).toMatchObject({ assignedTo: first.userId, routingRuleId: rule.body.data.id });
    const moved = await call(prospectFn, {
      method: "PATCH",
      path: target,
      token: shop.accessToken,
      body: { assignedTo: second.userId },
    });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body.data).toMatchObject({ assignedTo: second.userId, routingRuleId: null });
    for (const assignedTo of [shop.userId, rep.userId]) {
      const refused = await call(prospectFn, {
        method: "PATCH",
        path: target,
        token: shop.accessToken,
        body: { assignedTo },
      });
      expect(refused.status, assignedTo).toBe(404);
    }
    const cleared = await call(prospectFn, {
      method: "PATCH",
      path: target,
      token: shop.accessToken,
      body: { assignedTo: null },
    });
    expect(cleared.body.data.assignedTo).toBeNull();
  });

  it("lets a sales rep change their own prospect but neither reassign it (403) nor touch another rep's (404)", async () => {
    const mine = await newProspect(owner, { name: "Rep works this", assignedTo: rep.userId });
    const theirs = await newProspect(owner, { name: "Not the rep's", assignedTo: otherRep.userId });
    const worked = await call(prospectFn, {
      method: "PATCH",
      path: path(mine.id),
      token: rep.accessToken,
      body: { status: "contacted", assignedTo: rep.userId },
    });
    expect(worked.status, worked.text).toBe(200);
    expect(worked.body.data).toMatchObject({ status: "contacted", assignedTo: rep.userId });
    for (const assignedTo of [otherRep.userId, null]) {
      const refused = await call(prospectFn, {
        method: "PATCH",
        path: path(mine.id),
        token: rep.accessToken,
        body: { assignedTo },
      });
      expect(refused.status).toBe(403);
    }
    const hidden = await call(prospectFn, {
      method: "PUT",
      path: path(theirs.id),
      token: rep.accessToken,
      body: { status: "lost" },
    });
    expect(hidden.status).toBe(404);
    expect(await stored(mine.id)).toMatchObject({ assignedTo: rep.userId });
    expect(await stored(theirs.id)).toMatchObject({ status: "new", assignedTo: otherRep.userId });
  });

  it("lets a QA supervisor read but not change or delete", async () => {
    const created = await newProspect(owner, { name: "Audited" });
    const changed = await call(prospectFn, {
      method: "PATCH",
      path: path(created.id),
      token: qa.accessToken,
      body: { status: "lost" },
    });
    expect(changed.status).toBe(403);
    expect((await call(prospectFn, { method: "DELETE", path: path(created.id), token: qa.accessToken })).status).toBe(
      403,
    );
    expect(await stored(created.id)).toMatchObject({ status: "new" });
  });

  it("deletes for managers in one statement; a rep may not, another tenant's is a 404 and stays", async () => {
    const created = await newProspect(owner, { name: "Going", assignedTo: rep.userId });
    const target = path(created.id);
    expect((await call(prospectFn, { method: "DELETE", path: target, token: rep.accessToken })).status).toBe(403);
    expect((await call(prospectFn, { method: "DELETE", path: target, token: other.accessToken })).status).toBe(404);
    const deleted = await call(prospectFn, { method: "DELETE", path: target, token: owner.accessToken });
    expect(deleted.status).toBe(204);
    expect(deleted.statements).toBe(1);
    expect(await stored(created.id)).toBeUndefined();
    expect((await call(prospectFn, { method: "DELETE", path: target, token: owner.accessToken })).status).toBe(404);
  });

  it("erases the prospect's conversations, messages, appointments, hand-offs and AI records; another prospect's stay", async () => {
    const db = await getDb();
    const tenantId = owner.tenantId;
    const going = await newProspect(owner, { name: "Erased" });
    const staying = await newProspect(owner, { name: "Kept" });
    const talk = async (prospectId: string) => {
      const conversationId = randomUUID();
      await db.insert(conversations).values({ id: conversationId, tenantId, channelType: "phone", transcript: "Hi" });
      await db
        .insert(messages)
        .values({ tenantId, conversationId, direction: "inbound", sender: "customer", text: "Hi" });
      await db.insert(prospectConversations).values({ conversationId, tenantId, prospectId });
      const record = { tenantId, conversationId, prospectId };
      await db.insert(agentActions).values({ ...record, type: "called" });
      await db.insert(detectedEntities).values({ ...record, type: "budget", value: "2M" });
      await db.insert(qualificationScores).values({ ...record, overall: 70 });
      await db.insert(agentPlanSteps).values({ ...record, position: 0, description: "Call back" });
      // Booked in the conversation: appointments' key on the link has no cascade of its own.
      const [appointment] = await db
        .insert(appointments)
        .values({ tenantId, prospectId, conversationId, scheduledAt: new Date("2031-01-01T10:00:00Z") })
        .returning();
      await db.insert(handoffPackages).values({
        tenantId,
        prospectId,
        conversationId,
        appointmentId: appointment?.id,
        prospectName: "Pat",
        priority: "high",
        reason: "Booked",
        summary: "Booked a viewing",
        qualificationScore: { overall: 70 },
        expiresAt: new Date("2031-01-01T00:00:00Z"),
      });
      return conversationId;
    };
    const goneTalks = [await talk(going.id), await talk(going.id)];
    const keptTalk = await talk(staying.id);
    const left = async (conversationIds: string[], prospectId: string) => ({
      conversations: await db.select().from(conversations).where(inArray(conversations.id, conversationIds)),
      messages: await db.select().from(messages).where(inArray(messages.conversationId, conversationIds)),
      links: await db
        .select()
        .from(prospectConversations)
        .where(inArray(prospectConversations.conversationId, conversationIds)),
      appointments: await db.select().from(appointments).where(eq(appointments.prospectId, prospectId)),
      handoffs: await db.select().from(handoffPackages).where(eq(handoffPackages.prospectId, prospectId)),
      actions: await db.select().from(agentActions).where(eq(agentActions.prospectId, prospectId)),
      entities: await db.select().from(detectedEntities).where(eq(detectedEntities.prospectId, prospectId)),
      scores: await db.select().from(qualificationScores).where(eq(qualificationScores.prospectId, prospectId)),
      steps: await db.select().from(agentPlanSteps).where(eq(agentPlanSteps.prospectId, prospectId)),
    });
    const counts = async (conversationIds: string[], prospectId: string) =>
      Object.fromEntries(
        Object.entries(await left(conversationIds, prospectId)).map(([table, rows]) => [table, rows.length]),
      );
    expect(await counts(goneTalks, going.id)).toEqual({
      conversations: 2,
      messages: 2,
      links: 2,
      appointments: 2,
      handoffs: 2,
      actions: 2,
      entities: 2,
      scores: 2,
      steps: 2,
    });

    const deleted = await call(prospectFn, { method: "DELETE", path: path(going.id), token: owner.accessToken });
    expect(deleted.status, deleted.text).toBe(204);
    expect(deleted.statements).toBe(1);
    expect(await counts(goneTalks, going.id)).toEqual({
      conversations: 0,
      messages: 0,
      links: 0,
      appointments: 0,
      handoffs: 0,
      actions: 0,
      entities: 0,
      scores: 0,
      steps: 0,
    });
    expect(await counts([keptTalk], staying.id)).toEqual({
      conversations: 1,
      messages: 1,
      links: 1,
      appointments: 1,
      handoffs: 1,
      actions: 1,
      entities: 1,
      scores: 1,
      steps: 1,
    });
  });

  it("refuses a path id that is not a UUID with 400", async () => {
    expect((await call(prospectFn, { path: path("nope"), token: owner.accessToken })).status).toBe(400);
  });
});
