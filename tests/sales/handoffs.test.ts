import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { type Database, getDb } from "../../db/client";
import {
  appointments,
  conversations,
  detectedEntities,
  events,
  handoffPackages,
  messages,
  properties,
  prospectConversations,
  prospects,
  qualificationScores,
  tenants,
} from "../../db/schema";
import * as eventsFn from "../../netlify/functions/platform-events";
import * as expiryFn from "../../netlify/functions/sales-handoff-expiry";
import * as handoffsFn from "../../netlify/functions/sales-handoffs";
import * as fromAppointmentFn from "../../netlify/functions/sales-handoffs-from-appointment";
import * as handoffFn from "../../netlify/functions/sales-handoffs-id";
import * as claimFn from "../../netlify/functions/sales-handoffs-id-claim";
import * as completeFn from "../../netlify/functions/sales-handoffs-id-complete";
import * as releaseFn from "../../netlify/functions/sales-handoffs-id-release";
import * as prospectFn from "../../netlify/functions/sales-prospects-id";
import * as prospectConversationsFn from "../../netlify/functions/sales-prospects-id-conversations";
import { type Account, addMember, createApiKey, registerTenant, unique } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";
import { EXPIRY_BATCH, handoffExpiry } from "../../services/sales/handoff-expiry";
import { generateHandoff, type Listing } from "../../services/sales/handoff-generator";

/**
 * Hand-off packages through their routes (spec 001, issue 14 item 5): generation from an
 * appointment, manual creation, the list and its visibility, claim, release and complete, the
 * events feed, and the handoff-expiry job. Rows the routes read but other areas own (properties,
 * prospects, conversations, appointments, what the AI recorded) are inserted directly.
 */

type Handoff = Record<string, any> & { id: string; status: string; claimedBy: string | null };

let db: Database;
let owner: Account;
let manager: Account;
let repA: Account;
let repB: Account;
let qa: Account;
let other: Account;

beforeAll(async () => {
  db = await getDb();
  owner = await registerTenant("handoffs");
  manager = await addMember(owner, "sales_manager");
  repA = await addMember(owner, "sales_rep");
  repB = await addMember(owner, "sales_rep");
  qa = await addMember(owner, "qa_supervisor");
  other = await registerTenant("handoffs-other");
});

const listingFields = { city: "Dubai", type: "villa" as const, bedrooms: 4, currency: "AED", priceMin: "2000000.00" };

async function insertProperty(account: Account, fields: Partial<typeof properties.$inferInsert> = {}) {
  const [row] = await db
    .insert(properties)
    .values({ tenantId: account.tenantId, name: unique("Listing"), ...listingFields, ...fields })
    .returning();
  return row!;
}

async function insertProspect(account: Account, fields: Partial<typeof prospects.$inferInsert> = {}) {
  const [row] = await db
    .insert(prospects)
    .values({ tenantId: account.tenantId, name: "Ada Buyer", ...fields })
    .returning();
  return row!;
}

/** An inbox conversation linked to the prospect as a sales conversation. */
async function insertConversation(
  account: Account,
  prospectId: string,
  fields: Partial<typeof conversations.$inferInsert> = {},
  linkedAt = new Date(),
) {
  const [row] = await db
    .insert(conversations)
    .values({ tenantId: account.tenantId, channelType: "phone", ...fields })
    .returning();
  await db
    .insert(prospectConversations)
    .values({ tenantId: account.tenantId, conversationId: row!.id, prospectId, createdAt: linkedAt });
  return row!;
}

async function insertAppointment(
  account: Account,
  prospectId: string,
  fields: Partial<typeof appointments.$inferInsert> = {},
) {
  const [row] = await db
    .insert(appointments)
    .values({
      tenantId: account.tenantId,
      prospectId,
      scheduledAt: new Date(Date.UTC(2030, 0, 1, 10) + Math.floor(Math.random() * 1e9)),
      ...fields,
    })
    .returning();
  return row!;
}

const fromAppointment = (account: Account, body: Record<string, unknown>) =>
  call(fromAppointmentFn, { method: "POST", token: account.accessToken, body });

async function createManual(account: Account, body: Record<string, unknown>): Promise<Handoff> {
  const res = await call(handoffsFn, {
    method: "POST",
    token: account.accessToken,
    body: { priority: "medium", reason: "Asked for a rep", summary: "Wants to talk to a person", ...body },
  });
  expect(res.status, res.text).toBe(201);
  // One statement resolves the ids, one inserts the package with its event.
  expect(res.statements).toBe(2);
  return res.body.data;
}

const moveFns = { claim: claimFn, release: releaseFn, complete: completeFn };
const move = (account: Account, name: keyof typeof moveFns, id: string) =>
  call(moveFns[name], { method: "POST", path: `/api/handoffs/${id}/${name}`, token: account.accessToken });

/** The tenant's events of a type about a hand-off, through GET /api/events. */
async function eventsAbout(account: Account, id: string, type?: string) {
  const res = await call(eventsFn, { token: account.accessToken, query: { after: 0, limit: 500 } });
  expect(res.status, res.text).toBe(200);
  return (res.body.data.events as { type: string; resourceId: string; payload: Handoff; seq: number }[]).filter(
    (event) => event.resourceId === id && (type === undefined || event.type === type),
  );
}

/**
 * What a hand-off's event carries: the package's state, and nothing of its content (the prospect's
 * contact details, needs, conversation), since every member of the tenant reads the feed.
 */
const STATE_FIELDS = [
  "id",
  "status",
  "priority",
  "prospectId",
  "appointmentId",
  "claimedBy",
  "claimedAt",
  "expiresAt",
  "createdAt",
  "updatedAt",
];
const stateOf = (handoff: Handoff) => Object.fromEntries(STATE_FIELDS.map((field) => [field, handoff[field]]));

