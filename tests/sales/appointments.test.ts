import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { type Database, getDatabase, getDb } from "../../db/client";
import {
  APPOINTMENT_STATUSES,
  type AppointmentStatus,
  appointments,
  conversations,
  handoffPackages,
  PROSPECT_STATUSES,
  type ProspectStatus,
  properties,
  prospectConversations,
  prospects,
} from "../../db/schema";
import * as appointmentsFn from "../../netlify/functions/sales-appointments";
import * as appointmentFn from "../../netlify/functions/sales-appointments-id";
import { type Account, addMember, createApiKey, registerTenant, unique } from "../../scripts/dev/fixtures";
import { type CallOptions, call } from "../../scripts/dev/http";
import { MAX_YEARS_AHEAD } from "../../services/sales/appointments.schemas";

type Appointment = {
  id: string;
  prospectId: string;
  propertyId: string | null;
  assignedRepId: string | null;
  conversationId: string | null;
  scheduledAt: string;
  durationMinutes: number;
  status: AppointmentStatus;
  location: string | null;
  notes: string | null;
  sourceChannel: string | null;
  prospectName: string;
  propertyName: string | null;
  assignedRepName: string | null;
};

/** 2031-01-01 plus `day` days, at hh:mm UTC: each test books its reps on days of its own. */
const at = (day: number, time: string) =>
  new Date(Date.parse(`2031-01-01T${time}:00.000Z`) + day * 86_400_000).toISOString();

const appointmentPath = (id: string) => `/api/appointments/${id}`;

/** `days` days after MAX_YEARS_AHEAD years from now: the edge of how far ahead a viewing is booked. */
function yearsAhead(days: number) {
  const date = new Date();
  date.setUTCFullYear(date.getUTCFullYear() + MAX_YEARS_AHEAD);
  return new Date(date.getTime() + days * 86_400_000).toISOString();
}

/** Statements of a transaction: node-postgres and Neon count its BEGIN and COMMIT, PGlite does not. */
const inTransaction = async (n: number) => n + ((await getDatabase()).driver === "pglite" ? 0 : 2);

let db: Database;
let owner: Account;
let manager: Account;
let rep: Account;
let otherRep: Account;
let qa: Account;
let other: Account;

beforeAll(async () => {
  db = await getDb();
  owner = await registerTenant("appointments");
  manager = await addMember(owner, "sales_manager");
  rep = await addMember(owner, "sales_rep");
  otherRep = await addMember(owner, "sales_rep");
  qa = await addMember(owner, "qa_supervisor");
  other = await registerTenant("appointments-other");
});

async function newProspect(account: Account, fields: Partial<typeof prospects.$inferInsert> = {}) {
  const [row] = await db
    .insert(prospects)
    .values({ tenantId: account.tenantId, name: unique("Prospect"), ...fields })
    .returning({ id: prospects.id });
  return row?.id as string;
}

async function newProperty(account: Account, name = unique("Villa")) {
  const [row] = await db
    .insert(properties)
    .values({ tenantId: account.tenantId, name, city: "Dubai", priceMin: "1000000.00", bedrooms: 3, type: "villa" })
    .returning({ id: properties.id });
  return row?.id as string;
}

/** An inbox conversation linked to the prospect as its sales conversation. */
async function newConversation(account: Account, prospectId: string) {
  const id = randomUUID();
  await db.insert(conversations).values({ id, tenantId: account.tenantId, channelType: "phone", outcome: "connected" });
  await db.insert(prospectConversations).values({ conversationId: id, tenantId: account.tenantId, prospectId });
  return id;
}

const book = (as: Account, body: Record<string, unknown>, options: CallOptions = {}) =>
  call(appointmentsFn, { method: "POST", token: as.accessToken, body, ...options });

async function booked(as: Account, body: Record<string, unknown>): Promise<Appointment> {
  const res = await book(as, body);
  expect(res.status, res.text).toBe(201);
  return res.body.data;
}

const patch = (as: Account, id: string, body: Record<string, unknown>) =>
  call(appointmentFn, { method: "PATCH", path: appointmentPath(id), token: as.accessToken, body });

async function statusOf(id: string) {
  const [row] = await db.select({ status: appointments.status }).from(appointments).where(eq(appointments.id, id));
  return row?.status;
}

