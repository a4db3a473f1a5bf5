import { eq, like, sql } from "drizzle-orm";
import { type JWTPayload, SignJWT } from "jose";
import { describe, expect, it, vi } from "vitest";
import { getDb } from "../../db/client";
import { rateLimits, refreshTokens } from "../../db/schema";
import * as login from "../../netlify/functions/platform-auth-login";
import * as me from "../../netlify/functions/platform-auth-me";
import * as refresh from "../../netlify/functions/platform-auth-refresh";
import * as register from "../../netlify/functions/platform-auth-register";
import * as signout from "../../netlify/functions/platform-auth-signout";
import * as users from "../../netlify/functions/platform-users";
import { registerTenant, unique } from "../../scripts/dev/fixtures";
import { type CallResult, call } from "../../scripts/dev/http";
import { LOGIN_FAILURES_PER_IP } from "../../services/platform/rate-limit";
import { REFRESH_TOKEN_REUSE_SECONDS, sha256 } from "../../shared/auth/tokens";

const randomIp = () => `203.0.113.${Math.floor(Math.random() * 250)}`;

/** Moves the moment `refreshToken` was spent back by `seconds` (by default, past the reuse interval). */
async function spentEarlier(refreshToken: string, seconds = REFRESH_TOKEN_REUSE_SECONDS + 1): Promise<void> {
  const db = await getDb();
  await db
    .update(refreshTokens)
    .set({ spentAt: sql`${refreshTokens.spentAt} - make_interval(secs => ${seconds})` })
    .where(eq(refreshTokens.tokenHash, sha256(refreshToken)));
}

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

  it("clears an email's failures on success, so a user who mistypes now and then is never locked out", async () => {
    const owner = await registerTenant("typos");
    const ip = randomIp();
    const attempt = (password: string) => call(login, { method: "POST", ip, body: { email: owner.email, password } });
    for (let round = 0; round < 2; round++) {
      for (let miss = 0; miss < 9; miss++) expect((await attempt("wrong password")).status).toBe(401);
      expect((await attempt(owner.password)).status).toBe(200);
    }
  });

  it("limits failures per IP across emails (spraying), for a window, and not other IPs", async () => {
    const owner = await registerTenant("spray");
    const ip = randomIp();
    const spray = () =>
      call(login, {
        method: "POST",
        ip,
        body: { email: `${unique("sprayed")}@example.test`, password: "Winter2024!" },
      });
    for (let attempt = 0; attempt < LOGIN_FAILURES_PER_IP.max; attempt++) expect((await spray()).status).toBe(401);
    const limited = await spray();
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("RATE_LIMITED");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(800);

    const rightPassword = { method: "POST", body: { email: owner.email, password: owner.password } };
    expect((await call(login, { ...rightPassword, ip })).status).toBe(429);
    expect((await call(login, { ...rightPassword, ip: randomIp() })).status).toBe(200);

    // Once the window has passed, the IP may sign in again.
    const db = await getDb();
    await db
      .update(rateLimits)
      .set({
        windowStart: sql`${rateLimits.windowStart} - make_interval(secs => ${LOGIN_FAILURES_PER_IP.windowSeconds})`,
      })
      .where(like(rateLimits.key, `%:${ip}`));
    expect((await call(login, { ...rightPassword, ip })).status).toBe(200);
  });
});

