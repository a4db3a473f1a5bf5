import {
  type AnyColumn,
  and,
  eq,
  exists,
  getTableColumns,
  gt,
  gte,
  inArray,
  lt,
  ne,
  notExists,
  sql,
} from "drizzle-orm";
import type { z } from "zod";
import type { Database } from "../../db/client";
import {
  type AppointmentStatus,
  appointments,
  type ProspectStatus,
  properties,
  prospectConversations,
  prospects,
  users,
} from "../../db/schema";
import { shownColumns } from "../../shared/columns";
import type { ServiceContext } from "../../shared/context";
import { AppError, conflict, forbidden, isForeignKeyViolation, notFound, unprocessable } from "../../shared/errors";
import { correlated, listPage } from "../../shared/pagination";
import { stateMachine } from "../../shared/state-machine";
import { assertReps, ownWorkOf } from "./access";
import {
  type createAppointmentBody,
  type listAppointmentsQuery,
  MAX_DURATION_MINUTES,
  type updateAppointmentBody,
} from "./appointments.schemas";

/**
 * Appointments (spec 001's viewings). Every statement filters by the caller's tenant, and a sales
 * rep's by their own id as well: another rep's appointment or prospect is a 404 to them; naming
 * another rep as the assignee is a 403 (a permission matter, as on prospects).
 *
 * A rep is never in two appointments at once. Of a rep's appointments only those still to happen
 * (`scheduled`, `rescheduled`) hold their time, over [scheduledAt, scheduledAt + durationMinutes):
 * one ending at 11:00 and one starting at 11:00 do not overlap. Every write that gives a rep time
 * first takes a transaction-scoped advisory lock on the rep, then writes only where no such
 * appointment overlaps (`not exists`), so two bookings of one rep are checked one after the other.
 * An advisory lock rather than a row lock: a rep needs no row of their own to lock (sales_reps rows
 * exist only once a manager changes one), and locking the users row would queue unrelated writes
 * to the user behind bookings. The lock is its own statement because under READ COMMITTED each
 * statement sees what committed before it began: the write after it sees the booking of whoever
 * held the lock before.
 */

/** Where an appointment may go next; completed and no_show are final. */
const appointmentStatuses = stateMachine<AppointmentStatus>("appointment", {
  scheduled: ["completed", "no_show", "rescheduled"],
  rescheduled: ["completed", "no_show", "rescheduled"],
  completed: [],
  no_show: [],
});

/** The statuses of an appointment still to happen, which hold the rep's time. */
const HOLDING_TIME: AppointmentStatus[] = ["scheduled", "rescheduled"];

/** A prospect in these statuses moves to appointment_set when an appointment is booked for them. */
const BEFORE_APPOINTMENT: ProspectStatus[] = ["new", "contacted", "qualified"];

const PAST = "scheduledAt is in the past: an appointment is booked for a time to come";

/** The row an appointment's names are read beside: the table, or a CTE of its rows. */
interface AppointmentRow {
  tenantId: AnyColumn;
  prospectId: AnyColumn;
  propertyId: AnyColumn;
  assignedRepId: AnyColumn;
}

/** Spec 001's prospect, property and rep names of the appointment row in scope, read from their rows. */
function namesOf(row: AppointmentRow) {
  return {
    prospectName: correlated(sql<string>`(select ${prospects.name} from ${prospects}
      where ${prospects.tenantId} = ${row.tenantId} and ${prospects.id} = ${row.prospectId})`).as("prospect_name"),
    propertyName: correlated(sql<string | null>`(select ${properties.name} from ${properties}
      where ${properties.tenantId} = ${row.tenantId} and ${properties.id} = ${row.propertyId})`).as("property_name"),
    assignedRepName: correlated(sql<string | null>`(select ${users.name} from ${users}
      where ${users.tenantId} = ${row.tenantId} and ${users.id} = ${row.assignedRepId})`).as("assigned_rep_name"),
  };
}

const appointmentColumns = shownColumns(appointments);
/** An appointment as every route answers it. */
const appointmentWithNames = { ...appointmentColumns, ...namesOf(appointments) };