describe("POST /api/appointments", () => {
  it("books a viewing with the prospect's, property's and rep's names, in four statements", async () => {
    const prospectId = await newProspect(owner, { name: "Ada Buyer", assignedTo: rep.userId });
    const propertyId = await newProperty(owner, "Palm Villa");
    const conversationId = await newConversation(owner, prospectId);
    const res = await book(manager, {
      prospectId,
      propertyId,
      conversationId,
      scheduledAt: "2031-01-01T12:00:00+02:00",
      durationMinutes: 45,
      location: " Palm Villa gate ",
      notes: "Bring the floor plan",
      sourceChannel: "WHATSAPP",
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.data).toMatchObject({
      prospectId,
      propertyId,
      conversationId,
      assignedRepId: rep.userId,
      scheduledAt: "2031-01-01T10:00:00.000Z",
      durationMinutes: 45,
      location: "Palm Villa gate",
      notes: "Bring the floor plan",
      sourceChannel: "whatsapp",
      status: "scheduled",
      prospectName: "Ada Buyer",
      propertyName: "Palm Villa",
      assignedRepName: "A sales_rep",
    });
    expect(res.body.data).not.toHaveProperty("tenantId");
    // The prospect, the rep; then, in a transaction, the rep's lock and the insert with the prospect's move and the names.
    expect(res.statements).toBe(2 + (await inTransaction(2)));
  });

  it("defaults the rep to the prospect's assignee and the duration to 60 minutes", async () => {
    const prospectId = await newProspect(owner, { assignedTo: otherRep.userId });
    const data = await booked(manager, { prospectId, scheduledAt: at(1, "10:00") });
    expect(data).toMatchObject({ assignedRepId: otherRep.userId, durationMinutes: 60, propertyId: null });
    expect(data.propertyName).toBeNull();
  });

  it("answers 422 when neither the body nor the prospect names a rep", async () => {
    const prospectId = await newProspect(owner);
    const res = await book(manager, { prospectId, scheduledAt: at(2, "10:00") });
    expect(res.status, res.text).toBe(422);
    expect(res.body.error.message).toMatch(/needs a rep/);
  });

  it("answers 404 for a rep who is not of a rep role (a QA supervisor, the owner)", async () => {
    const prospectId = await newProspect(owner);
    for (const notARep of [qa, owner]) {
      const res = await book(manager, { prospectId, assignedRepId: notARep.userId, scheduledAt: at(3, "10:00") });
      expect(res.status, res.text).toBe(404);
    }
    const assignedToQa = await newProspect(owner, { assignedTo: qa.userId });
    expect((await book(manager, { prospectId: assignedToQa, scheduledAt: at(3, "12:00") })).status).toBe(404);
  });

  it("answers 422 for a time in the past and writes nothing", async () => {
    const prospectId = await newProspect(owner, { assignedTo: rep.userId });
    const res = await book(manager, { prospectId, scheduledAt: new Date(Date.now() - 60_000).toISOString() });
    expect(res.status, res.text).toBe(422);
    expect(await db.select().from(appointments).where(eq(appointments.prospectId, prospectId))).toEqual([]);
  });

  it("books up to 5 years ahead", async () => {
    const prospectId = await newProspect(owner, { assignedTo: rep.userId });
    const scheduledAt = yearsAhead(-2);
    expect((await booked(manager, { prospectId, scheduledAt, durationMinutes: 1440 })).scheduledAt).toBe(scheduledAt);
  });

  it.each([
    ["a 4-minute appointment", { durationMinutes: 4 }],
    ["a 1441-minute appointment", { durationMinutes: 1441 }],
    ["a fractional duration", { durationMinutes: 30.5 }],
    ["a date Date would guess at", { scheduledAt: "Jan 5 2031 10:00" }],
    ["a date-time without offset", { scheduledAt: "2031-01-05T10:00:00" }],
    ["a month 13", { scheduledAt: "2031-13-05T10:00:00Z" }],
    ["a year past 9999", { scheduledAt: "+275760-09-13T00:00:00Z" }],
    // Its end would be past the year 9999, which Postgres refuses: never a 500.
    ["the last half hour of 9999", { scheduledAt: "9999-12-31T23:30:00Z", durationMinutes: 60 }],
    ["a day more than 5 years ahead", { scheduledAt: yearsAhead(1) }],
    ["a prospectId that is not a uuid", { prospectId: "42" }],
    ["an unknown channel", { sourceChannel: "fax" }],
    ["an empty location", { location: "  " }],
    ["a status (every booking starts scheduled)", { status: "completed" }],
    ["an unknown field", { prospectName: "Ada" }],
  ])("refuses %s with 400", async (_name, change) => {
    const res = await book(manager, { prospectId: randomUUID(), scheduledAt: at(4, "10:00"), ...change });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
  });

  describe("ids in the body resolve in the caller's tenant", () => {
    let prospectId: string;
    const foreign: Record<string, string> = {};
    beforeAll(async () => {
      prospectId = await newProspect(owner, { assignedTo: rep.userId });
      const theirs = await newProspect(other);
      foreign.prospectId = theirs;
      foreign.propertyId = await newProperty(other);
      foreign.conversationId = await newConversation(other, theirs);
      foreign.assignedRepId = (await addMember(other, "sales_rep")).userId;
    });

    it.each(["prospectId", "propertyId", "conversationId", "assignedRepId"])(
      "another tenant's %s is 404, and nothing is booked",
      async (field) => {
        const res = await book(manager, { prospectId, scheduledAt: at(5, "10:00"), [field]: foreign[field] });
        expect(res.status, res.text).toBe(404);
        expect(res.body.error.code).toBe("NOT_FOUND");
        const rows = await db.select().from(appointments).where(eq(appointments.tenantId, owner.tenantId));
        expect(rows.filter((row) => row.scheduledAt.toISOString() === at(5, "10:00"))).toEqual([]);
      },
    );

    it("a conversation of another prospect of the tenant is 404", async () => {
      const conversationId = await newConversation(owner, await newProspect(owner));
      const res = await book(manager, { prospectId, conversationId, scheduledAt: at(5, "12:00") });
      expect(res.status, res.text).toBe(404);
    });
  });

  describe("the prospect's status", () => {
    const MOVES_TO_APPOINTMENT_SET: ProspectStatus[] = ["new", "contacted", "qualified"];
    it.each(PROSPECT_STATUSES.map((status, i) => [status, i] as const))(
      "booking for a %s prospect moves it to appointment_set only from new, contacted or qualified",
      async (status, i) => {
        const prospectId = await newProspect(owner, { status, assignedTo: rep.userId });
        await booked(manager, { prospectId, scheduledAt: at(6 + i, "10:00") });
        const [row] = await db.select({ status: prospects.status }).from(prospects).where(eq(prospects.id, prospectId));
        expect(row?.status).toBe(MOVES_TO_APPOINTMENT_SET.includes(status) ? "appointment_set" : status);
      },
    );

    it("does not move when the booking is refused", async () => {
      const prospectId = await newProspect(owner, { status: "qualified", assignedTo: rep.userId });
      await booked(manager, { prospectId, scheduledAt: at(13, "10:00") });
      const second = await newProspect(owner, { status: "qualified", assignedTo: rep.userId });
      expect((await book(manager, { prospectId: second, scheduledAt: at(13, "10:30") })).status).toBe(409);
      const [row] = await db.select({ status: prospects.status }).from(prospects).where(eq(prospects.id, second));
      expect(row?.status).toBe("qualified");
    });
  });

  it("honours Idempotency-Key: the retry answers the first booking and books nothing more", async () => {
    const prospectId = await newProspect(owner, { assignedTo: rep.userId });
    const headers = { "idempotency-key": randomUUID() };
    const body = { prospectId, scheduledAt: at(14, "10:00") };
    const first = await book(manager, body, { headers });
    const retry = await book(manager, body, { headers });
    expect(first.status, first.text).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body.data.id).toBe(first.body.data.id);
    expect(await db.select().from(appointments).where(eq(appointments.prospectId, prospectId))).toHaveLength(1);
  });
});