const listing = (row: typeof properties.$inferSelect): Listing => ({
  id: row.id,
  name: row.name,
  city: row.city,
  type: row.type,
  bedrooms: row.bedrooms,
  priceMin: row.priceMin,
  priceMax: row.priceMax,
  currency: row.currency,
  status: row.status,
});

describe("POST /api/handoffs/from-appointment", () => {
  let prospect: typeof prospects.$inferSelect;
  let viewed: typeof properties.$inferSelect;
  let all: (typeof properties.$inferSelect)[];
  let latest: typeof conversations.$inferSelect;
  const alternatives: Record<string, string> = {};

  beforeAll(async () => {
    viewed = await insertProperty(owner, { name: "Palm Villa", priceMax: "2500000.00" });
    const rows = {
      first: await insertProperty(owner, { priceMin: "2450000.00" }),
      second: await insertProperty(owner, { priceMin: "2400000.00", city: "dubai" }),
      apartment: await insertProperty(owner, { type: "apartment", priceMin: "2500000.00" }),
      third: await insertProperty(owner, { bedrooms: 3, priceMin: "2500000.00" }),
      sold: await insertProperty(owner, { status: "sold", priceMin: "2450000.00" }),
      overBudget: await insertProperty(owner, { priceMin: "2600000.00" }),
      elsewhere: await insertProperty(owner, { city: "Abu Dhabi", priceMin: "2450000.00" }),
    };
    for (const [name, row] of Object.entries(rows)) alternatives[name] = row.id;
    all = [viewed, ...Object.values(rows)];
    // Another tenant's perfect match is never suggested.
    await insertProperty(other, { priceMin: "2500000.00" });

    prospect = await insertProspect(owner, {
      email: `${unique("ada")}@example.test`,
      phone: "+971500000001",
      status: "qualified",
      city: "Dubai",
      budget: "2500000.00",
      timeline: "3 months",
      assignedTo: repA.userId,
    });
    const older = await insertConversation(owner, prospect.id, { outcome: "connected" }, new Date("2029-01-01"));
    latest = await insertConversation(
      owner,
      prospect.id,
      { channelType: "whatsapp", outcome: "qualified", sentiment: "positive", summary: "Wants a villa near the sea" },
      new Date("2029-02-01"),
    );
    const message = (n: number, text: string | null) => ({
      tenantId: owner.tenantId,
      conversationId: latest.id,
      direction: n % 2 ? ("inbound" as const) : ("outbound" as const),
      sender: n % 2 ? ("customer" as const) : ("ai" as const),
      text,
      timestamp: new Date(Date.UTC(2029, 1, 1, 10, n)),
    });
    await db
      .insert(messages)
      .values([
        message(1, "The oldest, left out"),
        message(2, "Hello"),
        message(3, "Hi, I saw the villa"),
        message(4, null),
        message(5, "It has four bedrooms"),
        message(6, "Can I see it?"),
        message(7, "x".repeat(600)),
      ]);
    const agentRecord = { tenantId: owner.tenantId, prospectId: prospect.id, conversationId: older.id };
    await db.insert(detectedEntities).values([
      { ...agentRecord, type: "bedrooms", value: "4", detectedAt: new Date("2029-01-01") },
      { ...agentRecord, type: "bedrooms", value: "5", detectedAt: new Date("2029-02-01") },
      { ...agentRecord, type: "other", value: "Wants a pool" },
    ]);
    await db.insert(qualificationScores).values([
      { ...agentRecord, overall: 50, scoredAt: new Date("2029-01-01") },
      { ...agentRecord, overall: 82, intent: 90, notes: "Ready to buy", scoredAt: new Date("2029-02-01") },
    ]);
  });

  it("builds the package from the appointment's data, as the generator does with the same data", async () => {
    const appointment = await insertAppointment(owner, prospect.id, {
      propertyId: viewed.id,
      assignedRepId: repA.userId,
    });
    const res = await fromAppointment(owner, { appointmentId: appointment.id });
    expect(res.status, res.text).toBe(201);
    // One statement reads everything, one inserts the package with its event.
    expect(res.statements).toBe(2);
    const handoff: Handoff = res.body.data;
    expect(handoff).toMatchObject({
      appointmentId: appointment.id,
      prospectId: prospect.id,
      conversationId: latest.id,
      prospectName: "Ada Buyer",
      prospectEmail: prospect.email,
      prospectPhone: "+971500000001",
      prospectWhatsapp: null,
      status: "pending",
      claimedBy: null,
      createdBy: owner.userId,
      priority: "high",
      summary: "Wants a villa near the sea",
      sourceChannel: "whatsapp",
      suggestedFollowUpChannel: "whatsapp",
      qualificationScore: { overall: 82, intent: 90, notes: "Ready to buy", source: "ai" },
    });
    expect(handoff.suggestedProperties.map((suggestion: Listing) => suggestion.id)).toEqual([
      alternatives.first,
      alternatives.second,
      alternatives.third,
    ]);
    expect(handoff.suggestedProperties[0]).toEqual({
      id: alternatives.first,
      name: all[1]?.name,
      city: "Dubai",
      type: "villa",
      bedrooms: 4,
      priceMin: "2450000.00",
      priceMax: null,
      currency: "AED",
    });
    expect(handoff.detectedNeeds).toEqual([
      "Budget: 2500000.00",
      "City: Dubai",
      "Bedrooms: 5",
      "Timeline: 3 months",
      "Other: Wants a pool",
    ]);
    // The last five text messages, oldest first, each at most 500 characters.
    expect(handoff.conversationContext).toBe(
      [
        "Conversation by whatsapp, outcome qualified, sentiment positive.",
        "Summary: Wants a villa near the sea",
        "Last messages:",
        "ai: Hello",
        "customer: Hi, I saw the villa",
        "customer: It has four bedrooms",
        "ai: Can I see it?",
        `customer: ${"x".repeat(500)}`,
      ].join("\n"),
    );
    expect(Date.parse(handoff.expiresAt) - Date.parse(handoff.createdAt)).toBe(48 * 3_600_000);

    // The same data through the pure generator: the SQL gathered and ranked exactly what the rules say.
    const scoredAt = "2029-02-01T00:00:00.000Z";
    const expected = generateHandoff({
      appointment: {
        id: appointment.id,
        status: "scheduled",
        scheduledAt: appointment.scheduledAt.toISOString(),
        sourceChannel: null,
      },
      property: listing(viewed),
      prospect: {
        ...prospect,
        preferredPropertyType: null,
        bedrooms: null,
        preferredChannel: null,
      },
      conversation: {
        id: latest.id,
        channel: "whatsapp",
        outcome: "qualified",
        sentiment: "positive",
        summary: "Wants a villa near the sea",
        transcript: null,
        handoffSuggested: false,
        lastMessages: [
          { sender: "ai", text: "Hello" },
          { sender: "customer", text: "Hi, I saw the villa" },
          { sender: "customer", text: "It has four bedrooms" },
          { sender: "ai", text: "Can I see it?" },
          { sender: "customer", text: "x".repeat(500) },
        ],
      },
      entities: [
        { type: "bedrooms", value: "5" },
        { type: "other", value: "Wants a pool" },
      ],
      aiScore: {
        overall: 82,
        budget: null,
        timeline: null,
        intent: 90,
        engagement: null,
        notes: "Ready to buy",
        scoredAt,
      },
      listings: all.map(listing),
    });
    expect(handoff).toMatchObject(expected);
  });

  it("answers the existing package to a second request: 200, the same row, in one statement", async () => {
    const appointment = await insertAppointment(owner, prospect.id, { propertyId: viewed.id });
    const first = await fromAppointment(owner, { appointmentId: appointment.id });
    expect(first.status, first.text).toBe(201);
    const again = await fromAppointment(repA, { appointment_id: appointment.id, ttlHours: 1 });
    // A rep sees only appointments assigned to them: this one is not.
    expect(again.status).toBe(404);
    const second = await fromAppointment(manager, { appointment_id: appointment.id, ttlHours: 1 });
    expect(second.status, second.text).toBe(200);
    expect(second.body.data).toEqual(first.body.data);
    expect(second.statements).toBe(1);
  });

  it("makes one package of ten parallel requests: one 201, nine 200 with the same row, one event", async () => {
    const appointment = await insertAppointment(owner, prospect.id, { propertyId: viewed.id });
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => fromAppointment(owner, { appointmentId: appointment.id })),
    );
    expect(answers.map((res) => res.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    const ids = new Set(answers.map((res) => res.body.data.id));
    expect(ids.size).toBe(1);
    const rows = await db
      .select({ id: handoffPackages.id })
      .from(handoffPackages)
      .where(eq(handoffPackages.appointmentId, appointment.id));
    expect(rows).toHaveLength(1);
    const created = answers.find((res) => res.status === 201)!.body.data;
    const news = await eventsAbout(owner, created.id, "handoff:new");
    expect(news).toHaveLength(1);
    expect(news[0]?.payload).toEqual(stateOf(created));
  });

  it("without a conversation or a property: no context, the prospect's city, a derived score", async () => {
    const quiet = await insertProspect(owner, { city: "Dubai", preferredChannel: "email" });
    const appointment = await insertAppointment(owner, quiet.id, { status: "no_show", sourceChannel: "phone" });
    const res = await fromAppointment(owner, { appointmentId: appointment.id, ttlHours: 2 });
    expect(res.status, res.text).toBe(201);
    expect(res.body.data).toMatchObject({
      conversationId: null,
      conversationContext: null,
      priority: "low",
      qualificationScore: { overall: 5, source: "derived" },
      sourceChannel: "phone",
      suggestedFollowUpChannel: "email",
      createdBy: owner.userId,
    });
    // No budget and no viewed property: the city's available listings, lowest price first.
    expect(res.body.data.suggestedProperties.map((suggestion: Listing) => suggestion.priceMin)).toEqual([
      "2000000.00",
      "2400000.00",
      "2450000.00",
    ]);
    expect(Date.parse(res.body.data.expiresAt) - Date.parse(res.body.data.createdAt)).toBe(2 * 3_600_000);
  });

  it("takes the appointment's own conversation over the prospect's latest", async () => {
    const [older] = await db
      .select({ id: prospectConversations.conversationId })
      .from(prospectConversations)
      .where(eq(prospectConversations.prospectId, prospect.id))
      .orderBy(prospectConversations.createdAt)
      .limit(1);
    const appointment = await insertAppointment(owner, prospect.id, { conversationId: older!.id });
    const res = await fromAppointment(owner, { appointmentId: appointment.id });
    expect(res.status, res.text).toBe(201);
    expect(res.body.data).toMatchObject({ conversationId: older!.id, sourceChannel: "phone" });
  });

  it("lets a rep generate their own appointment's package, and an ai-agent key any", async () => {
    const mine = await insertAppointment(owner, prospect.id, { assignedRepId: repA.userId });
    const res = await fromAppointment(repA, { appointmentId: mine.id });
    expect(res.status, res.text).toBe(201);
    expect(res.body.data.createdBy).toBe(repA.userId);
    const theirs = await insertAppointment(owner, prospect.id, { assignedRepId: repB.userId });
    expect((await fromAppointment(repA, { appointmentId: theirs.id })).status).toBe(404);
    const { key } = await createApiKey(owner, ["ai-agent"]);
    const byKey = await call(fromAppointmentFn, { method: "POST", apiKey: key, body: { appointmentId: theirs.id } });
    expect(byKey.status, byKey.text).toBe(201);
    expect(byKey.body.data.createdBy).toBeNull();
  });

  it("answers a rep the existing package only as GET /api/handoffs/:id shows it: another rep's claim is a 409", async () => {
    const theirs = await insertProspect(owner, { phone: "+971500000077", assignedTo: repA.userId });
    const appointment = await insertAppointment(owner, theirs.id, { assignedRepId: repA.userId });
    const created = await fromAppointment(repA, { appointmentId: appointment.id });
    expect(created.status, created.text).toBe(201);
    const { id } = created.body.data;
    expect((await fromAppointment(repA, { appointmentId: appointment.id })).status).toBe(200);

    expect((await move(repB, "claim", id)).status).toBe(200);
    expect((await call(handoffFn, { path: `/api/handoffs/${id}`, token: repA.accessToken })).status).toBe(404);
    const hidden = await fromAppointment(repA, { appointmentId: appointment.id });
    expect(hidden.status).toBe(409);
    expect(hidden.body.error).toMatchObject({
      code: "CONFLICT",
      message: "This appointment's hand-off is claimed by another rep",
    });
    expect(hidden.text).not.toContain("+971500000077");
    expect(hidden.statements).toBe(1);
    // A manager sees every package.
    const byManager = await fromAppointment(manager, { appointmentId: appointment.id });
    expect(byManager.status).toBe(200);
    expect(byManager.body.data).toMatchObject({ id, claimedBy: repB.userId, prospectPhone: "+971500000077" });

    // Released, it is pending, and the appointment's rep's to see again.
    expect((await move(repB, "release", id)).status).toBe(200);
    const pending = await fromAppointment(repA, { appointmentId: appointment.id });
    expect(pending.status).toBe(200);
    expect(pending.body.data).toMatchObject({ id, status: "pending", claimedBy: null });
    // Expired unclaimed, it is no rep's to see.
    await db.update(handoffPackages).set({ status: "expired" }).where(eq(handoffPackages.id, id));
    const expired = await fromAppointment(repA, { appointmentId: appointment.id });
    expect(expired.status).toBe(409);
    expect(expired.body.error.message).toBe("This appointment's hand-off has expired");
  });

  it("answers 404 for an unknown or another tenant's appointment, 403 to a reader, 400 to a bad body", async () => {
    const foreign = await insertAppointment(other, (await insertProspect(other)).id);
    expect((await fromAppointment(owner, { appointmentId: foreign.id })).status).toBe(404);
    expect((await fromAppointment(owner, { appointmentId: randomUUID() })).status).toBe(404);
    expect((await fromAppointment(qa, { appointmentId: foreign.id })).status).toBe(403);
    for (const body of [
      {},
      { appointmentId: "not-a-uuid" },
      { appointmentId: foreign.id, ttlHours: 0 },
      { appointmentId: foreign.id, ttlHours: 721 },
      { appointmentId: foreign.id, extra: true },
    ]) {
      expect((await fromAppointment(owner, body)).status, JSON.stringify(body)).toBe(400);
    }
    const rows = await db.select().from(handoffPackages).where(eq(handoffPackages.appointmentId, foreign.id));
    expect(rows).toEqual([]);
  });
});