/** The appointments the caller may see: the tenant's, and for a sales rep only their own. */
function visible(ctx: ServiceContext) {
  const own = ownWorkOf(ctx.caller);
  return and(eq(appointments.tenantId, ctx.caller.tenantId), own ? eq(appointments.assignedRepId, own) : undefined);
}

/**
 * Earliest first (a calendar's order; `from` = now lists the upcoming ones), on the index
 * (tenant_id, scheduled_at, id). Filters: prospect, rep, status, and a start in [from, to). One statement.
 */
export function listAppointments(ctx: ServiceContext, query: z.infer<typeof listAppointmentsQuery>) {
  const where = and(
    visible(ctx),
    query.prospectId ? eq(appointments.prospectId, query.prospectId) : undefined,
    query.assignedRepId ? eq(appointments.assignedRepId, query.assignedRepId) : undefined,
    query.status ? eq(appointments.status, query.status) : undefined,
    query.from ? gte(appointments.scheduledAt, query.from) : undefined,
    query.to ? lt(appointments.scheduledAt, query.to) : undefined,
  );
  return listPage(ctx.db, {
    table: appointments,
    columns: appointmentWithNames,
    where,
    sort: { by: [appointments.scheduledAt, appointments.id], direction: "asc" },
    page: query,
  });
}

export async function getAppointment(ctx: ServiceContext, id: string) {
  const [row] = await ctx.db
    .select(appointmentWithNames)
    .from(appointments)
    .where(and(visible(ctx), eq(appointments.id, id)));
  if (!row) throw notFound("Appointment");
  return row;
}

/**
 * Books an appointment: the prospect (a sales rep's own), the property and the conversation (one
 * of the prospect's) are found in the tenant, and the rep (the one given, else the prospect's
 * assignee) must be a user of the tenant with a rep role; then, under the rep's lock, one statement
 * inserts the appointment where nothing of the rep overlaps, resolving every id in the tenant again,
 * and moves the prospect to appointment_set if it had not got that far. Four statements.
 */
export async function createAppointment(ctx: ServiceContext, input: z.infer<typeof createAppointmentBody>) {
  const { tenantId } = ctx.caller;
  const own = ownWorkOf(ctx.caller);
  // A sales rep books only themselves; refused before any lookup, so it tells nothing of whether the id exists.
  if (own && input.assignedRepId !== undefined && input.assignedRepId !== own) {
    throw forbidden("A sales rep books appointments only for themselves; a sales manager can book another rep");
  }
  if (input.scheduledAt.getTime() <= Date.now()) throw unprocessable(PAST);

  const bookable = and(
    eq(prospects.tenantId, tenantId),
    eq(prospects.id, input.prospectId),
    own ? eq(prospects.assignedTo, own) : undefined,
  );
  const propertyFound = propertyInTenant(ctx.db, tenantId, input.propertyId);
  const conversationFound = input.conversationId
    ? exists(
        ctx.db
          .select({ one: sql`1` })
          .from(prospectConversations)
          .where(
            and(
              eq(prospectConversations.tenantId, tenantId),
              eq(prospectConversations.conversationId, input.conversationId),
              eq(prospectConversations.prospectId, prospects.id),
            ),
          ),
      )
    : sql<boolean>`true`;
  const [prospect] = await ctx.db
    .select({ assignedTo: prospects.assignedTo, propertyFound, conversationFound })
    .from(prospects)
    .where(bookable);
  if (!prospect) throw notFound("Prospect");
  if (!prospect.propertyFound) throw notFound("Property");
  if (!prospect.conversationFound) throw notFound("Conversation (a sales conversation of this prospect)");
  const repId = input.assignedRepId ?? prospect.assignedTo;
  if (!repId) throw unprocessable("The appointment needs a rep: the prospect has no assignee, so give assignedRepId");
  await assertReps(ctx, [repId]);

  const slot: Slot = { repId, start: input.scheduledAt, durationMinutes: input.durationMinutes };
  return ctx.db.transaction(async (tx) => {
    await lockRep(tx, repId);
    const inserted = tx.$with("inserted", getTableColumns(appointments)).as(sql`
      insert into ${appointments} (tenant_id, prospect_id, property_id, assigned_rep_id, conversation_id,
        scheduled_at, duration_minutes, location, notes, source_channel)
      select ${prospects.tenantId}, ${prospects.id}, ${input.propertyId ?? null}::uuid, ${repId}::uuid,
        ${input.conversationId ?? null}::uuid, ${input.scheduledAt.toISOString()}::timestamptz,
        ${input.durationMinutes}::int, ${input.location ?? null}::text, ${input.notes ?? null}::text,
        ${input.sourceChannel ?? null}::text
      from ${prospects}
      where ${and(bookable, propertyFound, conversationFound, notExists(overlaps(tx, tenantId, slot)))}
      returning *`);
    // Data-modifying CTEs run whether or not the query reads them; this one only once the appointment is in.
    const moved = tx.$with("moved", {}).as(sql`
      update ${prospects} set status = 'appointment_set', updated_at = now()
      where ${and(bookable, inArray(prospects.status, BEFORE_APPOINTMENT))} and exists (select from inserted)`);
    const shown = Object.fromEntries(
      Object.keys(appointmentColumns).map((key) => [key, inserted[key as keyof typeof appointmentColumns]]),
    ) as { [K in keyof typeof appointmentColumns]: (typeof inserted)[K] };
    const [row] = await tx
      .with(inserted, moved)
      .select({ ...shown, ...namesOf(inserted) })
      .from(inserted)
      .catch((error) => {
        // A row the statement found was deleted before its foreign keys were checked.
        throw isForeignKeyViolation(error)
          ? new AppError("NOT_FOUND", "The prospect, property, conversation or rep was deleted meanwhile")
          : error;
      });
    if (!row) throw await overlapConflict(tx, tenantId, slot);
    return row;
  });
}

