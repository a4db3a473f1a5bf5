import { listAuditLog } from "../../services/platform/audit";
import { auditEntry, auditQuery } from "../../services/platform/audit.schemas";
import { AUDITORS } from "../../shared/auth/roles";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/audit-log" };

export default route(config, {
  GET: operation({
    summary: "Who changed what, and when",
    description: "Newest first. Settings, users and API keys record their state before and after each change.",
    access: { roles: AUDITORS, scopes: ["read"] },
    query: auditQuery,
    response: auditEntry,
    paginated: true,
    handler: ({ ctx, query }) => listAuditLog(ctx, query),
  }),
});
