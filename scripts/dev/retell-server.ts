import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import * as settings from "../../netlify/functions/platform-settings";
import { RETELL_DEFAULT_BASE_URL } from "../../shared/clients/retell";
import type { FakeRetell } from "./fake-retell";
import type { Account } from "./fixtures";
import { call } from "./http";

/**
 * msw handlers for Retell's API (RETELL_BASE_URL, else Retell's own host): each fake account is
 * found by the API key the SDK sends; any other key is refused as Retell would (401).
 */
export function retellHandlers(accounts: Map<string, FakeRetell>) {
  const base = process.env.RETELL_BASE_URL || RETELL_DEFAULT_BASE_URL;
  return [
    http.all(`${base}/*`, ({ request }) => {
      const key = request.headers.get("authorization")?.replace(/^Bearer /, "") ?? "";
      const account = accounts.get(key);
      return account
        ? account.handle(request)
        : HttpResponse.json({ status: 401, message: "Unauthorized" }, { status: 401 });
    }),
  ];
}

/** msw in front of Retell's API alone (retellHandlers), for the benchmark; the tests serve the handlers themselves. */
export const retellServer = (accounts: Map<string, FakeRetell>) => setupServer(...retellHandlers(accounts));

/** Stores a Retell API key in the tenant's settings through the real settings route. */
export async function saveRetellKey(owner: Account, apiKey: string): Promise<void> {
  const saved = await call(settings, {
    method: "PATCH",
    token: owner.accessToken,
    body: { retellConfig: { apiKey } },
  });
  if (saved.status !== 200) throw new Error(`settings failed: ${saved.status} ${saved.text}`);
}
