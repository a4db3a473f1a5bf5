import type { Role } from "../../db/schema";

/** Any signed-in member of the tenant, whatever their role. */
export const MEMBERS = {} as const;
/** Who manages the tenant: users, keys, settings. */
export const ADMINS = ["owner", "admin"] as const satisfies readonly Role[];
/** Who may read the audit trail. */
export const AUDITORS = ["owner", "admin", "compliance_officer"] as const satisfies readonly Role[];
