import type { Config } from "@netlify/functions";
import { retellSync } from "../../services/voice/sync";
import { scheduledJob } from "../../shared/http/scheduled";

/** Every 10 minutes: each tenant's new and changed Retell calls (services/voice/sync.ts). */
export const config: Config = { schedule: "*/10 * * * *" };

export default scheduledJob(retellSync);
