import { createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import { APPOINTMENT_STATUSES, appointments, SALES_CHANNELS } from "../../db/schema";
import { anyCaseEnum, isoDateInput, pageQuery, trimmedText } from "../../shared/schemas";

/**
 * Request and response shapes of appointments (spec 001's viewings). Inputs are strict: an unknown
 * field is a 400. Spec 001's prospect, property and rep names are answered beside the ids, read
 * from their rows in the same statement, never stored.
 */

/** The longest appointment, as the table's check allows: a rep's day. */
export const MAX_DURATION_MINUTES = 1440;

const status = anyCaseEnum(APPOINTMENT_STATUSES);
const durationMinutes = z.number().int().min(5).max(MAX_DURATION_MINUTES).describe("5 to 1440 minutes");
/** How far ahead a viewing is booked at most; it also keeps every appointment's end a storable instant. */
export const MAX_YEARS_AHEAD = 5;
const scheduledAt = isoDateInput
  .refine((start) => {
    const latest = new Date();
    latest.setUTCFullYear(latest.getUTCFullYear() + MAX_YEARS_AHEAD);
    return start <= latest;
  }, `Must be at most ${MAX_YEARS_AHEAD} years ahead: a viewing is booked at most ${MAX_YEARS_AHEAD} years ahead`)
  .describe(
    `When it starts: an ISO 8601 date-time with offset, in the future and at most ${MAX_YEARS_AHEAD} years ahead`,
  );
const notes = z.string().trim().max(5000);
const location = trimmedText(500);

export const listAppointmentsQuery = pageQuery
  .extend({
    prospectId: z.uuid().optional(),
    assignedRepId: z.uuid().optional(),
    status: status.optional(),
    from: isoDateInput.optional().describe("Appointments starting at or after this instant"),
    to: isoDateInput.optional().describe("Appointments starting before this instant"),
  })
  .strict()
  .refine((query) => !query.from || !query.to || query.from <= query.to, {
    message: "from must not be after to",
    path: ["from"],
  });

export const createAppointmentBody = z
  .object({
    prospectId: z.uuid().describe("A prospect of the tenant (for a sales rep: one assigned to them)"),
    propertyId: z.uuid().optional().describe("A property of the tenant to view"),
    assignedRepId: z
      .uuid()
      .optional()
      .describe(
        "A user of the tenant with a rep role (sales_rep, sales_manager); defaults to the prospect's assignee. A sales rep may name only themselves (403)",
      ),
    scheduledAt,
    durationMinutes: durationMinutes.default(60),
    location: location.optional(),
    notes: notes.optional(),
    sourceChannel: anyCaseEnum(SALES_CHANNELS).optional().describe("How the prospect was reached when it was booked"),
    conversationId: z.uuid().optional().describe("The sales conversation of this prospect that booked it"),
  })
  .strict();

/**
 * A status move and/or field changes. A new time is a reschedule: `status: rescheduled` and
 * `scheduledAt` come together or not at all.
 */
export const updateAppointmentBody = z
  .object({
    status: status.describe("scheduled → completed | no_show | rescheduled; rescheduled → the same; the rest final"),
    scheduledAt: scheduledAt.describe("The new time; only with status rescheduled"),
    durationMinutes,
    location: location.nullable(),
    notes: notes.nullable(),
    propertyId: z.uuid().nullable(),
    assignedRepId: z.uuid().describe("Another rep of the tenant; not for sales reps (403)"),
  })
  .partial()
  .strict()
  .refine((body) => Object.keys(body).length > 0, "Give at least one field to change")
  .refine((body) => (body.status === "rescheduled") === (body.scheduledAt !== undefined), {
    message: "Rescheduling takes both status rescheduled and the new scheduledAt",
    path: ["scheduledAt"],
  });

export const appointment = createSelectSchema(appointments, {
  status: z.enum(APPOINTMENT_STATUSES),
  sourceChannel: z.enum(SALES_CHANNELS).nullable(),
})
  .omit({ tenantId: true })
  .extend({
    prospectName: z.string(),
    propertyName: z.string().nullable(),
    assignedRepName: z.string().nullable(),
  })
  .meta({ id: "Appointment" });
