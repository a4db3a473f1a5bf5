import { z } from "zod";
import { httpUrl } from "../../shared/schemas";
import { withAliases } from "./spec-aliases";

/**
 * Spec 000's profile: the signed-in user together with their business. The business fields
 * live on the tenant, so only its owners and admins may change them.
 */
export const profile = z
  .object({
    userId: z.uuid(),
    email: z.string(),
    name: z.string(),
    role: z.string(),
    businessId: z.uuid(),
    businessName: z.string(),
    website: z.string().nullable(),
    subscriptionPlan: z.string(),
    onboarded: z.boolean(),
    createdAt: z.date(),
  })
  .meta({ id: "Profile" });

/** A partial update; spec 000's clients send `business_name`. */
export const updateProfileBody = withAliases(
  z
    .object({
      name: z.string().trim().min(1).max(200),
      businessName: z.string().trim().min(1).max(200),
      website: httpUrl.nullable(),
      onboarded: z.boolean(),
    })
    .partial(),
  { business_name: "businessName" },
  "spec 000",
).refine((value) => Object.keys(value).length > 0, "Give at least one field to change");
