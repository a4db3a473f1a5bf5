import type { Config } from "@netlify/functions";
import { platformCleanup } from "../../services/platform/maintenance";
import { scheduledJob } from "../../shared/http/scheduled";

/** Daily: deletes stale rate-limit windows and dead refresh tokens (services/platform/maintenance.ts). */
export const config: Config = { schedule: "@daily" };

export default scheduledJob(platformCleanup);
