import { randomBytes } from "node:crypto";
import { http } from "msw";
import { setupServer } from "msw/node";
import * as channels from "../../netlify/functions/inbox-channels";
import * as settings from "../../netlify/functions/platform-settings";
import { graphBaseUrl } from "../../shared/clients/whatsapp";
import { displayNumberOf, type FakeGraph, graphId, META_MEDIA_URL, metaError } from "./fake-graph";
import type { Account } from "./fixtures";
import { call } from "./http";

/**
 * msw handlers for Meta's Graph API (graphBaseUrl(): WHATSAPP_GRAPH_URL, else Meta's host) and its
 * media CDN: each fake account is found by the Bearer token; a missing or unknown token is refused
 * as Meta does (401, OAuthException).
 */
export function graphHandlers(accounts: Map<string, FakeGraph>) {
  const route = ({ request }: { request: Request }) => {
    const authorization = request.headers.get("authorization");
    if (!authorization) return metaError(104);
    const account = accounts.get(authorization.replace(/^Bearer /, ""));
    return account ? account.handle(request) : metaError(190);
  };
  return [http.all(`${graphBaseUrl()}/*`, route), http.all(`${META_MEDIA_URL}/*`, route)];
}

/** msw in front of Graph alone (graphHandlers), for the benchmark; the tests serve the handlers themselves. */
export const graphServer = (accounts: Map<string, FakeGraph>) => setupServer(...graphHandlers(accounts));

/** A WhatsApp number as Frontdesk is configured with it, and the channel that holds it. */
export interface ConfiguredNumber {
  phoneNumberId: string;
  businessAccountId: string;
  displayPhoneNumber: string;
  accessToken: string;
  appSecret: string;
  verifyToken: string;
  channelId: string;
}

/**
 * Configures the tenant's first WhatsApp number with the fake account's first phone number, through
 * the real `PATCH /api/settings` (spec 003's whatsappConfig and webhookConfig), and finds its channel.
 */
export async function configureWhatsApp(
  owner: Account,
  graph: FakeGraph,
  options: { appSecret?: string; verifyToken?: string; apiVersion?: string } = {},
): Promise<ConfiguredNumber> {
  const phoneNumberId = graph.phoneNumberIds[0]!;
  const appSecret = options.appSecret ?? randomBytes(16).toString("hex");
  const verifyToken = options.verifyToken ?? `verify-${randomBytes(8).toString("hex")}`;
  const saved = await call(settings, {
    method: "PATCH",
    token: owner.accessToken,
    body: {
      whatsappConfig: {
        phoneNumberId,
        businessAccountId: graph.businessAccountId,
        accessToken: graph.accessToken,
        appSecret,
        ...(options.apiVersion ? { apiVersion: options.apiVersion } : {}),
      },
      webhookConfig: { verifyToken },
    },
  });
  if (saved.status !== 200) throw new Error(`settings failed: ${saved.status} ${saved.text}`);
  const listed = await call(channels, { token: owner.accessToken, query: { type: "whatsapp" } });
  const channel = (listed.body.data as { id: string; platformSpecificId: string }[] | undefined)?.find(
    (c) => c.platformSpecificId === phoneNumberId,
  );
  if (!channel) throw new Error(`no WhatsApp channel after settings: ${listed.status} ${listed.text}`);
  return {
    phoneNumberId,
    businessAccountId: graph.businessAccountId,
    displayPhoneNumber: displayNumberOf(phoneNumberId),
    accessToken: graph.accessToken,
    appSecret,
    verifyToken,
    channelId: channel.id,
  };
}

/**
 * Connects another number of the same fake account as a second WhatsApp channel, through the real
 * `POST /api/channels` (a tenant may have several numbers).
 */
export async function addWhatsAppNumber(
  owner: Account,
  graph: FakeGraph,
  options: { appSecret?: string; verifyToken?: string } = {},
): Promise<ConfiguredNumber> {
  const phoneNumberId = graphId(15);
  graph.phoneNumberIds.push(phoneNumberId);
  const appSecret = options.appSecret ?? randomBytes(16).toString("hex");
  const verifyToken = options.verifyToken ?? `verify-${randomBytes(8).toString("hex")}`;
  const created = await call(channels, {
    method: "POST",
    token: owner.accessToken,
    body: {
      type: "whatsapp",
      name: `WhatsApp ${phoneNumberId}`,
      platformSpecificId: phoneNumberId,
      accountId: graph.businessAccountId,
      accessToken: graph.accessToken,
      appSecret,
      verifyToken,
    },
  });
  if (created.status !== 201) throw new Error(`channel failed: ${created.status} ${created.text}`);
  return {
    phoneNumberId,
    businessAccountId: graph.businessAccountId,
    displayPhoneNumber: displayNumberOf(phoneNumberId),
    accessToken: graph.accessToken,
    appSecret,
    verifyToken,
    channelId: created.body.data.id,
  };
}
