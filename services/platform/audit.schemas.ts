import { createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import { AUDIT_ACTOR_TYPES, auditLog } from "../../db/schema";
import { isoDateInput, pageQuery } from "../../shared/schemas";

/** Request and response shapes of the audit log; the OpenAPI document is built from them. */

export const auditQuery = pageQuery.extend({
  entityType: z.string().max(100).optional(),
  entityId: z.string().max(200).optional(),
  action: z.string().max(100).optional(),
  actorId: z.string().max(200).optional(),
  from: isoDateInput.optional(),
  to: isoDateInput.optional(),
});

export const auditEntry = createSelectSchema(auditLog, {
  actorType: z.enum(AUDIT_ACTOR_TYPES),
  before: z.unknown(),
  after: z.unknown(),
})
  .omit({ tenantId: true })
  .meta({ id: "AuditEntry" });
