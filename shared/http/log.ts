import { env } from "../config/env";

/** One JSON line per request on stdout, which Netlify's log capture indexes. */
export function logRequest(entry: {
  requestId: string;
  method: string;
  url: string;
  status: number;
  started: number;
  tenantId?: string;
}): void {
  if (env.logLevel !== "info") return;
  const { started, url, ...rest } = entry;
  console.log(
    JSON.stringify({
      level: "info",
      msg: "request",
      ...rest,
      path: new URL(url).pathname,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
    }),
  );
}

export function logError(entry: Record<string, unknown>): void {
  if (env.logLevel === "silent") return;
  console.error(JSON.stringify({ level: "error", ...entry }));
}
