/**
 * Redacts what must never be stored from free text a customer or an agent typed: payment card
 * numbers (13–19 digits, spaces or dashes between them allowed, that pass the Luhn check) become
 * "[redacted card]", and secrets (passwords, API keys, tokens, bearer credentials, well-known key
 * formats, CVV/CVC codes) become "[redacted]". The label before a secret is kept ("password:
 * [redacted]") so a reader still sees what was there. Applied before storage, never on read.
 */

export const REDACTED = "[redacted]";
export const REDACTED_CARD = "[redacted card]";

/** Luhn's checksum over a string of digits. */
function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index--) {
    let digit = digits.charCodeAt(index) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

/** A run of digit groups joined by single spaces or dashes, not glued to letters or other digits. */
const DIGIT_RUN = /(?<![\w])\d+(?:[ -]\d+)*(?![\w])/g;

/**
 * Within one run ("12345 4111 1111 1111 1111"), redacts the longest consecutive groups that hold
 * 13–19 digits and pass Luhn, so an order number beside a card does not hide the card, and a
 * Luhn-failing number (an order id, a phone number) is kept as it was.
 */
function redactCardsInRun(run: string): string {
  const parts = run.split(/([ -])/);
  const groups = parts.filter((_, index) => index % 2 === 0);
  const separators = parts.filter((_, index) => index % 2 === 1);
  const out: string[] = [];
  let start = 0;
  while (start < groups.length) {
    let matchedEnd = -1;
    let digits = "";
    const candidates: number[] = [];
    for (let end = start; end < groups.length; end++) {
      digits += groups[end];
      if (digits.length > 19) break;
      if (digits.length >= 13 && passesLuhn(digits)) candidates.push(end);
    }
    matchedEnd = candidates.at(-1) ?? -1;
    if (matchedEnd >= 0) {
      out.push(REDACTED_CARD);
      if (matchedEnd + 1 < groups.length) out.push(separators[matchedEnd] ?? " ");
      start = matchedEnd + 1;
    } else {
      out.push(groups[start] ?? "");
      if (start + 1 < groups.length) out.push(separators[start] ?? " ");
      start += 1;
    }
  }
  return out.join("");
}

function redactCards(text: string): string {
  return text.replace(DIGIT_RUN, (run) => (run.replace(/\D/g, "").length >= 13 ? redactCardsInRun(run) : run));
}

/** Key formats recognisable on their own, wherever they appear. */
const KNOWN_SECRETS: RegExp[] = [
  /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{8,}\b/g, // Stripe
  /\bwhsec_[A-Za-z0-9]{8,}\b/g, // Stripe webhook secrets
  /\bfd_[A-Za-z0-9_-]{16,}/g, // Frontdesk's own API keys
  /\bgh[pousr]_[A-Za-z0-9]{20,}\b/g, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{20,}\b/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g, // Slack
  /\bAKIA[0-9A-Z]{16}\b/g, // AWS access key ids
  /\bAIza[0-9A-Za-z_-]{35}\b/g, // Google API keys
  /\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}/g, // OpenAI, Anthropic
  /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g, // JWTs
];

const BEARER = /\b(bearer)(\s+)[A-Za-z0-9\-._~+/]{8,}=*/gi;
const CVV =
  /\b(cvv2?|cvc2?|cid|csc|security code|card verification(?: code| value)?)(\s*(?:is|was|code|#|:|=|-)?\s*)\d{3,4}\b/gi;
/** A label followed by ":" "=" "is" or "was", then any value up to whitespace. */
const LABELLED =
  /\b(pass(?:word|wd|code|phrase)|pwd|pin(?: code| number)?|otp|one[- ]time code|2fa code|verification code|api[-_ ]?key|secret(?:[-_ ]key)?|client[-_ ]secret|private[-_ ]key|access[-_ ]?token|auth(?:entication)?[-_ ]?token|refresh[-_ ]?token|token)(\s*(?::|=|\bis\b|\bwas\b)\s*)(?:"[^"\n]*"|'[^'\n]*'|[^\s"']+)/gi;
/** A key-like label followed only by a space, then a value that looks like a credential (8+ chars with a digit). */
const LABELLED_BARE =
  /\b(api[-_ ]?key|secret(?:[-_ ]key)?|client[-_ ]secret|access[-_ ]?token|auth(?:entication)?[-_ ]?token|refresh[-_ ]?token)(\s+)(?=[A-Za-z0-9_\-.+/=]*\d)[A-Za-z0-9_\-.+/=]{8,}/gi;

/** Redacts card numbers and secrets in one piece of text. */
export function sanitizeText(text: string): string {
  let out = text;
  out = out.replace(BEARER, (_m, label: string, space: string) => `${label}${space}${REDACTED}`);
  for (const pattern of KNOWN_SECRETS) out = out.replace(pattern, REDACTED);
  out = out.replace(CVV, (_m, label: string, sep: string) => `${label}${sep}${REDACTED}`);
  out = out.replace(LABELLED, (match, label: string, sep: string) =>
    match.endsWith(REDACTED) ? match : `${label}${sep}${REDACTED}`,
  );
  out = out.replace(LABELLED_BARE, (_m, label: string, space: string) => `${label}${space}${REDACTED}`);
  return redactCards(out);
}

/** Any JSON value with every string in it sanitized (keys are kept). */
function sanitizeValue<T>(value: T): T {
  if (typeof value === "string") return sanitizeText(value) as T;
  if (Array.isArray(value)) return value.map((item) => sanitizeValue(item)) as T;
  if (value && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, sanitizeValue(item)])) as T;
  }
  return value;
}

/** A conversation log (entries of `{ role or sender, message, at? }`) with every message and string sanitized. */
export function sanitizeConversationLog<T extends { message: string }>(log: readonly T[]): T[] {
  return log.map((entry) => sanitizeValue(entry));
}
