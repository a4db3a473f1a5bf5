import { env } from "./config/env";

/**
 * The one logger of HTTP requests and scheduled runs: a JSON line on stdout (stderr for errors),
 * which Netlify's log capture indexes. `LOG_LEVEL` is info (default), error or silent.
 */
export function logInfo(msg: string, fields: Record<string, unknown>): void {
  if (env.logLevel !== "info") return;
  console.log(JSON.stringify({ level: "info", msg, ...fields }));
}

export function logError(entry: Record<string, unknown>): void {
  if (env.logLevel === "silent") return;
  console.error(JSON.stringify({ level: "error", ...entry }));
}

/** Milliseconds since `started` (a `performance.now()`), to a tenth. */
export const elapsedMs = (started: number) => Math.round((performance.now() - started) * 10) / 10;

/** One line per request. */
export function logRequest(entry: {
  requestId: string;
  method: string;
  url: string;
  status: number;
  started: number;
  tenantId?: string;
}): void {
  const { started, url, ...rest } = entry;
  logInfo("request", { ...rest, path: new URL(url).pathname, durationMs: elapsedMs(started) });
}
