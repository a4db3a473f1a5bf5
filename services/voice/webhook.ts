import { eq } from "drizzle-orm";
import type { z } from "zod";
import type { Database } from "../../db/client";
import { agents, retellSettings } from "../../db/schema";
import { type RetellCall, verifyRetellSignature } from "../../shared/clients/retell";
import { unauthorized } from "../../shared/errors";
import { logError } from "../../shared/log";
import { type OpenedCredential, openCredentials } from "../platform/credentials";
import { upsertCalls } from "./retell-calls";
import { type retellWebhookBody, STORED_EVENTS } from "./webhook.schemas";

/**
 * The tenant's Retell key, or undefined when none is stored or it no longer decrypts. One
 * tenant's unreadable key must not fail (500) the webhook for the other tenants of the agent:
 * it is logged and that tenant is simply not one the signature can match.
 */
function storedApiKey({ tenantId, credential, error }: OpenedCredential): string | undefined {
  if (error) logError({ msg: "retell webhook: stored Retell key unreadable", tenantId, error });
  const apiKey = credential?.data.apiKey;
  return typeof apiKey === "string" && apiKey ? apiKey : undefined;
}

/**
 * Applies a Retell webhook. The tenant is found from the call's agent; the signature is then
 * checked with that tenant's Retell key (over the raw body). An agent no tenant has synced is
 * acknowledged and nothing is written. The upsert's merge makes repeats and out-of-order
 * events harmless: the same event twice leaves one row, a late `call_started` cannot reopen a call.
 */
export async function receiveRetellWebhook(
  db: Database,
  input: { rawBody: string; signature: string | null; body: z.infer<typeof retellWebhookBody> },
) {
  const { event, call } = input.body;
  if (!input.signature) throw unauthorized("Missing x-retell-signature header");
  const candidates = await openCredentials(
    db,
    db.select({ tenantId: agents.tenantId }).from(agents).where(eq(agents.agentId, call.agent_id)),
    { kind: retellSettings.name },
  );
  const outcome = { event, callId: call.call_id, stored: false, tenants: 0 };
  if (candidates.length === 0) return { ...outcome, known: false };

  const verified: string[] = [];
  for (const candidate of candidates) {
    const apiKey = storedApiKey(candidate);
    if (apiKey && (await verifyRetellSignature(input.rawBody, apiKey, input.signature))) {
      verified.push(candidate.tenantId);
    }
  }
  if (verified.length === 0) throw unauthorized("The x-retell-signature does not match this body");
  if (!(STORED_EVENTS as readonly string[]).includes(event)) return { ...outcome, known: true };
  for (const tenantId of verified) await upsertCalls(db, tenantId, [call as unknown as RetellCall]);
  return { ...outcome, stored: true, tenants: verified.length, known: true };
}