describe("POST /api/handoffs", () => {
  let prospect: typeof prospects.$inferSelect;
  let conversation: typeof conversations.$inferSelect;
  let villa: typeof properties.$inferSelect;
  let loft: typeof properties.$inferSelect;

  beforeAll(async () => {
    prospect = await insertProspect(owner, {
      name: "Manual Buyer",
      email: `${unique("manual")}@example.test`,
      whatsapp: "+971500000009",
      preferredChannel: "whatsapp",
      assignedTo: repA.userId,
    });
    conversation = await insertConversation(owner, prospect.id, { channelType: "sms", summary: "Called back" });
    villa = await insertProperty(owner, { name: "Manual Villa" });
    loft = await insertProperty(owner, { name: "Manual Loft", type: "apartment", status: "sold" });
    await db.insert(qualificationScores).values({
      tenantId: owner.tenantId,
      prospectId: prospect.id,
      conversationId: conversation.id,
      overall: 61,
    });
  });

  it("creates a package with the prospect's snapshot, the properties in the given order, announced", async () => {
    const created = await createManual(owner, {
      prospectId: prospect.id,
      conversationId: conversation.id,
      priority: "HIGH",
      detectedNeeds: ["Two parking spaces"],
      nextSteps: ["Call tomorrow"],
      suggestedPropertyIds: [loft.id, villa.id],
    });
    expect(created).toMatchObject({
      prospectId: prospect.id,
      conversationId: conversation.id,
      appointmentId: null,
      prospectName: "Manual Buyer",
      prospectEmail: prospect.email,
      prospectWhatsapp: "+971500000009",
      priority: "high",
      status: "pending",
      reason: "Asked for a rep",
      summary: "Wants to talk to a person",
      detectedNeeds: ["Two parking spaces"],
      nextSteps: ["Call tomorrow"],
      conversationContext: "Conversation by sms.\nSummary: Called back",
      sourceChannel: "sms",
      suggestedFollowUpChannel: "whatsapp",
      qualificationScore: { overall: 61, source: "ai" },
      createdBy: owner.userId,
    });
    expect(created.suggestedProperties.map((suggestion: Listing) => suggestion.name)).toEqual([
      "Manual Loft",
      "Manual Villa",
    ]);
    expect(Date.parse(created.expiresAt) - Date.parse(created.createdAt)).toBe(48 * 3_600_000);
    // Any member reads the feed, another rep too: the event has no personal data.
    const [news] = await eventsAbout(repB, created.id, "handoff:new");
    expect(news?.payload).toEqual(stateOf(created));
    expect(JSON.stringify(news)).not.toContain(prospect.whatsapp);
  });

  it("takes spec 001's snake_case names, a given score, ttlHours, and a rep's own prospect", async () => {
    const created = await createManual(repA, {
      prospect_id: prospect.id,
      source_channel: "phone",
      suggested_follow_up_channel: "email",
      qualification_score: { overall: 90, intent: 95 },
      ttlHours: 720,
    });
    expect(created).toMatchObject({
      conversationId: null,
      conversationContext: null,
      sourceChannel: "phone",
      suggestedFollowUpChannel: "email",
      qualificationScore: {
        overall: 90,
        intent: 95,
        budget: null,
        timeline: null,
        engagement: null,
        notes: null,
        source: "manual",
        scoredAt: null,
      },
      createdBy: repA.userId,
    });
    expect(Date.parse(created.expiresAt) - Date.parse(created.createdAt)).toBe(720 * 3_600_000);
  });

  it("answers 404 for ids of another tenant, another prospect's conversation, or another rep's prospect", async () => {
    const foreignProspect = await insertProspect(other);
    const foreignConversation = await insertConversation(other, foreignProspect.id);
    const foreignProperty = await insertProperty(other);
    const elsewhere = await insertProspect(owner, { assignedTo: repB.userId });
    const notTheirs = await insertConversation(owner, elsewhere.id);
    const bodies: [string, Record<string, unknown>, Account][] = [
      ["another tenant's prospect", { prospectId: foreignProspect.id }, owner],
      ["an unknown prospect", { prospectId: randomUUID() }, owner],
      ["another tenant's conversation", { prospectId: prospect.id, conversationId: foreignConversation.id }, owner],
      ["another prospect's conversation", { prospectId: prospect.id, conversationId: notTheirs.id }, owner],
      [
        "another tenant's property",
        { prospectId: prospect.id, suggestedPropertyIds: [villa.id, foreignProperty.id] },
        owner,
      ],
      ["another rep's prospect", { prospectId: elsewhere.id }, repA],
    ];
    for (const [name, body, account] of bodies) {
      const res = await call(handoffsFn, {
        method: "POST",
        token: account.accessToken,
        body: { priority: "low", reason: "r", summary: "s", ...body },
      });
      expect(res.status, name).toBe(404);
      expect(res.body.error.code).toBe("NOT_FOUND");
    }
    const written = await db
      .select({ id: handoffPackages.id })
      .from(handoffPackages)
      .where(and(eq(handoffPackages.tenantId, owner.tenantId), eq(handoffPackages.prospectId, elsewhere.id)));
    expect(written).toEqual([]);
  });

  it.each([
    ["no priority", { priority: undefined }],
    ["an unknown priority", { priority: "urgent" }],
    ["an empty reason", { reason: " " }],
    ["a property named twice", { suggestedPropertyIds: Array(2).fill(randomUUID()) }],
    ["a ttl of 0 hours", { ttlHours: 0 }],
    ["a ttl over 720 hours", { ttlHours: 721 }],
    ["a score over 100", { qualificationScore: { overall: 101 } }],
    ["an unknown channel", { sourceChannel: "fax" }],
    ["an unknown field", { status: "claimed" }],
  ])("refuses %s with 400", async (_name, change) => {
    const res = await call(handoffsFn, {
      method: "POST",
      token: owner.accessToken,
      body: { prospectId: prospect.id, priority: "low", reason: "r", summary: "s", ...change },
    });
    expect(res.status, res.text).toBe(400);
  });

  it("is the sales team's: a QA supervisor reads but cannot create", async () => {
    const res = await call(handoffsFn, {
      method: "POST",
      token: qa.accessToken,
      body: { prospectId: prospect.id, priority: "low", reason: "r", summary: "s" },
    });
    expect(res.status).toBe(403);
  });
});

