import { SALES_TEAM } from "../../services/sales/access";
import { HANDOFF_RULES } from "../../services/sales/handoff-generator";
import { announcedAs, handoffFromAppointment } from "../../services/sales/handoffs";
import { fromAppointmentBody, handoff } from "../../services/sales/handoffs.schemas";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/handoffs/from-appointment" };

export default route(config, {
  POST: operation({
    summary: "Generate the hand-off package of an appointment",
    description:
      "Builds spec 001's package from the appointment, its property, its prospect, the prospect's conversation (the " +
      "appointment's, else the latest), latest detected entities and latest AI score, and the tenant's available " +
      "listings. Deterministic: the same data gives the same package; only expiresAt (creation time + ttlHours, " +
      "default 48) depends on when. An appointment has at most one package: the first request creates it (201); " +
      "any later one, parallel ones included, answers that same package unchanged (200), as GET /api/handoffs/:id " +
      "shows it to the caller: to a sales_rep, a package another rep claimed is a 409 (This appointment's hand-off " +
      "is claimed by another rep), and one expired unclaimed a 409 too. A sales_rep may generate one only for an " +
      "appointment assigned to them; another's, or another tenant's, is a 404. " +
      `${announcedAs("handoff:new")} Roles: owner, admin, sales_manager, sales_rep.\n\n` +
      `The rules:\n\n${HANDOFF_RULES}`,
    access: { roles: SALES_TEAM, scopes: ["write", "ai-agent"] },
    body: fromAppointmentBody,
    response: handoff,
    status: 201,
    handler: async ({ ctx, body }) => {
      const { handoff: found, created } = await handoffFromAppointment(ctx, body);
      // route() answers the declared 201; the appointment's existing package is a 200.
      return created ? found : Response.json({ data: handoff.parse(found) }, { status: 200 });
    },
  }),
});
