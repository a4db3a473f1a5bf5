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

// Encoded once per secret: jose would otherwise import the HMAC key anew on every request.
let cachedKey: { secret: string; key: Uint8Array } | undefined;
function key(): Uint8Array {
  const secret = env.jwtSecret;
  if (cachedKey?.secret !== secret) cachedKey = { secret, key: new TextEncoder().encode(secret) };
  return cachedKey.key;
}

export async function signAccessToken(claims: AccessClaims, ttlSeconds = ACCESS_TOKEN_TTL_SECONDS): Promise<string> {
  return new SignJWT({ tid: claims.tenantId, role: claims.role })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(claims.userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(key());
}

// The ids go into queries as uuids, so anything else must be refused here (a 401), not by Postgres (a 500).
const accessClaims = z.object({ sub: z.uuid(), tid: z.uuid(), role: z.enum(ROLES) });

/** Verifies signature, algorithm, issuer, audience, expiry (required) and the claims' shapes; any failure is a 401. */
export async function verifyAccessToken(token: string): Promise<AccessClaims> {
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, key(), {
      algorithms: ["HS256"],
      issuer: ISSUER,
      audience: AUDIENCE,
      requiredClaims: ["exp", "sub", "tid", "role"],
    }));
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw unauthorized("Access token expired");
    throw unauthorized("Invalid access token");
  }
  const claims = accessClaims.safeParse(payload);
  if (!claims.success) throw unauthorized("Invalid access token");
  return { userId: claims.data.sub, tenantId: claims.data.tid, role: claims.data.role };
}

/** An opaque random token (refresh tokens, API keys): high entropy, so a plain SHA-256 is a safe index. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

export function sha256(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}
