import { afterAll, beforeAll } from "vitest";
import { FakeRetell } from "../../scripts/dev/fake-retell";
import { type Account, registerTenant, unique } from "../../scripts/dev/fixtures";
import { retellServer, saveRetellKey } from "../../scripts/dev/retell-server";

const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** A Retell mock for this test file; any host but Retell's and this machine's fails the test. */
export function mockRetell() {
  const accounts = new Map<string, FakeRetell>();
  const server = retellServer(accounts);
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
      await saveRetellKey(owner, retell.apiKey);
      return { owner, retell };
    },
  };
}