describe("claim, release, complete", () => {
  let prospectId: string;
  const fresh = () => createManual(owner, { prospectId });

  beforeAll(async () => {
    prospectId = (await insertProspect(owner, { name: "Claimable Buyer" })).id;
  });

  it("lets exactly one of ten parallel claims win; the others are 409", async () => {
    const handoff = await fresh();
    const claimers = [
      repA,
      repB,
      manager,
      owner,
      ...(await Promise.all(Array.from({ length: 6 }, () => addMember(owner, "sales_rep")))),
    ];
    const answers = await Promise.all(claimers.map((account) => move(account, "claim", handoff.id)));
    const won = answers.filter((res) => res.status === 200);
    expect(won).toHaveLength(1);
    expect(answers.filter((res) => res.status === 409)).toHaveLength(9);
    const winner = claimers[answers.indexOf(won[0]!)]!;
    expect(won[0]?.body.data).toMatchObject({ status: "claimed", claimedBy: winner.userId });
    expect(won[0]?.body.data.claimedAt).toEqual(expect.any(String));
    const lost = answers.find((res) => res.status === 409)!;
    expect(lost.body.error).toMatchObject({ code: "CONFLICT", message: expect.stringMatching(/already claimed/) });
    const [row] = await db.select().from(handoffPackages).where(eq(handoffPackages.id, handoff.id));
    expect(row).toMatchObject({ status: "claimed", claimedBy: winner.userId });
    // The prospect (no one's before) is the winner's if their role is given prospects; no loser's.
    const [taken] = await db
      .select({ assignedTo: prospects.assignedTo })
      .from(prospects)
      .where(eq(prospects.id, prospectId));
    expect(taken?.assignedTo).toBe(["sales_rep", "sales_manager"].includes(winner.role) ? winner.userId : null);
    const claimed = await eventsAbout(owner, handoff.id, "handoff:claimed");
    expect(claimed).toHaveLength(1);
    expect(claimed[0]?.payload).toEqual(stateOf(won[0]?.body.data));
  });

  it("says why a claim is refused: claimed by you, expired, completed; unknown or another tenant's is 404", async () => {
    const handoff = await fresh();
    const claimed = await move(repA, "claim", handoff.id);
    expect(claimed.status).toBe(200);
    // The conditional UPDATE and its event are one statement.
    expect(claimed.statements).toBe(1);
    const again = await move(repA, "claim", handoff.id);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/You have already claimed/);

    const late = await fresh();
    await db
      .update(handoffPackages)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(eq(handoffPackages.id, late.id));
    const expired = await move(repA, "claim", late.id);
    expect(expired.status).toBe(409);
    expect(expired.body.error.message).toMatch(/expired/);

    expect((await move(repA, "complete", handoff.id)).status).toBe(200);
    const done = await move(repB, "claim", handoff.id);
    expect(done.status).toBe(409);
    expect(done.body.error.message).toMatch(/completed/);

    expect((await move(repA, "claim", randomUUID())).status).toBe(404);
    expect((await move(other, "claim", (await fresh()).id)).status).toBe(404);
  });

  it("gives the prospect to a rep who claims, in the claim's statement; a release does not take it back", async () => {
    const ruleId = randomUUID();
    const routed = await insertProspect(owner, {
      name: "Routed Buyer",
      assignedTo: repA.userId,
      routingRuleId: ruleId,
    });
    const conversation = await insertConversation(owner, routed.id);
    const handoff = await createManual(owner, { prospectId: routed.id });
    const prospectAs = (account: Account) =>
      call(prospectFn, { path: `/api/prospects/${routed.id}`, token: account.accessToken });
    const conversationsAs = (account: Account) =>
      call(prospectConversationsFn, { path: `/api/prospects/${routed.id}/conversations`, token: account.accessToken });
    expect((await prospectAs(repB)).status).toBe(404);
    expect((await conversationsAs(repB)).status).toBe(404);

    const claimed = await move(repB, "claim", handoff.id);
    expect(claimed.status, claimed.text).toBe(200);
    // The claim, its event and the prospect's new rep: one statement.
    expect(claimed.statements).toBe(1);
    const taken = await prospectAs(repB);
    expect(taken.status, taken.text).toBe(200);
    expect(taken.body.data).toMatchObject({ assignedTo: repB.userId, routingRuleId: null });
    const talks = await conversationsAs(repB);
    expect(talks.status, talks.text).toBe(200);
    expect(talks.body.data.map((talk: { id: string }) => talk.id)).toEqual([conversation.id]);
    expect((await prospectAs(repA)).status).toBe(404);

    expect((await move(repB, "release", handoff.id)).status).toBe(200);
    expect((await prospectAs(repB)).body.data.assignedTo).toBe(repB.userId);
    // An owner is given no prospects: their claim leaves it with the rep.
    expect((await move(owner, "claim", handoff.id)).status).toBe(200);
    expect((await prospectAs(repB)).body.data.assignedTo).toBe(repB.userId);

    // A prospect already the claimer's keeps the rule that routed it to them.
    const mine = await insertProspect(owner, { assignedTo: repA.userId, routingRuleId: ruleId });
    const own = await createManual(owner, { prospectId: mine.id });
    expect((await move(repA, "claim", own.id)).status).toBe(200);
    const [kept] = await db.select().from(prospects).where(eq(prospects.id, mine.id));
    expect(kept).toMatchObject({ assignedTo: repA.userId, routingRuleId: ruleId, updatedAt: mine.updatedAt });
  });

  it("gives a released package at least the default time to live again, so it can be claimed again", async () => {
    const late = await fresh();
    expect((await move(repA, "claim", late.id)).status).toBe(200);
    await db
      .update(handoffPackages)
      .set({ expiresAt: sql`now() - interval '1 hour'` })
      .where(eq(handoffPackages.id, late.id));
    const released = await move(repA, "release", late.id);
    expect(released.status, released.text).toBe(200);
    // The statement's now(), which updatedAt is too, plus 48 hours.
    const { expiresAt, updatedAt } = released.body.data;
    expect(Date.parse(expiresAt) - Date.parse(updatedAt)).toBe(48 * 3_600_000);
    expect((await move(repB, "claim", late.id)).status).toBe(200);

    // A package with longer to live keeps its own expiresAt.
    const long = await createManual(owner, { prospectId, ttlHours: 720 });
    expect((await move(repA, "claim", long.id)).status).toBe(200);
    const kept = await move(repA, "release", long.id);
    expect(kept.status).toBe(200);
    expect(kept.body.data.expiresAt).toBe(long.expiresAt);
  });

  it("releases back to pending by the claimer or a manager; another rep cannot see it (404)", async () => {
    const handoff = await fresh();
    expect((await move(repA, "claim", handoff.id)).status).toBe(200);
    expect((await move(repB, "release", handoff.id)).status).toBe(404);
    const released = await move(repA, "release", handoff.id);
    expect(released.status, released.text).toBe(200);
    expect(released.body.data).toMatchObject({ status: "pending", claimedBy: null, claimedAt: null });
    const notClaimed = await move(repA, "release", handoff.id);
    expect(notClaimed.status).toBe(409);
    expect(notClaimed.body.error.message).toMatch(/pending/);

    expect((await move(repB, "claim", handoff.id)).status).toBe(200);
    const byManager = await move(manager, "release", handoff.id);
    expect(byManager.status, byManager.text).toBe(200);
    expect(byManager.body.data.claimedBy).toBeNull();
    const releasedEvents = await eventsAbout(owner, handoff.id, "handoff:released");
    expect(releasedEvents.map((event) => event.payload)).toEqual(
      [released.body.data, byManager.body.data].map(stateOf),
    );
  });

  it("completes by the claimer or a manager; a completed package moves no more", async () => {
    const handoff = await fresh();
    expect((await move(repA, "complete", handoff.id)).status).toBe(409);
    expect((await move(repA, "claim", handoff.id)).status).toBe(200);
    expect((await move(repB, "complete", handoff.id)).status).toBe(404);
    const completed = await move(repA, "complete", handoff.id);
    expect(completed.status, completed.text).toBe(200);
    expect(completed.body.data).toMatchObject({ status: "completed", claimedBy: repA.userId });
    expect(completed.body.data.completedAt).toEqual(expect.any(String));
    for (const name of ["complete", "release", "claim"] as const) {
      const res = await move(manager, name, handoff.id);
      expect(res.status, name).toBe(409);
      expect(res.body.error.message).toMatch(/completed/);
    }
    // The claimer still sees it, and is told why it cannot move.
    expect((await move(repA, "release", handoff.id)).status).toBe(409);

    const byManager = await fresh();
    expect((await move(repB, "claim", byManager.id)).status).toBe(200);
    const managed = await move(manager, "complete", byManager.id);
    expect(managed.status).toBe(200);
    expect(managed.body.data.status).toBe("completed");
    expect(await eventsAbout(owner, byManager.id, "handoff:completed")).toHaveLength(1);
  });

  it("is a person's act: a reader is 403", async () => {
    const handoff = await fresh();
    expect((await move(qa, "claim", handoff.id)).status).toBe(403);
  });
});

