import { createHash, randomBytes } from "node:crypto";
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import { ROLES, type Role } from "../../db/schema";
import { env } from "../config/env";
import { unauthorized } from "../errors";

const ISSUER = "frontdesk";
const AUDIENCE = "frontdesk-api";
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60;
/**
 * How long a spent refresh token still buys a session (Supabase Auth's REFRESH_TOKEN_REUSE_INTERVAL
 * default), so two tabs refreshing at once are not taken for a stolen token.
 */
export const REFRESH_TOKEN_REUSE_SECONDS = 10;

export interface AccessClaims {
  userId: string;
  tenantId: string;
  role: Role;
}

/**
 * How many verified access tokens an instance remembers. A front end sends the same token with
 * every request of its 15 minutes, so a hit saves jose's WebCrypto verification (about 45 µs of
 * CPU, and a trip through the thread pool) for a SHA-256 of the token (about 1 µs).
 */
const VERIFIED_TOKENS_MAX = 1000;

interface VerifiedToken {
  claims: AccessClaims;
  exp: number;
}

/**
 * The HMAC key, imported once per secret (given the secret's bytes, jose imports a CryptoKey on
 * every call: 185 µs a verification against 45 µs), and the tokens it verified, by SHA-256: only
 * successes, forgotten with the key, oldest first once full.
 */
let signing: { secret: string; key: Promise<CryptoKey>; verified: Map<string, VerifiedToken> } | undefined;
function currentSigning() {
  const secret = env.jwtSecret;
  if (signing?.secret !== secret) {
    const bytes = new TextEncoder().encode(secret);
    const algorithm = { name: "HMAC", hash: "SHA-256" };
    const key = crypto.subtle.importKey("raw", bytes, algorithm, false, ["sign", "verify"]);
    signing = { secret, key, verified: new Map() };
  }
  return signing;
}

export async function signAccessToken(claims: AccessClaims, ttlSeconds = ACCESS_TOKEN_TTL_SECONDS): Promise<string> {
  return new SignJWT({ tid: claims.tenantId, role: claims.role })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(claims.userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(await currentSigning().key);
}

// The ids go into queries as uuids, so anything else must be refused here (a 401), not by Postgres (a 500).
const accessClaims = z.object({ sub: z.uuid(), tid: z.uuid(), role: z.enum(ROLES), exp: z.number() });

/** jose's test: a token expires at the second its `exp` names. */
const isExpired = (exp: number) => exp <= Math.floor(Date.now() / 1000);

/**
 * Verifies signature, algorithm, issuer, audience, expiry (required) and the claims' shapes; any
 * failure is a 401. A token this instance verified before is only checked for expiry again.
 */
export async function verifyAccessToken(token: string): Promise<AccessClaims> {
  const { key, verified } = currentSigning();
  const digest = sha256(token);
  const known = verified.get(digest);
  if (known) {
    if (!isExpired(known.exp)) return known.claims;
    verified.delete(digest);
    throw expired();
  }
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, await key, {
      algorithms: ["HS256"],
      issuer: ISSUER,
      audience: AUDIENCE,
      requiredClaims: ["exp", "sub", "tid", "role"],
    }));
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw expired();
    throw unauthorized("Invalid access token");
  }
  const parsed = accessClaims.safeParse(payload);
  if (!parsed.success) throw unauthorized("Invalid access token");
  const { sub, tid, role, exp } = parsed.data;
  const claims = Object.freeze({ userId: sub, tenantId: tid, role });
  if (verified.size >= VERIFIED_TOKENS_MAX) verified.delete(verified.keys().next().value as string);
  verified.set(digest, { claims, exp });
  return claims;
}

const expired = () => unauthorized("Access token expired");

/** An opaque random token (refresh tokens, API keys): high entropy, so a plain SHA-256 is a safe index. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

export function sha256(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}
