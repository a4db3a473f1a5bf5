import type { Config } from "@netlify/functions";
import { handoffExpiry } from "../../services/sales/handoff-expiry";
import { scheduledJob } from "../../shared/http/scheduled";

/** Every 5 minutes: pending hand-offs past their time to live become expired (services/sales/handoff-expiry.ts). */
export const config: Config = { schedule: "*/5 * * * *" };

export default scheduledJob(handoffExpiry);
