import { z } from "zod";

/**
 * Spec 000's clients name their business (`business_id`) on every call. Frontdesk knows it from the
 * credentials, so the field is optional; when given it must be the caller's own
 * (services/platform/business.ts).
 */
export const ownBusinessFields = {
  businessId: z
    .uuid()
    .optional()
    .describe("Your own business (tenant) id, as spec 000's clients send it; another business is a 404"),
};

/** The alias of `businessId` in every spec 000 input: the spec's own name. */
export const BUSINESS_ALIAS = { business_id: "businessId" } as const;
