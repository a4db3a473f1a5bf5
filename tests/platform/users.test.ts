import { describe, expect, it } from "vitest";
import * as login from "../../netlify/functions/platform-auth-login";
import * as me from "../../netlify/functions/platform-auth-me";
import * as refresh from "../../netlify/functions/platform-auth-refresh";
import * as users from "../../netlify/functions/platform-users";
import * as userById from "../../netlify/functions/platform-users-id";
import { addMember, createApiKey, registerTenant, unique } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";

const newUser = (role = "agent") => ({
  email: `${unique("user")}@example.test`,
  name: "New Person",
  role,
  password: "long enough pw",
});

describe("GET /api/users", () => {
  it("takes spec 003's page number as the offset it names, and refuses it beside an offset", async () => {
    const owner = await registerTenant("list-page");
    for (let i = 0; i < 4; i++) await addMember(owner, "agent");
    const byOffset = await call(users, { token: owner.accessToken, query: { limit: 2, offset: 2 } });
    const byPage = await call(users, { token: owner.accessToken, query: { limit: 2, page: 2 } });
    expect(byPage.status).toBe(200);
    expect(byPage.body.data).toEqual(byOffset.body.data);
    expect(byPage.body.pagination).toMatchObject({ offset: 2, page: 2, totalPages: 3, total: 5 });
    const both = await call(users, { token: owner.accessToken, query: { limit: 2, page: 2, offset: 2 } });
    expect(both.status).toBe(400);
    expect(both.body.error.details[0].path).toBe("query.page");
    const zero = await call(users, { token: owner.accessToken, query: { page: 0 } });
    expect(zero.status).toBe(400);
    const cursor = byOffset.body.pagination.nextCursor as string;
    const byCursor = await call(users, { token: owner.accessToken, query: { limit: 2, cursor } });
    expect(byCursor.body.pagination.page).toBeNull();
    const pageAndCursor = await call(users, { token: owner.accessToken, query: { page: 2, cursor } });
    expect(pageAndCursor.status).toBe(400);
    expect(pageAndCursor.body.error.details[0].message).toBe("Give either page or cursor, not both");
  });

  it("lists the tenant's users with pagination in one statement", async () => {
    const owner = await registerTenant("list");
    for (let i = 0; i < 3; i++) await addMember(owner, "agent");
    const page = await call(users, { token: owner.accessToken, query: { limit: 2, offset: 0 } });
    expect(page.status).toBe(200);
    expect(page.body.data).toHaveLength(2);
    expect(page.body.pagination).toEqual({
      total: 4,
      totalIsExact: true,
      limit: 2,
      offset: 0,
      page: 1,
      totalPages: 2,
      hasMore: true,
      nextCursor: expect.any(String),
    });
    expect(page.statements).toBe(1);
    const last = await call(users, { token: owner.accessToken, query: { limit: 2, offset: 2 } });
    expect(last.body.pagination).toEqual({
      total: 4,
      totalIsExact: true,
      limit: 2,
      offset: 2,
      page: 2,
      totalPages: 2,
      hasMore: false,
      nextCursor: null,
    });
    const past = await call(users, { token: owner.accessToken, query: { limit: 2, offset: 10 } });
    expect(past.body).toMatchObject({ data: [], pagination: { total: 4, hasMore: false } });
  });

  it("filters by role and searches name or email", async () => {
    const owner = await registerTenant("filter");
    const agent = await addMember(owner, "agent");
    await addMember(owner, "sales_rep");
    const byRole = await call(users, { token: owner.accessToken, query: { role: "sales_rep" } });
    expect(byRole.body.data.map((u: { role: string }) => u.role)).toEqual(["sales_rep"]);
    const bySearch = await call(users, { token: owner.accessToken, query: { search: agent.email.slice(0, 12) } });
    expect(bySearch.body.data.map((u: { id: string }) => u.id)).toEqual([agent.userId]);
    const wildcard = await call(users, { token: owner.accessToken, query: { search: "%" } });
    expect(wildcard.body.data).toEqual([]);
  });

  it("is readable with a read-scoped API key", async () => {
    const owner = await registerTenant("keyread");
    const { key } = await createApiKey(owner, ["read"]);
    const res = await call(users, { apiKey: key });
    expect(res.status).toBe(200);
    expect(res.body.data[0].id).toBe(owner.userId);
  });

  it("rejects out-of-range paging", async () => {
    const owner = await registerTenant("paging");
    for (const query of [{ limit: 0 }, { limit: 101 }, { offset: -1 }, { limit: "ten" }]) {
      const res = await call(users, { token: owner.accessToken, query });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("VALIDATION_FAILED");
    }
  });
});