/**
 * Moves an appointment through `appointmentStatuses` and/or changes its fields, under a lock on its
 * row. A new time, duration or rep of an appointment still to happen is checked against the rep's
 * other appointments under the rep's lock (409 naming the one it would overlap). A sales rep changes
 * only their own and cannot reassign one (403, before any lookup).
 */
export async function updateAppointment(ctx: ServiceContext, id: string, input: z.infer<typeof updateAppointmentBody>) {
  const { tenantId } = ctx.caller;
  if (ownWorkOf(ctx.caller) && input.assignedRepId !== undefined) {
    throw forbidden("A sales rep cannot reassign an appointment; a sales manager can");
  }
  if (input.scheduledAt && input.scheduledAt.getTime() <= Date.now()) throw unprocessable(PAST);
  if (input.assignedRepId) await assertReps(ctx, [input.assignedRepId]);
  const mine = and(visible(ctx), eq(appointments.id, id));

  return ctx.db.transaction(async (tx) => {
    const [current] = await tx
      .select({
        status: appointments.status,
        assignedRepId: appointments.assignedRepId,
        scheduledAt: appointments.scheduledAt,
        durationMinutes: appointments.durationMinutes,
        propertyFound: propertyInTenant(tx, tenantId, input.propertyId),
      })
      .from(appointments)
      .where(mine)
      // Not FOR UPDATE: the key stays, so a hand-off package may still be built from it meanwhile.
      .for("no key update");
    if (!current) throw notFound("Appointment");
    if (!current.propertyFound) throw notFound("Property");
    if (input.status && !appointmentStatuses.transitions[current.status].includes(input.status)) {
      throw appointmentStatuses.refuse(current.status, input.status);
    }

    const repId = input.assignedRepId ?? current.assignedRepId;
    const retimed =
      input.scheduledAt !== undefined || input.durationMinutes !== undefined || input.assignedRepId !== undefined;
    const slot: Slot | undefined =
      retimed && repId && HOLDING_TIME.includes(input.status ?? current.status)
        ? {
            repId,
            start: input.scheduledAt ?? current.scheduledAt,
            durationMinutes: input.durationMinutes ?? current.durationMinutes,
            except: id,
          }
        : undefined;
    if (slot) await lockRep(tx, slot.repId);
    const [row] = await tx
      .update(appointments)
      .set({ ...input, updatedAt: sql`now()` })
      .where(and(mine, slot && notExists(overlaps(tx, tenantId, slot))))
      .returning(appointmentWithNames);
    // The row is locked, so only an overlap keeps it from changing.
    if (!row) throw slot ? await overlapConflict(tx, tenantId, slot) : new Error("a locked appointment did not update");
    return row;
  });
}

