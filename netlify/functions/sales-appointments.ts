import { SALES_READERS, SALES_TEAM } from "../../services/sales/access";
import { createAppointment, listAppointments } from "../../services/sales/appointments";
import {
  appointment,
  createAppointmentBody,
  listAppointmentsQuery,
  MAX_YEARS_AHEAD,
} from "../../services/sales/appointments.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/appointments" };

export default route(config, {
  GET: operation({
    summary: "List appointments",
    description:
      "Earliest first (a calendar's order: give from=<now> for the upcoming ones), with spec 001's prospectName, " +
      "propertyName and assignedRepName. Filters: prospectId, assignedRepId, status, and from/to, the start's " +
      "range [from, to) (from after to is 400). Roles: owner, admin, sales_manager, qa_supervisor and " +
      "compliance_officer read all; a sales_rep only the appointments assigned to them.",
    access: { roles: SALES_READERS, scopes: ["read", "ai-agent"] },
    query: listAppointmentsQuery,
    response: appointment,
    paginated: true,
    handler: ({ ctx, query }) => listAppointments(ctx, query),
  }),
  POST: operation({
    summary: "Book an appointment",
    description:
      "prospectId, propertyId and conversationId (a sales conversation of that prospect) are resolved in the " +
      "tenant: unknown, or another tenant's, is 404. assignedRepId defaults to the prospect's assignee and must be " +
      "a user with a rep role (sales_rep, sales_manager; else 404); with neither, 422. scheduledAt in the past is " +
      `422; more than ${MAX_YEARS_AHEAD} years ahead is 400 (a viewing is booked at most ${MAX_YEARS_AHEAD} years ahead). ` +
      "A rep is never booked into two overlapping appointments: scheduled and rescheduled ones hold " +
      "[scheduledAt, scheduledAt + durationMinutes), completed and no_show ones do not, and back-to-back slots " +
      "(10:00–11:00, 11:00–12:00) do not overlap; an overlap is 409 naming the appointment in the way. The " +
      "prospect moves to appointment_set if it was new, contacted or qualified. Honours Idempotency-Key. Roles: " +
      "owner, admin, sales_manager; a sales_rep only for their own prospects (another's is 404) and only " +
      "themselves: naming another rep is 403, whether or not that id exists.",
    access: { roles: SALES_TEAM, scopes: ["write", "ai-agent"] },
    body: createAppointmentBody,
    response: appointment,
    status: 201,
    idempotent: true,
    errors: ["NOT_FOUND"],
    handler: ({ ctx, body }) => createAppointment(ctx, body),
  }),
});
