import { z } from "zod";
import { retellCall } from "./retell-calls.schemas";

/** The events that carry a call worth storing; Retell's others (transfers, transcript updates) are acknowledged. */
export const STORED_EVENTS = ["call_started", "call_ended", "call_analyzed"] as const;

/**
 * Retell's webhook envelope. The call object keeps Retell's own (snake_case) shape and fields; those
 * Frontdesk stores are typed (retell-calls.schemas.ts), and it is stored by the same mapping the sync uses.
 */
export const retellWebhookBody = z
  .object({
    event: z
      .string()
      .min(1)
      .max(100)
      .describe(`Retell's event name; ${STORED_EVENTS.join(", ")} are stored`),
    call: retellCall.describe("Retell's call object, as in GET /v2/get-call"),
  })
  .meta({ id: "RetellWebhook" });

export const retellWebhookResult = z
  .object({
    event: z.string(),
    callId: z.string(),
    stored: z.boolean().describe("False when the event or the agent is not one Frontdesk stores"),
    tenants: z.number().int().describe("How many tenants' call records the event was applied to"),
  })
  .meta({ id: "RetellWebhookResult" });
