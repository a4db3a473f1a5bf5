import { FakeRetell } from "../../scripts/dev/fake-retell";
import { type Account, registerTenant, unique } from "../../scripts/dev/fixtures";
import { retellHandlers, saveRetellKey } from "../../scripts/dev/retell-server";
import { serveMsw } from "./msw";

/** Fake Retell accounts and the msw handlers that answer for them, for a file that serves them with other mocks. */
export function retellMock() {
  const accounts = new Map<string, FakeRetell>();
  return {
    handlers: retellHandlers(accounts),

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

/** A Retell mock for this test file; any host but Retell's and this machine's fails the test. */
export function mockRetell() {
  const { handlers, ...retell } = retellMock();
  serveMsw(handlers);
  return retell;
}
