import type { Config } from "@netlify/functions";
import { webhookRetry } from "../../services/inbox/whatsapp/webhook-retry";
import { scheduledJob } from "../../shared/http/scheduled";

/** Every 5 minutes: WhatsApp webhook events that failed or were never processed (services/inbox/whatsapp/webhook-retry.ts). */
export const config: Config = { schedule: "*/5 * * * *" };

export default scheduledJob(webhookRetry);