describe("a rep is never booked into two overlapping appointments", () => {
  let busyRep: Account;
  let prospectId: string;
  let tenToEleven: Appointment;
  beforeAll(async () => {
    busyRep = await addMember(owner, "sales_rep");
    prospectId = await newProspect(owner, { assignedTo: busyRep.userId });
    tenToEleven = await booked(manager, { prospectId, scheduledAt: at(20, "10:00") });
  });

  it("books the slots right before and right after one (10:00–11:00, then 11:00–12:00 and 09:00–10:00)", async () => {
    await booked(manager, { prospectId, scheduledAt: at(24, "10:00") });
    expect((await book(manager, { prospectId, scheduledAt: at(24, "11:00") })).status).toBe(201);
    expect((await book(manager, { prospectId, scheduledAt: at(24, "09:00") })).status).toBe(201);
  });

  it.each([
    ["starting inside it", "10:30", 60],
    ["ending inside it", "09:30", 60],
    ["inside it", "10:15", 15],
    ["around it", "08:00", 300],
    ["at the same time", "10:00", 60],
  ])("answers 409 for a slot %s, naming the appointment in the way", async (_name, time, durationMinutes) => {
    const res = await book(manager, { prospectId, scheduledAt: at(20, time), durationMinutes });
    expect(res.status, res.text).toBe(409);
    expect(res.body.error.code).toBe("CONFLICT");
    expect(res.body.error.message).toContain(at(20, "10:00"));
    expect(res.body.error.message).toContain(at(20, "11:00"));
    expect(res.body.error.details[0]).toMatchObject({ appointmentId: tenToEleven.id, scheduledAt: at(20, "10:00") });
  });

  it("books another rep at the same time", async () => {
    const data = await booked(manager, { prospectId, assignedRepId: otherRep.userId, scheduledAt: at(20, "10:00") });
    expect(data.assignedRepId).toBe(otherRep.userId);
  });

  it.each(["completed", "no_show"] as const)("a %s appointment no longer holds the rep's time", async (status) => {
    const day = status === "completed" ? 21 : 22;
    const first = await booked(manager, { prospectId, scheduledAt: at(day, "10:00") });
    expect((await book(manager, { prospectId, scheduledAt: at(day, "10:00") })).status).toBe(409);
    expect((await patch(manager, first.id, { status })).status).toBe(200);
    expect((await book(manager, { prospectId, scheduledAt: at(day, "10:00") })).status).toBe(201);
  });

  it("10 parallel overlapping bookings of one rep: exactly one 201, nine 409", async () => {
    const racer = await addMember(owner, "sales_rep");
    const racedProspect = await newProspect(owner, { assignedTo: racer.userId });
    // Starts 10:00, 10:05 ... 10:45, an hour each: every two overlap.
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        book(manager, { prospectId: racedProspect, scheduledAt: at(23, `10:${String(i * 5).padStart(2, "0")}`) }),
      ),
    );
    const statuses = responses.map((res) => res.status).sort();
    expect(statuses).toEqual([201, ...Array(9).fill(409)]);
    const rows = await db.select().from(appointments).where(eq(appointments.assignedRepId, racer.userId));
    expect(rows.map((row) => row.id)).toEqual([responses.find((res) => res.status === 201)?.body.data.id]);
  });
});

