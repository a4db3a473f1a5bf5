import type { Config } from "@netlify/functions";
import { jobs } from "../../services/jobs";
import { scheduledJob } from "../../shared/http/scheduled";

/**
 * Daily: deletes stale rate-limit windows and dead refresh tokens (services/platform/maintenance.ts).
 * Configs are plain object literals: Netlify reads them statically at build time and skips
 * anything else (such as `{ ... } satisfies Config`), which would drop the schedule.
 */
export const config: Config = { schedule: "@daily" };

export default scheduledJob("platform-cleanup", jobs["platform-cleanup"]);
