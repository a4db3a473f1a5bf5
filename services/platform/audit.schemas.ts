import { z } from "zod";
import { AUDIT_ACTOR_TYPES } from "../../db/schema";
import { pageQuery } from "../../shared/schemas";

/** Request and response shapes of the audit log; the OpenAPI document is built from them. */

export const auditQuery = pageQuery.extend({
  entityType: z.string().max(100).optional(),
  entityId: z.string().max(200).optional(),
  action: z.string().max(100).optional(),
  actorId: z.string().max(200).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
});

export const auditEntry = z
  .object({
    id: z.number().int(),
    actorType: z.enum(AUDIT_ACTOR_TYPES),
    actorId: z.string().nullable(),
    action: z.string(),
    entityType: z.string(),
    entityId: z.string(),
    before: z.unknown(),
    after: z.unknown(),
    requestId: z.string().nullable(),
    createdAt: z.date(),
  })
  .meta({ id: "AuditEntry" });