describe("POST /api/users", () => {
  it("creates a user who can then sign in", async () => {
    const owner = await registerTenant("create");
    const input = newUser("sales_manager");
    const res = await call(users, { method: "POST", token: owner.accessToken, body: input });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      email: input.email.toLowerCase(),
      role: "sales_manager",
      tenantId: owner.tenantId,
    });
    expect(res.text).not.toContain("passwordHash");
    const signedIn = await call(login, { method: "POST", body: { email: input.email, password: input.password } });
    expect(signedIn.status).toBe(200);
  });

  it("answers 409 for a taken email and 400 for an unknown role", async () => {
    const owner = await registerTenant("create409");
    const taken = await call(users, {
      method: "POST",
      token: owner.accessToken,
      body: { ...newUser(), email: owner.email },
    });
    expect(taken.status).toBe(409);
    const badRole = await call(users, { method: "POST", token: owner.accessToken, body: newUser("superuser") });
    expect(badRole.status).toBe(400);
  });

  it("lets an admin create staff but not an owner", async () => {
    const owner = await registerTenant("admincreate");
    const admin = await addMember(owner, "admin");
    expect((await call(users, { method: "POST", token: admin.accessToken, body: newUser("agent") })).status).toBe(201);
    const res = await call(users, { method: "POST", token: admin.accessToken, body: newUser("owner") });
    expect(res.status).toBe(403);
  });
});