describe("PATCH/PUT /api/appointments/:id", () => {
  let calendarRep: Account;
  let prospectId: string;
  beforeAll(async () => {
    calendarRep = await addMember(owner, "sales_rep");
    prospectId = await newProspect(owner, { assignedTo: calendarRep.userId });
  });

  it("reschedules to a free time, and again, keeping its rep and duration", async () => {
    const appointment = await booked(manager, { prospectId, scheduledAt: at(30, "10:00"), durationMinutes: 30 });
    const res = await patch(manager, appointment.id, { status: "rescheduled", scheduledAt: at(30, "14:00") });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toMatchObject({ status: "rescheduled", scheduledAt: at(30, "14:00"), durationMinutes: 30 });
    expect(res.body.data.prospectName).toEqual(appointment.prospectName);
    const again = await patch(manager, appointment.id, { status: "RESCHEDULED", scheduledAt: at(30, "14:15") });
    expect(again.status, again.text).toBe(200);
    expect(again.body.data.scheduledAt).toBe(at(30, "14:15"));
  });

  it("answers 409 when the new time overlaps another of the rep's appointments, and keeps the old one", async () => {
    const morning = await booked(manager, { prospectId, scheduledAt: at(31, "09:00") });
    const noon = await booked(manager, { prospectId, scheduledAt: at(31, "12:00") });
    const res = await patch(manager, noon.id, { status: "rescheduled", scheduledAt: at(31, "09:30") });
    expect(res.status, res.text).toBe(409);
    expect(res.body.error.details[0].appointmentId).toBe(morning.id);
    const [row] = await db.select().from(appointments).where(eq(appointments.id, noon.id));
    expect(row).toMatchObject({ status: "scheduled", scheduledAt: new Date(at(31, "12:00")) });
  });

  it("5 parallel reschedules of one rep's appointments into one slot: exactly one 200, four 409", async () => {
    const racer = await addMember(owner, "sales_rep");
    const racedProspect = await newProspect(owner, { assignedTo: racer.userId });
    const slots = ["08:00", "09:00", "10:00", "11:00", "12:00"];
    const booking = await Promise.all(
      slots.map((time) => booked(manager, { prospectId: racedProspect, scheduledAt: at(38, time) })),
    );
    const responses = await Promise.all(
      booking.map((appointment) =>
        patch(manager, appointment.id, { status: "rescheduled", scheduledAt: at(38, "15:00") }),
      ),
    );
    expect(responses.map((res) => res.status).sort()).toEqual([200, 409, 409, 409, 409]);
    const moved = await db
      .select()
      .from(appointments)
      .where(and(eq(appointments.assignedRepId, racer.userId), eq(appointments.status, "rescheduled")));
    expect(moved).toHaveLength(1);
  });

  it("may move over its own old time, and right up to the next appointment", async () => {
    const first = await booked(manager, { prospectId, scheduledAt: at(32, "10:00") });
    await booked(manager, { prospectId, scheduledAt: at(32, "11:30") });
    const res = await patch(manager, first.id, { status: "rescheduled", scheduledAt: at(32, "10:30") });
    expect(res.status, res.text).toBe(200);
  });

  it("answers 409 when a longer duration would run into the next appointment", async () => {
    const first = await booked(manager, { prospectId, scheduledAt: at(33, "10:00") });
    await booked(manager, { prospectId, scheduledAt: at(33, "11:00") });
    expect((await patch(manager, first.id, { durationMinutes: 61 })).status).toBe(409);
    const res = await patch(manager, first.id, { durationMinutes: 60, notes: "Still an hour" });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data.notes).toBe("Still an hour");
  });

  it("reassigns to a free rep; a rep busy then is 409; another tenant's rep or a non-rep is 404", async () => {
    const appointment = await booked(manager, { prospectId, scheduledAt: at(34, "10:00") });
    const busy = await addMember(owner, "sales_rep");
    await booked(manager, { prospectId, assignedRepId: busy.userId, scheduledAt: at(34, "10:30") });
    expect((await patch(manager, appointment.id, { assignedRepId: busy.userId })).status).toBe(409);
    const foreignRep = await addMember(other, "sales_rep");
    expect((await patch(manager, appointment.id, { assignedRepId: foreignRep.userId })).status).toBe(404);
    expect((await patch(manager, appointment.id, { assignedRepId: qa.userId })).status).toBe(404);
    const res = await patch(manager, appointment.id, { assignedRepId: otherRep.userId });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toMatchObject({ assignedRepId: otherRep.userId, assignedRepName: "A sales_rep" });
  });

  it("changes the property, resolved in the tenant, and clears it with null", async () => {
    const appointment = await booked(manager, { prospectId, scheduledAt: at(35, "10:00") });
    const propertyId = await newProperty(owner, "Marina Loft");
    const set = await patch(manager, appointment.id, { propertyId });
    expect(set.body.data).toMatchObject({ propertyId, propertyName: "Marina Loft" });
    expect((await patch(manager, appointment.id, { propertyId: await newProperty(other) })).status).toBe(404);
    const cleared = await call(appointmentFn, {
      method: "PUT",
      path: appointmentPath(appointment.id),
      token: manager.accessToken,
      body: { propertyId: null, location: null },
    });
    expect(cleared.status, cleared.text).toBe(200);
    expect(cleared.body.data).toMatchObject({ propertyId: null, propertyName: null, location: null });
  });

  it.each([
    ["rescheduled without the new time", { status: "rescheduled" }],
    ["a new time without rescheduling", { scheduledAt: at(36, "10:00") }],
    ["a new time with another status", { status: "completed", scheduledAt: at(36, "10:00") }],
    ["an empty body", {}],
    ["an unknown status", { status: "cancelled" }],
    ["an unknown field", { prospectId: randomUUID() }],
    ["a reschedule to the last half hour of 9999", { status: "rescheduled", scheduledAt: "9999-12-31T23:30:00Z" }],
    ["a reschedule a day more than 5 years ahead", { status: "rescheduled", scheduledAt: yearsAhead(1) }],
  ])("refuses %s with 400", async (_name, body) => {
    const res = await patch(manager, randomUUID(), body);
    expect(res.status, res.text).toBe(400);
  });

  it("reschedules up to 5 years ahead, and refuses a day more with 400, keeping the appointment", async () => {
    const appointment = await booked(manager, { prospectId, scheduledAt: at(38, "10:00") });
    const far = await patch(manager, appointment.id, { status: "rescheduled", scheduledAt: yearsAhead(1) });
    expect(far.status, far.text).toBe(400);
    expect(far.body.error.details[0]).toMatchObject({ path: "body.scheduledAt" });
    expect(await statusOf(appointment.id)).toBe("scheduled");
    const edge = yearsAhead(-1);
    const res = await patch(manager, appointment.id, { status: "rescheduled", scheduledAt: edge });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data.scheduledAt).toBe(edge);
  });

  it("answers 422 for a reschedule into the past", async () => {
    const appointment = await booked(manager, { prospectId, scheduledAt: at(37, "10:00") });
    const past = new Date(Date.now() - 3_600_000).toISOString();
    expect((await patch(manager, appointment.id, { status: "rescheduled", scheduledAt: past })).status).toBe(422);
    expect(await statusOf(appointment.id)).toBe("scheduled");
  });

  describe("the state machine: every move", () => {
    const ALLOWED: Record<AppointmentStatus, AppointmentStatus[]> = {
      scheduled: ["completed", "no_show", "rescheduled"],
      rescheduled: ["completed", "no_show", "rescheduled"],
      completed: [],
      no_show: [],
    };
    const moves = APPOINTMENT_STATUSES.flatMap((from) => APPOINTMENT_STATUSES.map((to) => [from, to] as const));

    it.each(moves.map(([from, to], i) => [from, to, ALLOWED[from].includes(to) ? 200 : 422, i] as const))(
      "%s → %s answers %i",
      async (from, to, expected, i) => {
        const [row] = await db
          .insert(appointments)
          .values({
            tenantId: owner.tenantId,
            prospectId,
            assignedRepId: calendarRep.userId,
            scheduledAt: new Date(at(40 + i, "10:00")),
            status: from,
          })
          .returning({ id: appointments.id });
        const id = row?.id as string;
        const body = to === "rescheduled" ? { status: to, scheduledAt: at(40 + i, "15:00") } : { status: to };
        const res = await patch(manager, id, body);
        expect(res.status, res.text).toBe(expected);
        expect(await statusOf(id)).toBe(expected === 200 ? to : from);
        if (expected === 422) {
          expect(res.body.error.code).toBe("UNPROCESSABLE");
          expect(res.body.error.details[0].allowed).toEqual(ALLOWED[from]);
        }
      },
    );
  });
});

