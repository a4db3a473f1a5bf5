import { z } from "zod";
import { booleanQuery, pageQuery } from "../../shared/schemas";
import { REP_ROLES } from "./access";

/** Request and response shapes of the sales team (users with a rep role and their standing). Inputs are strict. */

export const listRepsQuery = pageQuery.extend({ isActive: booleanQuery.optional() }).strict();

export const updateRepBody = z
  .object({ isActive: z.boolean().describe("false: routing rules give them no new prospects") })
  .strict();

export const salesRep = z
  .object({
    id: z.uuid().describe("The user's id"),
    name: z.string(),
    email: z.string(),
    role: z.enum(REP_ROLES),
    createdAt: z.date(),
    isActive: z.boolean().describe("Whether routing rules give them new prospects"),
    assignedProspects: z.number().int().describe("Prospects assigned to them, in any status"),
  })
  .meta({ id: "SalesRep" });
