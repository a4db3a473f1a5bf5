import { FakeGraph, type FakeGraphOptions } from "../../scripts/dev/fake-graph";
import { type Account, registerTenant } from "../../scripts/dev/fixtures";
import {
  addWhatsAppNumber,
  type ConfiguredNumber,
  configureWhatsApp,
  graphHandlers,
} from "../../scripts/dev/graph-server";
import { serveMsw } from "./msw";

/** Fake Graph accounts and the msw handlers that answer for them, for a file that serves them with other mocks. */
export function graphMock() {
  const accounts = new Map<string, FakeGraph>();

  /** A fake account msw answers for (its own token, WABA and phone number ids unless given). */
  const account = (options?: FakeGraphOptions): FakeGraph => {
    const graph = new FakeGraph(options);
    accounts.set(graph.accessToken, graph);
    return graph;
  };

  return {
    handlers: graphHandlers(accounts),
    account,

    /**
     * A new tenant whose first WhatsApp number is a new fake account's, configured through the real
     * settings route (whatsappConfig, webhookConfig.verifyToken).
     */
    async tenantWithWhatsApp(
      label = "whatsapp",
      options: { apiVersion?: string } = {},
    ): Promise<{ owner: Account; graph: FakeGraph; number: ConfiguredNumber }> {
      const owner = await registerTenant(label);
      const graph = account();
      const number = await configureWhatsApp(owner, graph, options);
      return { owner, graph, number };
    },

    /** Another number of the same account, connected to the tenant as a second WhatsApp channel. */
    addNumber: (owner: Account, graph: FakeGraph): Promise<ConfiguredNumber> => addWhatsAppNumber(owner, graph),
  };
}

/** A Graph (Meta WhatsApp Cloud API) mock for this test file; any host but Meta's and this machine's fails the test. */
export function mockGraph() {
  const { handlers, ...graph } = graphMock();
  const { server } = serveMsw(handlers);
  return { server, ...graph };
}
