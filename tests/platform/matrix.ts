import { unique } from "../../scripts/dev/fixtures";
import { defineMatrix } from "../helpers/security-matrix";

/** The platform's part of the security matrix: its rows are tenant A's members and keys themselves. */
export default defineMatrix({
  seed: async () => undefined,
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
  },
  markers: (w) => [
    w.a.tenantId,
    w.a.tenantName,
    ...Object.values(w.aMembers).flatMap((member) => [member.userId, member.email]),
    w.aKey.id,
    w.aKey.key.slice(0, 10),
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