/** Deletes an appointment no hand-off package was built from (409 otherwise). One statement. */
export async function deleteAppointment(ctx: ServiceContext, id: string) {
  try {
    const [row] = await ctx.db
      .delete(appointments)
      .where(and(visible(ctx), eq(appointments.id, id)))
      .returning({ id: appointments.id });
    if (!row) throw notFound("Appointment");
  } catch (error) {
    if (isForeignKeyViolation(error)) {
      throw conflict("A hand-off package was built from this appointment, so it is kept; set its status instead");
    }
    throw error;
  }
}

/** A span of a rep's time: `except` is the appointment being changed, which never overlaps itself. */
interface Slot {
  repId: string;
  start: Date;
  durationMinutes: number;
  except?: string;
}

/** Holds the rep's bookings until the transaction ends (user ids are unique across tenants). */
async function lockRep(db: Database, repId: string) {
  await db.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`appointments:${repId}`}, 0))`);
}

/** True when `propertyId` is none or a property of the tenant. */
function propertyInTenant(db: Database, tenantId: string, propertyId: string | null | undefined) {
  return propertyId
    ? exists(
        db
          .select({ one: sql`1` })
          .from(properties)
          .where(and(eq(properties.tenantId, tenantId), eq(properties.id, propertyId))),
      )
    : sql<boolean>`true`;
}

/**
 * The rep's appointments still to happen that overlap the slot, earliest first. The start is bounded
 * on both sides (none lasts longer than MAX_DURATION_MINUTES), so the index (tenant_id,
 * assigned_rep_id, scheduled_at) reads a short range however long the rep's history.
 */
function overlaps(db: Database, tenantId: string, slot: Slot) {
  const minute = 60_000;
  const start = slot.start.getTime();
  return db
    .select({
      id: appointments.id,
      scheduledAt: appointments.scheduledAt,
      durationMinutes: appointments.durationMinutes,
    })
    .from(appointments)
    .where(
      and(
        eq(appointments.tenantId, tenantId),
        eq(appointments.assignedRepId, slot.repId),
        inArray(appointments.status, HOLDING_TIME),
        gt(appointments.scheduledAt, new Date(start - MAX_DURATION_MINUTES * minute)),
        lt(appointments.scheduledAt, new Date(start + slot.durationMinutes * minute)),
        sql`${appointments.scheduledAt} + make_interval(mins => ${appointments.durationMinutes}) > ${slot.start.toISOString()}::timestamptz`,
        slot.except ? ne(appointments.id, slot.except) : undefined,
      ),
    )
    .orderBy(appointments.scheduledAt);
}

/**
 * The 409 of a write an overlap refused, naming the appointment in the way. Under the rep's lock no
 * booking can come in, but the one in the way may have been completed or deleted since: then retry.
 */
async function overlapConflict(db: Database, tenantId: string, slot: Slot): Promise<AppError> {
  const [taken] = await overlaps(db, tenantId, slot).limit(1);
  if (!taken) return conflict("The appointment or the rep's calendar changed meanwhile; retry");
  const from = taken.scheduledAt.toISOString();
  const to = new Date(taken.scheduledAt.getTime() + taken.durationMinutes * 60_000).toISOString();
  const message = `The rep has another appointment from ${from} to ${to}`;
  return new AppError("CONFLICT", message, [
    { path: "body.scheduledAt", message, appointmentId: taken.id, scheduledAt: from, endsAt: to },
  ]);
}