describe("GET /api/appointments", () => {
  let calendar: Account;
  let listRep: Account;
  let secondRep: Account;
  let ada: string;
  let bob: string;
  let list: Record<string, Appointment>;
  beforeAll(async () => {
    calendar = await registerTenant("appointments-list");
    listRep = await addMember(calendar, "sales_rep");
    secondRep = await addMember(calendar, "sales_rep");
    ada = await newProspect(calendar, { name: "Ada", assignedTo: listRep.userId });
    bob = await newProspect(calendar, { name: "Bob", assignedTo: secondRep.userId });
    const propertyId = await newProperty(calendar, "Creek House");
    list = {
      // Booked out of order; the list is by start.
      late: await booked(calendar, { prospectId: ada, scheduledAt: at(3, "10:00"), propertyId }),
      early: await booked(calendar, { prospectId: ada, scheduledAt: at(1, "10:00") }),
      bobs: await booked(calendar, { prospectId: bob, scheduledAt: at(2, "10:00") }),
      middle: await booked(calendar, { prospectId: ada, scheduledAt: at(2, "10:00") }),
    };
    expect((await patch(calendar, list.middle?.id as string, { status: "completed" })).status).toBe(200);
    await booked(other, {
      prospectId: await newProspect(other, { assignedTo: (await addMember(other, "sales_rep")).userId }),
      scheduledAt: at(2, "10:00"),
    });
  });
  const ids = (data: Appointment[]) => data.map((appointment) => appointment.id);
  const listAs = (as: Account, query: CallOptions["query"] = {}) =>
    call(appointmentsFn, { token: as.accessToken, query });

  it("lists the tenant's appointments earliest first, with names, in one statement", async () => {
    const res = await listAs(calendar);
    expect(res.status, res.text).toBe(200);
    const { early, middle, bobs, late } = list as Record<string, Appointment>;
    // Same start: by id.
    const sameDay = [middle, bobs].map((row) => row?.id as string).sort();
    expect(ids(res.body.data)).toEqual([early?.id, ...sameDay, late?.id]);
    expect(res.body.pagination).toMatchObject({ total: 4, hasMore: false });
    expect(res.body.data.at(-1)).toMatchObject({
      prospectName: "Ada",
      propertyName: "Creek House",
      assignedRepName: "A sales_rep",
    });
    expect(res.statements).toBe(1);
  });

  it("reads names from their rows on every read, never a copy", async () => {
    await db.update(prospects).set({ name: "Bob Renamed" }).where(eq(prospects.id, bob));
    const res = await call(appointmentFn, {
      path: appointmentPath(list.bobs?.id as string),
      token: calendar.accessToken,
    });
    expect(res.body.data.prospectName).toBe("Bob Renamed");
    expect(res.statements).toBe(1);
  });

  it.each([
    ["prospectId", () => ({ prospectId: bob }), () => [list.bobs]],
    ["assignedRepId", () => ({ assignedRepId: secondRep.userId }), () => [list.bobs]],
    ["status", () => ({ status: "COMPLETED" }), () => [list.middle]],
    ["from", () => ({ from: at(2, "10:00") }), () => [list.middle, list.bobs, list.late]],
    ["to (exclusive)", () => ({ to: at(2, "10:00") }), () => [list.early]],
    ["from and to, as dates", () => ({ from: "2031-01-03", to: "2031-01-04" }), () => [list.middle, list.bobs]],
    ["an empty range", () => ({ from: at(2, "10:00"), to: at(2, "10:00") }), () => []],
  ])("filters by %s", async (_name, query, expected) => {
    const res = await listAs(calendar, query());
    expect(res.status, res.text).toBe(200);
    expect(ids(res.body.data).sort()).toEqual(ids(expected() as Appointment[]).sort());
  });

  it("pages by cursor in start order", async () => {
    const first = await listAs(calendar, { limit: 3 });
    expect(first.body.pagination.hasMore).toBe(true);
    const second = await listAs(calendar, { limit: 3, cursor: first.body.pagination.nextCursor });
    expect(second.status, second.text).toBe(200);
    expect(ids(second.body.data)).toEqual([list.late?.id]);
  });

  it("shows a sales rep only the appointments assigned to them", async () => {
    const res = await listAs(listRep);
    expect(ids(res.body.data)).toEqual([list.early, list.middle, list.late].map((row) => row?.id));
    expect(ids((await listAs(listRep, { assignedRepId: secondRep.userId })).body.data)).toEqual([]);
  });

  it.each([
    ["limit 0", { limit: 0 }],
    ["limit 101", { limit: 101 }],
    ["an unknown status", { status: "cancelled" }],
    ["a prospectId that is not a uuid", { prospectId: "ada" }],
    ["an assignedRepId that is not a uuid", { assignedRepId: "1" }],
    ["from after to", { from: at(3, "00:00"), to: at(2, "00:00") }],
    ["a from Date would guess at", { from: "tomorrow" }],
    ["a to past the year 9999", { to: "10000-01-01" }],
    ["an unknown filter", { repId: randomUUID() }],
  ])("refuses %s with 400", async (_name, query) => {
    const res = await listAs(calendar, query);
    expect(res.status, res.text).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
  });
});

