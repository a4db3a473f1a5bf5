import { syncCallsNow } from "../../services/voice/sync";
import { syncCallsBody, syncResult } from "../../services/voice/sync.schemas";
import { ADMINS } from "../../shared/auth/roles";
import { operation, type RouteConfig, route } from "../../shared/http/route";

export const config: RouteConfig = { path: "/api/dashboard/sync-calls" };

export default route(config, {
  POST: operation({
    summary: "Sync calls from Retell now",
    description:
      "Lists the tenant's Retell calls since the last sync (or one agent's, with `agentId`), completes " +
      "transcripts and stores them. Runs at most 25 s; `complete: false` means the next run (or the " +
      "10-minute scheduled `retell-sync`) continues where this one stopped. 422 when no Retell key is " +
      "set; 409 while another sync of the same scope is running.",
    access: { roles: ADMINS, scopes: ["sync"] },
    body: syncCallsBody,
    response: syncResult,
    handler: ({ ctx, body }) => syncCallsNow(ctx, body),
  }),
});
