import { describe, expect, it } from "vitest";
import * as login from "../../netlify/functions/platform-auth-login";
import * as me from "../../netlify/functions/platform-auth-me";
import * as refresh from "../../netlify/functions/platform-auth-refresh";
import * as register from "../../netlify/functions/platform-auth-register";
import * as signout from "../../netlify/functions/platform-auth-signout";
import { registerTenant, unique } from "../../scripts/dev/fixtures";
import { type CallResult, call } from "../../scripts/dev/http";

describe("POST /api/auth/register", () => {
  it("creates a tenant and its owner and returns a session", async () => {
    const email = `${unique("reg")}@Example.test`;
    const res = await call(register, {
      method: "POST",
      body: { tenantName: "Acme Returns", name: "Ada", email, password: "long enough pw" },
    });
    expect(res.status).toBe(201);
    expect(res.body.data.user).toMatchObject({ email: email.toLowerCase(), name: "Ada", role: "owner" });
    expect(res.body.data.user).not.toHaveProperty("passwordHash");
    expect(res.body.data.tenant).toMatchObject({ name: "Acme Returns", subscriptionPlan: "free", onboarded: false });
    expect(res.body.data.tokenType).toBe("Bearer");
    expect(res.body.data.refreshToken).toMatch(/^[\w-]{40,}$/);
    expect(res.text).not.toContain("scrypt");
  });

  it("takes spec 004's body (email, password, name): the business is named after the user", async () => {
    const email = `${unique("reg-004")}@example.test`;
    const res = await call(register, { method: "POST", body: { email, password: "strongpassword", name: "Jane" } });
    expect(res.status, res.text).toBe(201);
    expect(res.body.data.user).toMatchObject({ email, name: "Jane", role: "owner" });
    expect(res.body.data.tenant).toMatchObject({ name: "Jane" });
    expect(res.body.data.accessToken).toEqual(expect.any(String));
  });

  it("answers 409 for an email already registered, whatever its case", async () => {
    const owner = await registerTenant("dup");
    const res = await call(register, {
      method: "POST",
      body: { tenantName: "Other", name: "Eve", email: owner.email.toUpperCase(), password: "long enough pw" },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("CONFLICT");
  });

  it("validates the body", async () => {
    const res = await call(register, {
      method: "POST",
      body: { tenantName: "", email: "not-an-email", password: "short" },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
    const paths = res.body.error.details.map((detail: { path: string }) => detail.path);
    expect(paths).toEqual(expect.arrayContaining(["body.tenantName", "body.email", "body.password", "body.name"]));
  });

  it("limits registrations per IP with 429 and Retry-After", async () => {
    const ip = `192.0.2.${Math.floor(Math.random() * 250)}`;
    const statuses: number[] = [];
    let last: CallResult | undefined;
    for (let attempt = 0; attempt < 6; attempt++) {
      last = await call(register, {
        method: "POST",
        ip,
        body: { tenantName: "Spam", name: "S", email: `${unique("spam")}@example.test`, password: "long enough pw" },
      });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429]);
    expect(Number(last?.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(last?.body.error.code).toBe("RATE_LIMITED");
  });
});

describe("POST /api/auth/login", () => {
  it("signs in with the right password, case-insensitively by email", async () => {
    const owner = await registerTenant("login");
    const res = await call(login, {
      method: "POST",
      body: { email: owner.email.toUpperCase(), password: owner.password },
    });
    expect(res.status).toBe(200);
    expect(res.body.data.user.id).toBe(owner.userId);
    const who = await call(me, { token: res.body.data.accessToken });
    expect(who.status).toBe(200);
  });

  it("answers the same 401 for a wrong password and an unknown email", async () => {
    const owner = await registerTenant("login401");
    const wrong = await call(login, { method: "POST", body: { email: owner.email, password: "wrong password" } });
    const unknown = await call(login, {
      method: "POST",
      body: { email: `${unique("nobody")}@example.test`, password: "x" },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
  });

  it("locks an email+IP out after 10 failures, even with the right password, and not other IPs", async () => {
    const owner = await registerTenant("lockout");
    const ip = "198.51.100.7";
    for (let attempt = 0; attempt < 10; attempt++) {
      const res = await call(login, { method: "POST", ip, body: { email: owner.email, password: "wrong password" } });
      expect(res.status).toBe(401);
    }
    const locked = await call(login, { method: "POST", ip, body: { email: owner.email, password: owner.password } });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(800);
    const elsewhere = await call(login, {
      method: "POST",
      ip: "198.51.100.8",
      body: { email: owner.email, password: owner.password },
    });
    expect(elsewhere.status).toBe(200);
  });
});

describe("POST /api/auth/refresh", () => {
  it("rotates the refresh token, and reuse of a spent token revokes the whole family", async () => {
    const owner = await registerTenant("refresh");
    const first = await call(refresh, { method: "POST", body: { refreshToken: owner.refreshToken } });
    expect(first.status).toBe(200);
    const rotated = first.body.data.refreshToken;
    expect(rotated).not.toBe(owner.refreshToken);

    const reused = await call(refresh, { method: "POST", body: { refreshToken: owner.refreshToken } });
    expect(reused.status).toBe(401);
    // The thief's reuse also kills the legitimate holder's newer token.
    const afterReuse = await call(refresh, { method: "POST", body: { refreshToken: rotated } });
    expect(afterReuse.status).toBe(401);
  });

  it("refuses an unknown token", async () => {
    const res = await call(refresh, { method: "POST", body: { refreshToken: "nope" } });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("UNAUTHORIZED");
  });
});

describe("POST /api/auth/signout", () => {
  it("revokes the session's refresh tokens", async () => {
    const owner = await registerTenant("signout");
    const res = await call(signout, {
      method: "POST",
      token: owner.accessToken,
      body: { refreshToken: owner.refreshToken },
    });
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    const again = await call(refresh, { method: "POST", body: { refreshToken: owner.refreshToken } });
    expect(again.status).toBe(401);
  });

  it("cannot revoke another user's session", async () => {
    const victim = await registerTenant("victim");
    const attacker = await registerTenant("attacker");
    const res = await call(signout, {
      method: "POST",
      token: attacker.accessToken,
      body: { refreshToken: victim.refreshToken },
    });
    expect(res.status).toBe(204);
    const stillValid = await call(refresh, { method: "POST", body: { refreshToken: victim.refreshToken } });
    expect(stillValid.status).toBe(200);
  });
});

describe("GET /api/auth/me", () => {
  it("returns the user and tenant in one statement", async () => {
    const owner = await registerTenant("me");
    const res = await call(me, { token: owner.accessToken });
    expect(res.status).toBe(200);
    expect(res.body.data.user).toMatchObject({ id: owner.userId, email: owner.email, role: "owner" });
    expect(res.body.data.tenant).toMatchObject({ id: owner.tenantId, name: owner.tenantName });
    expect(res.statements).toBe(1);
  });
});
