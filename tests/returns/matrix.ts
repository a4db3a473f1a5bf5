import { randomUUID } from "node:crypto";
import { callSessions, conversations, credentials, policies, returnRequests } from "../../db/schema";
import { unique } from "../../scripts/dev/fixtures";
import { defineMatrix } from "../helpers/security-matrix";

/** Tenant A's returns-desk rows; generated ids are read back by `seed`. */
const CHAT_SESSION_ID = randomUUID();
const CALL_SESSION_ID = randomUUID();
const PROVIDER_CONFIG_ID = randomUUID();
const RETURN_ORDER_ID = "matrix-a-return-order";
const CUSTOMER_EMAIL = "matrix-a-customer@example.test";
const POLICY_VERSION = "matrix-a-policy-v1";

export default defineMatrix({
  seed: async (db, a) => {
    // A chat session is an inbox conversation with the same id.
    await db
      .insert(conversations)
      .values({ id: CHAT_SESSION_ID, tenantId: a.tenantId, channelType: "webchat", subject: "Matrix A chat" });
    await db.insert(callSessions).values({
      id: CALL_SESSION_ID,
      tenantId: a.tenantId,
      chatSessionId: CHAT_SESSION_ID,
      callType: "voice",
      provider: "test",
    });
    await db.insert(credentials).values({
      id: PROVIDER_CONFIG_ID,
      tenantId: a.tenantId,
      kind: "elevenlabs",
      name: "matrix",
      data: { voiceId: "matrix-a-voice" },
    });
    const [returnRequest] = await db
      .insert(returnRequests)
      .values({
        tenantId: a.tenantId,
        orderId: RETURN_ORDER_ID,
        customerEmail: CUSTOMER_EMAIL,
        reasonForReturn: "damaged",
      })
      .returning({ id: returnRequests.id });
    const [policy] = await db
      .insert(policies)
      .values({ tenantId: a.tenantId, version: POLICY_VERSION, rules: { returnWindowDays: 30 } })
      .returning({ id: policies.id });
    return { returnRequestId: returnRequest!.id, policyId: policy!.id };
  },
  fixtures: {
    "GET /api/chat-sessions": () => ({ query: { limit: 100 } }),
    "POST /api/chat-sessions": (w) => ({ body: { sessionName: "Matrix", chatMode: "normal", userId: w.a.userId } }),
    "GET /api/chat-messages/:sessionId": () => ({ path: `/api/chat-messages/${CHAT_SESSION_ID}` }),
    "POST /api/chat-messages": () => ({
      body: { sessionId: CHAT_SESSION_ID, sender: "user", message: "Hijacked", messageType: "text" },
    }),
    "GET /api/call-sessions": () => ({ query: { limit: 100 } }),
    "POST /api/call-sessions": () => ({
      body: { chatSessionId: CHAT_SESSION_ID, callType: "voice", provider: "test" },
    }),
    "GET /api/call-sessions/:id": () => ({ path: `/api/call-sessions/${CALL_SESSION_ID}` }),
    "PATCH /api/call-sessions/:id": () => ({
      path: `/api/call-sessions/${CALL_SESSION_ID}`,
      body: { status: "ended" },
    }),
    "GET /api/call-sessions/:id/transcripts": () => ({ path: `/api/call-sessions/${CALL_SESSION_ID}/transcripts` }),
    "POST /api/call-sessions/:id/transcripts": () => ({
      path: `/api/call-sessions/${CALL_SESSION_ID}/transcripts`,
      body: { segments: [{ speaker: "user", message: "Hijacked", timestampSeconds: 1 }] },
    }),
    "GET /api/call-sessions/:id/analytics": () => ({ path: `/api/call-sessions/${CALL_SESSION_ID}/analytics` }),
    "POST /api/call-sessions/:id/analytics": () => ({
      path: `/api/call-sessions/${CALL_SESSION_ID}/analytics`,
      body: { provider: "test", metrics: { hijacked: true } },
    }),
    "GET /api/provider-configs": () => ({ query: { limit: 100 } }),
    "POST /api/provider-configs": () => ({
      body: { provider: "elevenlabs", configName: "matrix", configData: { apiKey: "attacker-key-123456" } },
    }),
    "GET /api/provider-configs/:id": () => ({ path: `/api/provider-configs/${PROVIDER_CONFIG_ID}` }),
    "PATCH /api/provider-configs/:id": () => ({
      path: `/api/provider-configs/${PROVIDER_CONFIG_ID}`,
      body: { configData: { apiKey: "attacker-key-123456" } },
    }),
    "DELETE /api/provider-configs/:id": () => ({ path: `/api/provider-configs/${PROVIDER_CONFIG_ID}` }),
    "GET /api/return-requests": () => ({ query: { limit: 100 } }),
    "PUT /api/return-requests/:id/status": (_w, rows) => ({
      path: `/api/return-requests/${rows.returnRequestId}/status`,
      body: { status: "approved", adminNotes: "Hijacked" },
    }),
    "GET /api/policies": () => ({ query: { limit: 100 } }),
    "POST /api/policies": () => ({ body: { version: unique("matrix-policy"), rules: { returnWindowDays: 14 } } }),
    "PUT /api/policies/:id": (_w, rows) => ({
      path: `/api/policies/${rows.policyId}`,
      body: { rules: { returnWindowDays: 3650 } },
    }),
    "PUT /api/policies/:id/activate": (_w, rows) => ({ path: `/api/policies/${rows.policyId}/activate` }),
    "GET /api/ai-policy-helper/active": () => ({}),
    "POST /api/ai-policy-helper/evaluate-return": () => ({
      body: { orderId: RETURN_ORDER_ID, customerEmail: CUSTOMER_EMAIL, reasonForReturn: "damaged" },
    }),
  },
  markers: () => [
    CHAT_SESSION_ID,
    CALL_SESSION_ID,
    PROVIDER_CONFIG_ID,
    "matrix-a-voice",
    RETURN_ORDER_ID,
    CUSTOMER_EMAIL,
    POLICY_VERSION,
  ],
  public: {
    "POST /api/return-requests":
      "Customers file returns without an account (spec 000); rate limited per IP: tests/returns/return-requests.test.ts",
    "POST /api/return-requests/lookup":
      "Answers only customer-safe fields and needs the customer's email; rate limited: tests/returns/return-requests.test.ts",
    "GET /api/policies/active":
      "The active policy is public for customer-facing pages (spec 000); only the policy or null, by ?businessId=: tests/returns/policies.test.ts",
  },
});
