import { unique } from "../../scripts/dev/fixtures";
import { appendEvents } from "../../services/platform/events";
import { defineMatrix } from "../helpers/security-matrix";

/** Tenant A's event, which the events feed must never show anyone else. */
const EVENT_RESOURCE_ID = "matrix-a-event-resource";

/** The platform's part of the security matrix: tenant A's members and keys themselves, and one event of its feed. */
export default defineMatrix({
  seed: async (db, a) => {
    await db.transaction((tx) =>
      appendEvents(tx, a.tenantId, [
        { type: "message:new", resourceType: "message", resourceId: EVENT_RESOURCE_ID, payload: {} },
      ]),
    );
  },
  fixtures: {
    "POST /api/auth/signout": (w) => ({ body: { refreshToken: w.a.refreshToken } }),
    "GET /api/auth/me": () => ({}),
    "GET /api/profiles": () => ({}),
    "PUT /api/profiles": () => ({ body: { name: "Mallory", businessName: "Hijacked" } }),
    "GET /api/user-preferences": () => ({}),
    "PUT /api/user-preferences": () => ({ body: { language: "fr" } }),
    "GET /api/users": () => ({ query: { limit: 100 } }),
    "POST /api/users": () => ({
      body: { email: `${unique("matrix")}@example.test`, name: "New", role: "agent", password: "long enough pw" },
    }),
    "GET /api/users/:id": (w) => ({ path: `/api/users/${w.aMembers.agent.userId}` }),
    "PUT /api/users/:id": (w) => ({ path: `/api/users/${w.aMembers.agent.userId}`, body: { name: "Hijacked" } }),
    "DELETE /api/users/:id": (w) => ({ path: `/api/users/${w.aMembers.agent.userId}` }),
    "GET /api/settings": () => ({}),
    "PATCH /api/settings": () => ({
      body: { webhookConfig: { enabled: false, verifyToken: "attacker-token-1234" } },
    }),
    "GET /api/api-keys": () => ({ query: { includeRevoked: "true" } }),
    "POST /api/api-keys": () => ({ body: { name: "matrix", scopes: ["read"] } }),
    "DELETE /api/api-keys/:id": (w) => ({ path: `/api/api-keys/${w.aKey.id}` }),
    "GET /api/audit-log": () => ({ query: { limit: 100 } }),
    "GET /api/events": () => ({ query: { after: 0, limit: 500 } }),
    // wait=0: the stream sends what there is and ends at once, so the matrix never waits on it.
    "GET /api/events/stream": () => ({ query: { after: 0, wait: 0 } }),
  },
  markers: (w) => [
    w.a.tenantId,
    w.a.tenantName,
    ...Object.values(w.aMembers).flatMap((member) => [member.userId, member.email]),
    w.aKey.id,
    w.aKey.key.slice(0, 10),
    EVENT_RESOURCE_ID,
  ],
  public: {
    "GET /api/health": "Reports only whether the database answers and its migrations are current",
    "POST /api/auth/register": "Creates a new tenant; rate limited per IP",
    "POST /api/auth/login": "Needs the password; rate limited",
    "POST /api/auth/refresh": "Needs a live refresh token",
    "GET /api/openapi.json": "The API's own description",
    "GET /api/docs": "A page rendering the description",
  },
});