describe("POST /api/auth/refresh", () => {
  const refreshWith = (refreshToken: string) => call(refresh, { method: "POST", body: { refreshToken } });

  it("rotates the refresh token, and reuse of a spent token past the reuse interval revokes the whole family", async () => {
    const owner = await registerTenant("refresh");
    const first = await refreshWith(owner.refreshToken);
    expect(first.status).toBe(200);
    const rotated = first.body.data.refreshToken;
    expect(rotated).not.toBe(owner.refreshToken);

    await spentEarlier(owner.refreshToken);
    const reused = await refreshWith(owner.refreshToken);
    expect(reused.status).toBe(401);
    // The thief's reuse also kills the legitimate holder's newer token.
    expect((await refreshWith(rotated)).status).toBe(401);
  });

  it("gives two refreshes of one token at the same moment (two tabs) each a working session in the family", async () => {
    const owner = await registerTenant("two-tabs");
    const [a, b] = await Promise.all([refreshWith(owner.refreshToken), refreshWith(owner.refreshToken)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    // The successor is never handed out twice: the later refresh gets a sibling.
    expect(a.body.data.refreshToken).not.toBe(b.body.data.refreshToken);
    const [nextA, nextB] = await Promise.all([
      refreshWith(a.body.data.refreshToken),
      refreshWith(b.body.data.refreshToken),
    ]);
    expect([nextA.status, nextB.status]).toEqual([200, 200]);

    // Siblings share the family: signing out with one ends the other.
    await call(signout, {
      method: "POST",
      token: nextA.body.data.accessToken,
      body: { refreshToken: nextA.body.data.refreshToken },
    });
    expect((await refreshWith(nextB.body.data.refreshToken)).status).toBe(401);
  });

  it("does not stretch the reuse interval: it runs from the first spend", async () => {
    const owner = await registerTenant("reuse-window");
    expect((await refreshWith(owner.refreshToken)).status).toBe(200);
    await spentEarlier(owner.refreshToken, REFRESH_TOKEN_REUSE_SECONDS - 2);
    // Still within the interval; a reuse here must not restart it.
    expect((await refreshWith(owner.refreshToken)).status).toBe(200);
    await spentEarlier(owner.refreshToken, 3);
    expect((await refreshWith(owner.refreshToken)).status).toBe(401);
  });

  it("refuses a spent token within the reuse interval once its family is signed out", async () => {
    const owner = await registerTenant("reuse-revoked");
    const rotated = await refreshWith(owner.refreshToken);
    await call(signout, {
      method: "POST",
      token: rotated.body.data.accessToken,
      body: { refreshToken: rotated.body.data.refreshToken },
    });
    expect((await refreshWith(owner.refreshToken)).status).toBe(401);
  });

  it("refuses an unknown token", async () => {
    const res = await refreshWith("nope");
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

describe("access tokens", () => {
  const secret = new TextEncoder().encode(process.env.JWT_SECRET);

  /** An access token signed with the real key, as signAccessToken would, with the claims given. */
  function sign(claims: JWTPayload, { expires = true } = {}): Promise<string> {
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer("frontdesk")
      .setAudience("frontdesk-api")
      .setIssuedAt();
    return (expires ? jwt.setExpirationTime("5m") : jwt).sign(secret);
  }

  it("are refused (401) without exp, or with a sub or tid that is not a UUID, or an unknown role", async () => {
    const owner = await registerTenant("forged");
    const valid = { sub: owner.userId, tid: owner.tenantId, role: "owner" };
    // The signing above is right: the same claims with an exp are accepted.
    expect((await call(me, { token: await sign(valid) })).status).toBe(200);

    const refused = [
      await sign(valid, { expires: false }),
      await sign({ ...valid, tid: "x" }),
      await sign({ ...valid, sub: "1' or 1=1" }),
      await sign({ ...valid, role: "root" }),
      await sign({ tid: owner.tenantId, role: "owner" }),
    ];
    for (const token of refused) {
      for (const route of [me, users]) {
        const res = await call(route, { token });
        expect(res.status, res.text).toBe(401);
        expect(res.body.error.code).toBe("UNAUTHORIZED");
      }
    }
  });

  // An instance remembers the tokens it verified (shared/auth/tokens.ts); that must not outlive them.
  it("are refused once expired, also when this instance verified them before", async () => {
    const owner = await registerTenant("expiring");
    const token = await sign({ sub: owner.userId, tid: owner.tenantId, role: "owner" });
    expect((await call(me, { token })).status).toBe(200);
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() + 5 * 60 * 1000);
      const res = await call(me, { token });
      expect(res.status, res.text).toBe(401);
      expect(res.body.error.message).toBe("Access token expired");
    } finally {
      vi.useRealTimers();
    }
  });

  it("are refused once JWT_SECRET changes, also when this instance verified them before", async () => {
    const owner = await registerTenant("rotated");
    expect((await call(me, { token: owner.accessToken })).status).toBe(200);
    vi.stubEnv("JWT_SECRET", "a-different-secret-of-at-least-32-characters");
    try {
      const res = await call(me, { token: owner.accessToken });
      expect(res.status, res.text).toBe(401);
      expect(res.body.error.message).toBe("Invalid access token");
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