describe("/api/users/:id", () => {
  it("reads, updates and deletes a user, auditing each change", async () => {
    const owner = await registerTenant("crud");
    const agent = await addMember(owner, "agent");
    const path = `/api/users/${agent.userId}`;
    const read = await call(userById, { path, token: owner.accessToken });
    expect(read.body.data).toMatchObject({ id: agent.userId, role: "agent" });
    expect(read.statements).toBe(1);

    const updated = await call(userById, {
      method: "PUT",
      path,
      token: owner.accessToken,
      body: { role: "operations", name: "Ops" },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.data).toMatchObject({ role: "operations", name: "Ops" });

    const deleted = await call(userById, { method: "DELETE", path, token: owner.accessToken });
    expect(deleted.status).toBe(204);
    expect((await call(userById, { path, token: owner.accessToken })).status).toBe(404);
  });

  it("changes a password so the old one stops working", async () => {
    const owner = await registerTenant("pw");
    const agent = await addMember(owner, "agent");
    await call(userById, {
      method: "PUT",
      path: `/api/users/${agent.userId}`,
      token: owner.accessToken,
      body: { password: "brand new password" },
    });
    expect((await call(login, { method: "POST", body: { email: agent.email, password: agent.password } })).status).toBe(
      401,
    );
    expect(
      (await call(login, { method: "POST", body: { email: agent.email, password: "brand new password" } })).status,
    ).toBe(200);
  });

  it("ends the user's sessions when their password changes, and only then", async () => {
    const owner = await registerTenant("pw-sessions");
    const agent = await addMember(owner, "agent");
    const path = `/api/users/${agent.userId}`;
    const refreshWith = (refreshToken: string) => call(refresh, { method: "POST", body: { refreshToken } });

    await call(userById, { method: "PUT", path, token: owner.accessToken, body: { name: "Renamed" } });
    const stillSignedIn = await refreshWith(agent.refreshToken);
    expect(stillSignedIn.status).toBe(200);

    const changed = await call(userById, {
      method: "PUT",
      path,
      token: owner.accessToken,
      body: { password: "brand new password" },
    });
    expect(changed.status).toBe(200);
    expect((await refreshWith(stillSignedIn.body.data.refreshToken)).status).toBe(401);
    // The admin's own session is not the user's.
    expect((await refreshWith(owner.refreshToken)).status).toBe(200);
  });

  it("ends a removed user's sessions", async () => {
    const owner = await registerTenant("removed");
    const agent = await addMember(owner, "agent");
    const path = `/api/users/${agent.userId}`;
    expect((await call(userById, { method: "DELETE", path, token: owner.accessToken })).status).toBe(204);
    const refreshed = await call(refresh, { method: "POST", body: { refreshToken: agent.refreshToken } });
    expect(refreshed.status).toBe(401);
    expect((await call(me, { token: agent.accessToken })).status).toBe(401);
  });

  it("goes by the caller's current row, not their access token: a removed or demoted admin manages no one", async () => {
    const owner = await registerTenant("stale-admin");
    const removed = await addMember(owner, "admin");
    const demoted = await addMember(owner, "admin");
    const agent = await addMember(owner, "agent");
    const agentPath = `/api/users/${agent.userId}`;
    await call(userById, { method: "DELETE", path: `/api/users/${removed.userId}`, token: owner.accessToken });
    await call(userById, {
      method: "PUT",
      path: `/api/users/${demoted.userId}`,
      token: owner.accessToken,
      body: { role: "agent" },
    });

    for (const [stale, status] of [
      [removed, 401],
      [demoted, 403],
    ] as const) {
      const attempts = [
        call(users, { method: "POST", token: stale.accessToken, body: newUser("admin") }),
        call(userById, {
          method: "PUT",
          path: agentPath,
          token: stale.accessToken,
          body: { password: "taken over pw" },
        }),
        call(userById, { method: "DELETE", path: agentPath, token: stale.accessToken }),
      ];
      for (const res of await Promise.all(attempts)) expect(res.status, res.text).toBe(status);
    }
    expect((await call(login, { method: "POST", body: { email: agent.email, password: agent.password } })).status).toBe(
      200,
    );
  });

  it("keeps owners safe from admins and keeps at least one owner", async () => {
    const owner = await registerTenant("owners");
    const admin = await addMember(owner, "admin");
    const ownerPath = `/api/users/${owner.userId}`;
    const demote = await call(userById, {
      method: "PUT",
      path: ownerPath,
      token: admin.accessToken,
      body: { role: "agent" },
    });
    expect(demote.status).toBe(403);
    const remove = await call(userById, { method: "DELETE", path: ownerPath, token: admin.accessToken });
    expect(remove.status).toBe(403);
    const promote = await call(userById, {
      method: "PUT",
      path: `/api/users/${admin.userId}`,
      token: admin.accessToken,
      body: { role: "owner" },
    });
    expect(promote.status).toBe(403);

    const selfDemote = await call(userById, {
      method: "PUT",
      path: ownerPath,
      token: owner.accessToken,
      body: { role: "admin" },
    });
    expect(selfDemote.status).toBe(422);
    expect(selfDemote.body.error.code).toBe("UNPROCESSABLE");
    const selfDelete = await call(userById, { method: "DELETE", path: ownerPath, token: owner.accessToken });
    expect(selfDelete.status).toBe(422);

    // With a second owner, the first may step down.
    await call(userById, {
      method: "PUT",
      path: `/api/users/${admin.userId}`,
      token: owner.accessToken,
      body: { role: "owner" },
    });
    const stepDown = await call(userById, {
      method: "PUT",
      path: ownerPath,
      token: owner.accessToken,
      body: { role: "admin" },
    });
    expect(stepDown.status).toBe(200);
  });

  // Repeated: a lost race (both succeed) or a deadlock (a 500) shows within a few rounds.
  it.each([1, 2, 3, 4, 5])(
    "keeps one owner when two owners demote each other at the same moment (round %i)",
    async () => {
      const first = await registerTenant("race");
      const second = await addMember(first, "owner");
      const [a, b] = await Promise.all([
        call(userById, {
          method: "PUT",
          path: `/api/users/${second.userId}`,
          token: first.accessToken,
          body: { role: "admin" },
        }),
        call(userById, {
          method: "PUT",
          path: `/api/users/${first.userId}`,
          token: second.accessToken,
          body: { role: "admin" },
        }),
      ]);
      // The loser waited for the winner's lock and is an admin now, who may not demote an owner.
      expect([a.status, b.status].sort()).toEqual([200, 403]);
      const owners = await call(users, { token: first.accessToken, query: { role: "owner" } });
      expect(owners.body.pagination.total).toBe(1);
    },
  );

  it("validates the id and the body", async () => {
    const owner = await registerTenant("validate");
    expect((await call(userById, { path: "/api/users/not-a-uuid", token: owner.accessToken })).status).toBe(400);
    const empty = await call(userById, {
      method: "PUT",
      path: `/api/users/${owner.userId}`,
      token: owner.accessToken,
      body: {},
    });
    expect(empty.status).toBe(400);
    const missing = await call(userById, { path: `/api/users/${crypto.randomUUID()}`, token: owner.accessToken });
    expect(missing.status).toBe(404);
  });
});