describe("GET /api/handoffs and /api/handoffs/:id", () => {
  let tenant: Account;
  let leadRep: Account;
  let otherRep: Account;
  let reader: Account;
  let list: Record<string, Handoff>;

  beforeAll(async () => {
    tenant = await registerTenant("handoffs-list");
    leadRep = await addMember(tenant, "sales_rep");
    otherRep = await addMember(tenant, "sales_rep");
    reader = await addMember(tenant, "compliance_officer");
    const first = await insertProspect(tenant);
    const second = await insertProspect(tenant);
    const make = (prospectId: string, priority: string) => createManual(tenant, { prospectId, priority });
    list = {
      pendingLow: await make(first.id, "low"),
      mine: await make(first.id, "high"),
      theirs: await make(second.id, "high"),
      pendingHigh: await make(second.id, "high"),
    };
    expect((await move(leadRep, "claim", list.mine!.id)).status).toBe(200);
    expect((await move(otherRep, "claim", list.theirs!.id)).status).toBe(200);
    await insertProspect(other).then((prospect) => createManual(other, { prospectId: prospect.id }));
  });

  const ids = (data: Handoff[]) => data.map((handoff) => handoff.id);
  const of = (...names: string[]) => names.map((name) => list[name]?.id);

  it("lists the tenant's packages newest first, in one statement", async () => {
    const res = await call(handoffsFn, { token: tenant.accessToken });
    expect(res.status, res.text).toBe(200);
    expect(ids(res.body.data)).toEqual(of("pendingHigh", "theirs", "mine", "pendingLow"));
    expect(res.body.pagination).toMatchObject({ total: 4, hasMore: false });
    expect(res.statements).toBe(1);
  });

  it.each([
    ["status", { status: "claimed" }, ["theirs", "mine"]],
    ["status in upper case", { status: "PENDING" }, ["pendingHigh", "pendingLow"]],
    ["priority", { priority: "low" }, ["pendingLow"]],
    ["claimedBy", () => ({ claimedBy: leadRep.userId }), ["mine"]],
    ["assignee, the same filter", () => ({ assignee: otherRep.userId }), ["theirs"]],
    ["prospectId", () => ({ prospectId: list.pendingLow!.prospectId }), ["mine", "pendingLow"]],
    ["status and priority", { status: "pending", priority: "high" }, ["pendingHigh"]],
  ])("filters by %s", async (_name, query, expected) => {
    const res = await call(handoffsFn, {
      token: tenant.accessToken,
      query: typeof query === "function" ? query() : query,
    });
    expect(res.status, res.text).toBe(200);
    expect(ids(res.body.data)).toEqual(of(...expected));
  });

  it("pages by limit and cursor", async () => {
    const first = await call(handoffsFn, { token: tenant.accessToken, query: { limit: 3 } });
    expect(ids(first.body.data)).toEqual(of("pendingHigh", "theirs", "mine"));
    const next = await call(handoffsFn, {
      token: tenant.accessToken,
      query: { limit: 3, cursor: first.body.pagination.nextCursor },
    });
    expect(ids(next.body.data)).toEqual(of("pendingLow"));
  });

  it.each([
    { limit: 0 },
    { limit: 101 },
    { status: "lost" },
    { priority: "urgent" },
    { claimedBy: "not-a-uuid" },
    { prospectId: "1" },
    { sort: "priority" },
  ])("refuses %j with 400", async (query) => {
    expect((await call(handoffsFn, { token: tenant.accessToken, query })).status).toBe(400);
  });

  it("shows a sales rep the pending packages and their own claims only", async () => {
    const res = await call(handoffsFn, { token: leadRep.accessToken });
    expect(ids(res.body.data)).toEqual(of("pendingHigh", "mine", "pendingLow"));
    const theirs = await call(handoffsFn, { token: leadRep.accessToken, query: { claimedBy: otherRep.userId } });
    expect(ids(theirs.body.data)).toEqual([]);
    const one = (account: Account, name: string) =>
      call(handoffFn, { path: `/api/handoffs/${list[name]?.id}`, token: account.accessToken });
    expect((await one(leadRep, "mine")).status).toBe(200);
    expect((await one(leadRep, "pendingLow")).status).toBe(200);
    expect((await one(leadRep, "theirs")).status).toBe(404);
    expect((await one(otherRep, "theirs")).body.data).toMatchObject({ status: "claimed", claimedBy: otherRep.userId });
  });

  it("lets readers read everything and change nothing", async () => {
    const res = await call(handoffsFn, { token: reader.accessToken });
    expect(ids(res.body.data)).toEqual(of("pendingHigh", "theirs", "mine", "pendingLow"));
    const one = await call(handoffFn, { path: `/api/handoffs/${list.theirs?.id}`, token: reader.accessToken });
    expect(one.status).toBe(200);
    expect(one.body.data).toMatchObject({ id: list.theirs?.id, status: "claimed", claimedBy: otherRep.userId });
    expect(one.statements).toBe(1);
    expect((await move(reader, "release", list.theirs!.id)).status).toBe(403);
  });

  it("answers 404 for another tenant's package and an unknown one", async () => {
    const foreign = await call(handoffFn, { path: `/api/handoffs/${list.mine?.id}`, token: other.accessToken });
    expect(foreign.status).toBe(404);
    expect((await call(handoffFn, { path: `/api/handoffs/${randomUUID()}`, token: tenant.accessToken })).status).toBe(
      404,
    );
    expect((await call(handoffFn, { path: "/api/handoffs/nope", token: tenant.accessToken })).status).toBe(400);
  });
});