describe("GET /api/appointments/:id", () => {
  it("answers 404 for another tenant's appointment and for a bad id 400", async () => {
    const theirs = await booked(other, {
      prospectId: await newProspect(other, { assignedTo: (await addMember(other, "sales_rep")).userId }),
      scheduledAt: at(60, "10:00"),
    });
    const res = await call(appointmentFn, { path: appointmentPath(theirs.id), token: owner.accessToken });
    expect(res.status).toBe(404);
    expect((await call(appointmentFn, { path: appointmentPath("1"), token: owner.accessToken })).status).toBe(400);
  });
});

describe("roles", () => {
  let mine: Appointment;
  let theirs: Appointment;
  let myProspect: string;
  let theirProspect: string;
  beforeAll(async () => {
    myProspect = await newProspect(owner, { assignedTo: rep.userId });
    theirProspect = await newProspect(owner, { assignedTo: otherRep.userId });
    mine = await booked(manager, { prospectId: myProspect, scheduledAt: at(70, "10:00") });
    theirs = await booked(manager, { prospectId: theirProspect, scheduledAt: at(70, "10:00") });
  });

  it("a sales rep books their own prospect for themselves", async () => {
    const data = await booked(rep, { prospectId: myProspect, scheduledAt: at(71, "10:00") });
    expect(data.assignedRepId).toBe(rep.userId);
    expect(
      (await book(rep, { prospectId: myProspect, assignedRepId: rep.userId, scheduledAt: at(71, "12:00") })).status,
    ).toBe(201);
  });

  it("a sales rep cannot book another rep's prospect (404, as if unknown), nor another rep (403, known or not)", async () => {
    const forTheirs = await book(rep, { prospectId: theirProspect, scheduledAt: at(72, "10:00") });
    expect(forTheirs.status, forTheirs.text).toBe(404);
    for (const assignedRepId of [otherRep.userId, randomUUID()]) {
      const forOtherRep = await book(rep, { prospectId: myProspect, assignedRepId, scheduledAt: at(72, "10:00") });
      expect(forOtherRep.status, forOtherRep.text).toBe(403);
      expect(forOtherRep.body.error.code).toBe("FORBIDDEN");
    }
    const rows = await db
      .select()
      .from(appointments)
      .where(eq(appointments.scheduledAt, new Date(at(72, "10:00"))));
    expect(rows).toEqual([]);
  });

  it("a sales rep reads and changes only their own appointments, and cannot reassign them", async () => {
    const path = appointmentPath(theirs.id);
    expect((await call(appointmentFn, { path, token: rep.accessToken })).status).toBe(404);
    expect((await patch(rep, theirs.id, { notes: "Mine now" })).status).toBe(404);
    expect((await call(appointmentFn, { path: appointmentPath(mine.id), token: rep.accessToken })).status).toBe(200);
    expect((await patch(rep, mine.id, { notes: "Keys at reception" })).status).toBe(200);
    for (const assignedRepId of [otherRep.userId, randomUUID()]) {
      const reassign = await patch(rep, mine.id, { assignedRepId });
      expect(reassign.status, reassign.text).toBe(403);
    }
    const [row] = await db.select().from(appointments).where(eq(appointments.id, mine.id));
    expect(row).toMatchObject({ assignedRepId: rep.userId, notes: "Keys at reception" });
  });

  it("a QA supervisor reads every appointment but changes none", async () => {
    const list = await call(appointmentsFn, { token: qa.accessToken, query: { limit: 100 } });
    expect(list.status).toBe(200);
    expect(list.body.data.map((row: Appointment) => row.id)).toEqual(expect.arrayContaining([mine.id, theirs.id]));
    expect((await book(qa, { prospectId: myProspect, scheduledAt: at(73, "10:00") })).status).toBe(403);
    expect((await patch(qa, mine.id, { notes: "QA" })).status).toBe(403);
    const deleted = await call(appointmentFn, {
      method: "DELETE",
      path: appointmentPath(mine.id),
      token: qa.accessToken,
    });
    expect(deleted.status).toBe(403);
    expect(await statusOf(mine.id)).toBe("scheduled");
  });

  it("an ai-agent key books, reads and moves appointments", async () => {
    const { key } = await createApiKey(owner, ["ai-agent"]);
    const res = await call(appointmentsFn, {
      method: "POST",
      apiKey: key,
      body: { prospectId: theirProspect, scheduledAt: at(74, "10:00"), sourceChannel: "phone" },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.data.assignedRepId).toBe(otherRep.userId);
    const moved = await call(appointmentFn, {
      method: "PATCH",
      path: appointmentPath(res.body.data.id),
      apiKey: key,
      body: { status: "no_show" },
    });
    expect(moved.status, moved.text).toBe(200);
  });
});

describe("DELETE /api/appointments/:id", () => {
  const remove = (as: Account, id: string) =>
    call(appointmentFn, { method: "DELETE", path: appointmentPath(id), token: as.accessToken });
  let prospectId: string;
  beforeAll(async () => {
    prospectId = await newProspect(owner, { assignedTo: rep.userId });
  });

  it("deletes for a manager; a sales rep is refused", async () => {
    const appointment = await booked(manager, { prospectId, scheduledAt: at(80, "10:00") });
    expect((await remove(rep, appointment.id)).status).toBe(403);
    expect((await remove(manager, appointment.id)).status).toBe(204);
    expect(await statusOf(appointment.id)).toBeUndefined();
    expect((await remove(manager, appointment.id)).status).toBe(404);
  });

  it("keeps one a hand-off package was built from (409)", async () => {
    const appointment = await booked(manager, { prospectId, scheduledAt: at(81, "10:00") });
    await db.insert(handoffPackages).values({
      tenantId: owner.tenantId,
      prospectId,
      appointmentId: appointment.id,
      prospectName: "Handed off",
      priority: "high",
      reason: "Booked",
      summary: "Booked a viewing",
      qualificationScore: { overall: 80 },
      expiresAt: new Date(at(82, "10:00")),
    });
    const res = await remove(manager, appointment.id);
    expect(res.status, res.text).toBe(409);
    expect(await statusOf(appointment.id)).toBe("scheduled");
  });

  it("answers 404 for another tenant's appointment and deletes nothing", async () => {
    const appointment = await booked(manager, { prospectId, scheduledAt: at(83, "10:00") });
    expect((await remove(other, appointment.id)).status).toBe(404);
    const rows = await db
      .select()
      .from(appointments)
      .where(and(eq(appointments.id, appointment.id), eq(appointments.tenantId, owner.tenantId)));
    expect(rows).toHaveLength(1);
  });
});
