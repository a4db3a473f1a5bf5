import { DrizzleQueryError } from "drizzle-orm";
import pino from "pino";
import { env } from "./config/env";

/**
 * Keys whose values never reach a log line, at any depth: credentials (the schema's hashes and
 * sealed secrets, the settings sections' secrets, auth headers, Retell's snake_case fields),
 * personal data and call content, and what drivers attach to a failed query (`params`, pg's
 * `detail`, which quotes the row: "Key (email)=(a@b.c) already exists").
 */
const SECRET_KEYS = new Set([
  "password",
  "passwordHash",
  "token",
  "tokenHash",
  "accessToken",
  "access_token",
  "refreshToken",
  "refresh_token",
  "verifyToken",
  "appSecret",
  "apiKey",
  "api_key",
  "key",
  "keyHash",
  "secret",
  "secrets",
  "sealed",
  "authorization",
  "cookie",
  "set-cookie",
  "x-api-key",
  "email",
  "customerEmail",
  "fromNumber",
  "from_number",
  "toNumber",
  "to_number",
  "transcript",
  "transcriptObject",
  "transcript_object",
  "conversationLog",
  "recordingUrl",
  "recording_url",
  "params",
  "detail",
]);
const REDACTED = "[REDACTED]";
/** Deeper than this a value is censored whole: nothing passes by being deep (or circular). */
const MAX_DEPTH = 8;

/** A statement is logged by its text, which holds $1 placeholders, never the values bound to them. */
const MAX_QUERY_CHARS = 500;

interface DatabaseError extends Error {
  code: string;
  severity: string;
  constraint?: string;
  table?: string;
  column?: string;
  schema?: string;
}

/** The server's error as node-postgres, Neon and PGlite report it: a SQLSTATE and a severity. */
function isDatabaseError(error: unknown): error is DatabaseError {
  const { code, severity } = (error ?? {}) as { code?: unknown; severity?: unknown };
  return (
    error instanceof Error && typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) && typeof severity === "string"
  );
}

/**
 * Postgres quotes the offending value in some messages (`invalid input syntax for type uuid: "abc"`)
 * and does not escape quotes inside it, so everything from the first quote to the last goes; the
 * constraint, table and column are logged as fields of their own.
 */
const withoutLiterals = (message: string) => message.replace(/["'][\s\S]*["']/, "…");

/** The error and its causes, outermost first (bounded, and safe against a cycle). */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = error; current !== undefined && current !== null && chain.length < 5; ) {
    if (chain.includes(current)) break;
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

/** One link of a cause chain as a log may hold it. */
function describeLink(error: unknown): Record<string, unknown> {
  // Its message and stack list the bound values; the statement's text is the useful part.
  if (error instanceof DrizzleQueryError)
    return { name: "DrizzleQueryError", query: error.query.slice(0, MAX_QUERY_CHARS) };
  if (isDatabaseError(error)) {
    const { name, code, constraint, table, column, schema } = error;
    return { name, code, message: withoutLiterals(error.message), constraint, table, column, schema };
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, code, stack: error.stack };
  }
  return { message: String(error) };
}

/**
 * Anything thrown, as a log object that holds no values: a failed query becomes its statement
 * shape and the server's SQLSTATE, constraint, table and column; other errors keep name, message
 * and stack. Causes nest under `cause`, as on the error.
 */
function loggableError(error: Error): Record<string, unknown> {
  return causeChain(error)
    .map(describeLink)
    .reduceRight((cause, link) => ({ ...link, cause }));
}

/** What went wrong in one line, for a stored status: the server's error under a failed query, without values. */
export function errorMessage(error: unknown): string {
  const chain = causeChain(error);
  const database = chain.find(isDatabaseError);
  if (database) {
    const constraint = database.constraint ? `, constraint ${database.constraint}` : "";
    return `${withoutLiterals(database.message)} (SQLSTATE ${database.code}${constraint})`;
  }
  const origin = chain.find((link) => !(link instanceof DrizzleQueryError));
  if (origin === undefined) return "Failed query";
  return origin instanceof Error ? origin.message : String(origin);
}

/**
 * `value` with every secret key's value censored and every error made loggable, at any depth.
 * Copies only what changes (the caller's objects stay as they were); class instances other than
 * errors pass as they are. Pino's own `redact` names fixed depths only, and its `*` paths are
 * slow: the 35 keys at four depths cut pino from 312k to 5.7k lines/s; this walk keeps 600k.
 */
function censored(value: unknown, depth = 0): unknown {
  if (value instanceof Error) return loggableError(value);
  if (typeof value !== "object" || value === null) return value;
  const prototype = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && prototype !== Object.prototype && prototype !== null) return value;
  if (depth >= MAX_DEPTH) return REDACTED;
  let copy: Record<string, unknown> | unknown[] | undefined;
  for (const [key, field] of Object.entries(value)) {
    const safe = !Array.isArray(value) && SECRET_KEYS.has(key) ? REDACTED : censored(field, depth + 1);
    if (safe === field) continue;
    copy ??= Array.isArray(value) ? [...value] : { ...value };
    (copy as Record<string, unknown>)[key] = safe;
  }
  return copy ?? value;
}

/**
 * Lines go out through console.log and console.error, as before pino: the function runtime
 * captures both and tags console.error's lines as errors. Pino tells the stream each line's level.
 */
const ERROR_LEVEL = 50; // pino's number for "error"
const consoleDestination = {
  [Symbol.for("pino.metadata")]: true,
  lastLevel: 0,
  write(line: string) {
    const print = this.lastLevel >= ERROR_LEVEL ? console.error : console.log;
    print(line.slice(0, -1));
  },
};

const logger = pino(
  {
    level: env.logLevel,
    // The platform stamps each line with time and instance.
    base: null,
    timestamp: false,
    formatters: { level: (label) => ({ level: label }), log: (entry) => censored(entry) as Record<string, unknown> },
  },
  consoleDestination,
);

/** The logger at LOG_LEVEL as it is now: env is read when needed, so tests and scripts may change it. */
function current(): pino.Logger {
  const level = env.logLevel;
  if (logger.level !== level) logger.level = level;
  return logger;
}

/**
 * The one logger of HTTP requests and scheduled runs: a JSON line per entry, which Netlify's log
 * capture indexes. `LOG_LEVEL` is info (default), error or silent. A field may hold the thrown
 * value itself: it is logged as loggableError() describes it.
 */
export function logInfo(msg: string, fields: Record<string, unknown>): void {
  current().info(fields, msg);
}

export function logError(entry: Record<string, unknown>): void {
  current().error(entry);
}

/** Milliseconds since `started` (a `performance.now()`), to a tenth. */
export const elapsedMs = (started: number) => Math.round((performance.now() - started) * 10) / 10;

/** One line per request. */
export function logRequest(entry: {
  requestId: string;
  method: string;
  path: string;
  status: number;
  started: number;
  tenantId?: string;
}): void {
  const logger = current();
  if (!logger.isLevelEnabled("info")) return;
  const { started, ...rest } = entry;
  logger.info({ ...rest, durationMs: elapsedMs(started) }, "request");
}
