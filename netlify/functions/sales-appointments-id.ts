import { SALES_MANAGERS, SALES_READERS, SALES_TEAM } from "../../services/sales/access";
import { deleteAppointment, getAppointment, updateAppointment } from "../../services/sales/appointments";
import { appointment, MAX_YEARS_AHEAD, updateAppointmentBody } from "../../services/sales/appointments.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { idParams } from "../../shared/schemas";

export const config: RouteConfig = { path: "/api/appointments/:id" };

const update = operation({
  summary: "Move an appointment to another status, reschedule it, or change its fields",
  description:
    "scheduled → completed | no_show | rescheduled; rescheduled → completed | no_show | rescheduled; completed " +
    "and no_show are final. Any other move is 422 naming the allowed ones. Rescheduling takes status " +
    "rescheduled with the new scheduledAt, together (either alone is 400; a time in the past is 422, more than " +
    `${MAX_YEARS_AHEAD} years ahead 400: a viewing is booked at most ${MAX_YEARS_AHEAD} years ahead). A new ` +
    "time, durationMinutes or assignedRepId of an appointment still to happen is checked against the rep's " +
    "other appointments: an overlap is 409. propertyId (null clears it) and assignedRepId (a user with a rep " +
    "role) are resolved in the tenant (404). notes and location take null to clear. PUT is taken as PATCH. " +
    "Roles: owner, admin, sales_manager; a sales_rep only their own appointments (another's is 404) and cannot " +
    "change assignedRepId (403, whether or not that rep exists).",
  access: { roles: SALES_TEAM, scopes: ["write", "ai-agent"] },
  params: idParams,
  body: updateAppointmentBody,
  response: appointment,
  handler: ({ ctx, params, body }) => updateAppointment(ctx, params.id, body),
});

export default route(config, {
  GET: operation({
    summary: "One appointment",
    description:
      "With spec 001's prospectName, propertyName and assignedRepName. Roles: owner, admin, sales_manager, " +
      "qa_supervisor, compliance_officer; a sales_rep only their own (another's is 404).",
    access: { roles: SALES_READERS, scopes: ["read", "ai-agent"] },
    params: idParams,
    response: appointment,
    handler: ({ ctx, params }) => getAppointment(ctx, params.id),
  }),
  PUT: update,
  PATCH: update,
  DELETE: operation({
    summary: "Delete an appointment",
    description:
      "One a hand-off package was built from is kept (409): set its status instead. Roles: owner, admin, " +
      "sales_manager.",
    access: { roles: SALES_MANAGERS, scopes: ["write"] },
    params: idParams,
    status: 204,
    handler: ({ ctx, params }) => deleteAppointment(ctx, params.id),
  }),
});