describe("the handoff-expiry job", () => {
  const deadline = () => Date.now() + 25_000;

  it("expires pending packages past their time to live, for every tenant, with their events in order", async () => {
    const first = await registerTenant("handoffs-expiry");
    const second = await registerTenant("handoffs-expiry-2");
    const rep = await addMember(first, "sales_rep");
    const prospectOf = async (account: Account) => (await insertProspect(account)).id;
    const firstProspect = await prospectOf(first);
    // An event before the job's, so its numbers must follow on.
    const old = await createManual(first, { prospectId: firstProspect, priority: "high" });
    const fresh = await createManual(first, { prospectId: firstProspect });
    const claimed = await createManual(first, { prospectId: firstProspect });
    expect((await move(rep, "claim", claimed.id)).status).toBe(200);
    const past = sql`now() - interval '1 minute'`;
    await db
      .update(handoffPackages)
      .set({ expiresAt: past })
      .where(sql`${handoffPackages.id} in (${old.id}, ${claimed.id})`);
    // More than a batch in the second tenant: the job loops until none is due.
    const secondProspect = await prospectOf(second);
    const many = EXPIRY_BATCH + 5;
    await db.insert(handoffPackages).values(
      Array.from({ length: many }, (_, i) => ({
        tenantId: second.tenantId,
        prospectId: secondProspect,
        prospectName: "Many",
        priority: "low" as const,
        reason: "Bulk",
        summary: `Bulk ${i}`,
        qualificationScore: {},
        expiresAt: new Date(Date.now() - 3_600_000 - i * 1000),
      })),
    );
    const due = async () =>
      (
        await db
          .select({ n: sql<number>`count(*)::int` })
          .from(handoffPackages)
          .where(sql`${handoffPackages.status} = 'pending' and ${handoffPackages.expiresAt} <= now()`)
      )[0]!.n;
    const dueBefore = await due();
    expect(dueBefore).toBeGreaterThanOrEqual(many + 1);

    const result = await handoffExpiry.run(db, { deadline: deadline() });
    expect(result).toEqual({ expired: dueBefore, complete: true });
    expect(await due()).toBe(0);

    const statusOf = async (id: string) =>
      (await call(handoffFn, { path: `/api/handoffs/${id}`, token: first.accessToken })).body.data as Handoff;
    const expiredOld = await statusOf(old.id);
    expect(expiredOld.status).toBe("expired");
    expect((await statusOf(fresh.id)).status).toBe("pending");
    expect((await statusOf(claimed.id)).status).toBe("claimed");

    // The event carries the package's state as the route answers it.
    const expiredEvents = await eventsAbout(first, old.id, "handoff:expired");
    expect(expiredEvents.map((event) => event.payload)).toEqual([stateOf(expiredOld)]);
    expect(await eventsAbout(first, fresh.id, "handoff:expired")).toEqual([]);

    // Each tenant's numbers run on with no gap or repeat, and its counter is the last of them.
    for (const [account, count] of [
      [first, 5],
      [second, many],
    ] as const) {
      const seqs = await db
        .select({ seq: events.seq, type: events.type })
        .from(events)
        .where(eq(events.tenantId, account.tenantId))
        .orderBy(events.seq);
      expect(seqs.map((event) => event.seq)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
      const [counter] = await db
        .select({ last: tenants.lastEventSeq })
        .from(tenants)
        .where(eq(tenants.id, account.tenantId));
      expect(counter?.last).toBe(count);
    }
    const secondEvents = await db
      .select({ type: events.type, resourceId: events.resourceId })
      .from(events)
      .where(eq(events.tenantId, second.tenantId));
    expect(new Set(secondEvents.map((event) => event.type))).toEqual(new Set(["handoff:expired"]));
    expect(new Set(secondEvents.map((event) => event.resourceId)).size).toBe(many);

    // Idempotent: the scheduled function's run finds nothing more, and writes nothing.
    const again = await expiryFn.default(new Request("http://localhost/.netlify/functions/sales-handoff-expiry"));
    expect(await again.json()).toEqual({ data: { job: "handoff-expiry", result: { expired: 0, complete: true } } });
    const [counter] = await db
      .select({ last: tenants.lastEventSeq })
      .from(tenants)
      .where(eq(tenants.id, first.tenantId));
    expect(counter?.last).toBe(5);
  });

  it("stops at the deadline, leaving the rest for the next run", async () => {
    expect(await handoffExpiry.run(db, { deadline: Date.now() })).toEqual({ expired: 0, complete: false });
  });
});
