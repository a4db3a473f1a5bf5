import { agents, calls } from "../../db/schema";
import { defineMatrix } from "../helpers/security-matrix";

/** Tenant A's Retell agent and call; tenant B has neither. */
const AGENT_ID = "agent_matrix_a";
const CALL_ID = "call_matrix_a";

export default defineMatrix({
  seed: async (db, a) => {
    await db.insert(agents).values({ tenantId: a.tenantId, agentId: AGENT_ID, agentName: "Matrix A desk" });
    await db.insert(calls).values({
      tenantId: a.tenantId,
      agentId: AGENT_ID,
      callId: CALL_ID,
      callType: "phone_call",
      callStatus: "ended",
      startedAt: new Date(),
      durationMs: 60_000,
      transcript: "Agent: Matrix A desk, how can I help?",
    });
  },
  fixtures: {
    "GET /api/dashboard/agent-info/:agentId": () => ({ path: `/api/dashboard/agent-info/${AGENT_ID}` }),
    "GET /api/dashboard/call-history/:agentId": () => ({
      path: `/api/dashboard/call-history/${AGENT_ID}`,
      query: { limit: 100 },
    }),
    "GET /api/calls/:callId": () => ({ path: `/api/calls/${CALL_ID}` }),
    "GET /api/dashboard/overview": () => ({ query: { agentId: AGENT_ID } }),
    "POST /api/dashboard/sync-calls": () => ({ body: { agentId: AGENT_ID } }),
  },
  markers: () => ["Matrix A desk"],
  public: {
    "POST /api/webhooks/retell":
      "Authenticated by Retell's signature over the body, not by a caller: tests/voice/webhook.test.ts",
  },
});
