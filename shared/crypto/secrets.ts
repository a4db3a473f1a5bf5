import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { env } from "../config/env";

// AES-256-GCM with a key derived from ENCRYPTION_KEY. Format: v1.<iv>.<tag>.<ciphertext>, base64url.
const VERSION = "v1";

let derived: { from: string; key: Buffer } | undefined;
/** The AES key, derived once per ENCRYPTION_KEY (HKDF on every decrypt was most of a webhook's CPU). */
function key(): Buffer {
  const material = env.encryptionKey;
  if (derived?.from !== material) {
    derived = { from: material, key: Buffer.from(hkdfSync("sha256", material, "", "frontdesk-secrets-v1", 32)) };
  }
  return derived.key;
}

export function encryptSecret(plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key(), iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), ciphertext]
    .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
    .join(".");
}

export function decryptSecret(sealed: string): string {
  const [version, iv, tag, ciphertext] = sealed.split(".");
  if (version !== VERSION || !iv || !tag || ciphertext === undefined) throw new Error("Unrecognised encrypted value");
  const decipher = createDecipheriv("aes-256-gcm", key(), Buffer.from(iv, "base64url"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
}

export function isEncrypted(value: unknown): value is string {
  return typeof value === "string" && value.startsWith(`${VERSION}.`);
}

/** What a read shows of a secret: enough to recognise it, never enough to use it. */
export function maskSecret(plaintext: string): string {
  return plaintext.length >= 12 ? `••••${plaintext.slice(-4)}` : "••••";
}

/** A secret as it sits inside stored JSON (settings sections, provider configs): sealed, beside the hint a read shows. */
export interface SealedField {
  sealed: string;
  hint: string;
}

export const isSealedField = (value: unknown): value is SealedField =>
  typeof value === "object" && value !== null && "sealed" in value && "hint" in value;

/** What a read shows of a sealed field, and what a service that calls the provider needs. */
export const hintOf = (field: SealedField) => field.hint;
export const openField = (field: SealedField) => decryptSecret(field.sealed);

/**
 * Replaces every sealed field of `data` whose key `isSecret` names with what `reveal` makes of it
 * (`hintOf` for a read, `openField` for a provider call).
 */
export function revealFields(
  data: Record<string, unknown>,
  reveal: (field: SealedField) => string,
  isSecret: (key: string) => boolean = () => true,
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(data).map(([key, value]) => [key, isSecret(key) && isSealedField(value) ? reveal(value) : value]),
  );
}

/** Applies a write to stored JSON: secret keys are sealed, null removes a key, undefined leaves it. */
export function mergeFields(
  current: Record<string, unknown> | null,
  change: Record<string, unknown>,
  isSecret: (key: string) => boolean,
): Record<string, unknown> {
  const next: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(change)) {
    if (value === undefined) continue;
    if (value === null) delete next[key];
    else
      next[key] = isSecret(key) ? { sealed: encryptSecret(value as string), hint: maskSecret(value as string) } : value;
  }
  return next;
}
