import type { Config } from "@netlify/functions";
import { refreshTemplates } from "../../services/inbox/whatsapp/template-refresh";
import { scheduledJob } from "../../shared/http/scheduled";

/** Hourly: each tenant's WhatsApp templates as Meta lists them (services/inbox/whatsapp/template-refresh.ts). */
export const config: Config = { schedule: "@hourly" };

export default scheduledJob(refreshTemplates);
