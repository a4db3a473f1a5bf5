import { createHash } from "node:crypto";

/**
 * Settings read from the environment at the moment they are needed, so tests and scripts can
 * set them before first use. Secrets are required in production; elsewhere a fixed development
 * value keeps `npm start` working with no setup (and says so once).
 */
const isProduction = () => process.env.NODE_ENV === "production";
const warned = new Set<string>();

/** Once per process (a function's cold start), so a misconfiguration is seen without flooding the logs. */
function warnOnce(key: string, msg: string): void {
  if (warned.has(key) || process.env.LOG_LEVEL === "silent") return;
  warned.add(key);
  console.warn(JSON.stringify({ level: "warn", msg }));
}

function secret(name: string, minLength: number): string {
  const value = process.env[name];
  if (value && value.length >= minLength) return value;
  if (isProduction()) {
    throw new Error(`${name} must be set to at least ${minLength} characters in production`);
  }
  warnOnce(name, `${name} is not set; using an insecure development value`);
  return createHash("sha256").update(`frontdesk-development-${name}`).digest("base64url");
}

export const env = {
  get jwtSecret(): string {
    return secret("JWT_SECRET", 32);
  },
  get encryptionKey(): string {
    return secret("ENCRYPTION_KEY", 32);
  },
  /**
   * Keys that sealed values before ENCRYPTION_KEY (ENCRYPTION_KEYS_PREVIOUS, comma-separated): they
   * still open what they sealed until `npm run secrets:rotate` has re-sealed it under ENCRYPTION_KEY.
   */
  get previousEncryptionKeys(): string[] {
    const keys = (process.env.ENCRYPTION_KEYS_PREVIOUS ?? "")
      .split(",")
      .map((key) => key.trim())
      .filter(Boolean);
    if (keys.some((key) => key.length < 32)) {
      throw new Error("Every key in ENCRYPTION_KEYS_PREVIOUS must be at least 32 characters");
    }
    return keys;
  },
  /**
   * Comma-separated origins allowed by CORS; unset allows any origin (credentials are headers, not
   * cookies), which production allows but warns about.
   */
  get allowedOrigins(): string[] | undefined {
    const value = process.env.ALLOWED_ORIGINS?.trim();
    if (value) return value.split(",").map((origin) => origin.trim());
    if (isProduction()) warnOnce("ALLOWED_ORIGINS", "ALLOWED_ORIGINS is not set; any origin may call this API");
    return undefined;
  },
  get logLevel(): "info" | "error" | "silent" {
    const level = process.env.LOG_LEVEL;
    return level === "silent" || level === "error" ? level : "info";
  },
};
