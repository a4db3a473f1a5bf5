import { randomUUID } from "node:crypto";
import type { Context } from "@netlify/functions";
import { getDb } from "../../db/client";
import type { Job } from "../../services/jobs";
import { env } from "../config/env";
import { errorResponse } from "./errors";

/** A scheduled function's budget (Netlify stops it at 30 s) less a margin for start-up and the response. */
export const SCHEDULED_BUDGET_MS = 25_000;

/**
 * The handler of a scheduled function: runs one job within the budget, logs one JSON line and
 * answers `{ data: { job, result } }`. Netlify invokes it with a POST whose body is `{ "next_run" }`.
 */
export function scheduledJob(name: string, job: Job) {
  return async (request: Request, context?: Context): Promise<Response> => {
    const started = performance.now();
    const requestId = request.headers.get("x-nf-request-id") ?? context?.requestId ?? randomUUID();
    let response: Response;
    try {
      const result = await job(await getDb(), { deadline: Date.now() + SCHEDULED_BUDGET_MS });
      if (env.logLevel === "info") {
        const durationMs = Math.round((performance.now() - started) * 10) / 10;
        console.log(JSON.stringify({ level: "info", msg: "job", job: name, requestId, durationMs, result }));
      }
      response = Response.json({ data: { job: name, result } });
    } catch (error) {
      response = errorResponse(error, requestId, { method: request.method, url: request.url });
    }
    response.headers.set("x-request-id", requestId);
    return response;
  };
}
