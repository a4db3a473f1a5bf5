import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll } from "vitest";
import * as settings from "../../netlify/functions/settings";
import { FakeRetell } from "./fake-retell";
import { type Account, registerTenant, unique } from "./fixtures";
import { call } from "./http";

/** Retell's real API host: the SDK's default when RETELL_BASE_URL is unset. */
export const RETELL_API = "https://api.retellai.com";
const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * msw in front of Retell's host for this test file. Each tenant gets its own fake Retell account,
 * found by the API key the SDK sends; any other key is refused as Retell would (401), and any
 * other host but this machine fails the test.
 */
export function mockRetell() {
  const accounts = new Map<string, FakeRetell>();
  const server = setupServer(
    http.all(`${RETELL_API}/*`, ({ request }) => {
      const key = request.headers.get("authorization")?.replace(/^Bearer /, "") ?? "";
      const account = accounts.get(key);
      return account
        ? account.handle(request)
        : HttpResponse.json({ status: 401, message: "Unauthorized" }, { status: 401 });
    }),
  );
  beforeAll(() =>
    server.listen({
      // The database is local (the Neon driver's WebSocket upgrade comes through here too): let it
      // pass; any other host is a request to the outside world, and fails the test.
      onUnhandledRequest: (request, print) => {
        if (!LOCAL_HOSTS.has(new URL(request.url).hostname)) print.error();
      },
    }),
  );
  afterAll(() => server.close());

  return {
    /** A new tenant whose settings hold the key of a new fake Retell account. */
    async tenantWithRetell(label = "retell"): Promise<{ owner: Account; retell: FakeRetell }> {
      const owner = await registerTenant(label);
      const retell = new FakeRetell(`key_${unique("retell").replace(/\W/g, "")}`);
      accounts.set(retell.apiKey, retell);
      const saved = await call(settings, {
        method: "PATCH",
        token: owner.accessToken,
        body: { retellConfig: { apiKey: retell.apiKey } },
      });
      if (saved.status !== 200) throw new Error(`settings failed: ${saved.status} ${saved.text}`);
      return { owner, retell };
    },
  };
}
