import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { env } from "../config/env";

// AES-256-GCM with a key derived by HKDF from ENCRYPTION_KEY. Format: v1.<iv>.<tag>.<ciphertext>, base64url.
const VERSION = "v1";

interface Key {
  /** A short fingerprint of the key material (HKDF with its own label): names the key, reveals nothing of it. */
  id: string;
  aes: Buffer;
}

function deriveKey(material: string): Key {
  return {
    id: Buffer.from(hkdfSync("sha256", material, "", "frontdesk-key-id-v1", 6)).toString("base64url"),
    aes: Buffer.from(hkdfSync("sha256", material, "", "frontdesk-secrets-v1", 32)),
  };
}

interface Keyring {
  from: string;
  /** ENCRYPTION_KEY: seals every new value. */
  current: Key;
  /** ENCRYPTION_KEY and then ENCRYPTION_KEYS_PREVIOUS: any of them opens a value sealed under it. */
  keys: Key[];
}

let ring: Keyring | undefined;
/** The keys, derived once per configuration (HKDF on every decrypt was most of a webhook's CPU). */
function keyring(): Keyring {
  const materials = [env.encryptionKey, ...env.previousEncryptionKeys];
  const from = materials.join("\n");
  if (ring?.from !== from) {
    const keys = materials.map(deriveKey);
    ring = { from, current: keys[0]!, keys };
  }
  return ring;
}

/** The id of ENCRYPTION_KEY, the key every value is sealed under from now on. */
export const currentKeyId = () => keyring().current.id;

function encrypt(plaintext: string, key: Key): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key.aes, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), ciphertext]
    .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
    .join(".");
}

function decrypt(sealed: string, key: Key): string {
  const [version, iv, tag, ciphertext] = sealed.split(".");
  if (version !== VERSION || !iv || !tag || ciphertext === undefined) throw new Error("Unrecognised encrypted value");
  const decipher = createDecipheriv("aes-256-gcm", key.aes, Buffer.from(iv, "base64url"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
}

/**
 * What a read shows of a secret: enough to recognise it, never enough to use it. Its last four
 * characters, counted by code point: a cut through a surrogate pair would store a lone surrogate.
 */
function maskSecret(plaintext: string): string {
  const characters = Array.from(plaintext);
  return characters.length >= 12 ? `••••${characters.slice(-4).join("")}` : "••••";
}

/**
 * A secret as it is stored: sealed, beside the id of the key that sealed it and the hint a read
 * shows. Values sealed before key ids existed have no `keyId`.
 */
export interface SealedField {
  keyId?: string;
  sealed: string;
  hint: string;
}

export const isSealedField = (value: unknown): value is SealedField =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as SealedField).sealed === "string" &&
  typeof (value as SealedField).hint === "string";

export function sealSecret(plaintext: string): SealedField {
  const key = keyring().current;
  return { keyId: key.id, sealed: encrypt(plaintext, key), hint: maskSecret(plaintext) };
}

/**
 * The plaintext of a sealed field, opened with the key its id names (ENCRYPTION_KEY or one of
 * ENCRYPTION_KEYS_PREVIOUS); a value sealed before key ids opens with whichever configured key works.
 * Throws when no configured key opens it.
 */
export function openSecret(field: SealedField): string {
  const { keys } = keyring();
  if (field.keyId !== undefined) {
    const key = keys.find((candidate) => candidate.id === field.keyId);
    if (!key) {
      throw new Error(
        `Sealed under key ${field.keyId}, which is neither ENCRYPTION_KEY nor in ENCRYPTION_KEYS_PREVIOUS`,
      );
    }
    return decrypt(field.sealed, key);
  }
  for (const key of keys) {
    try {
      return decrypt(field.sealed, key);
    } catch {
      // GCM's tag tells a wrong key apart: try the next one.
    }
  }
  throw new Error("No configured key (ENCRYPTION_KEY, ENCRYPTION_KEYS_PREVIOUS) opens this sealed value");
}

/** The field sealed again under ENCRYPTION_KEY, or undefined when it already is. Throws when it does not open. */
export function resealSecret(field: SealedField): SealedField | undefined {
  const { current } = keyring();
  if (field.keyId === current.id) return undefined;
  return { keyId: current.id, sealed: encrypt(openSecret(field), current), hint: field.hint };
}
