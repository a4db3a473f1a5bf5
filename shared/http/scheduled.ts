import type { Context } from "@netlify/functions";
import { getDb } from "../../db/client";
import { JOB_BUDGET_MS, type Job } from "../job";
import { elapsedMs, logInfo } from "../log";
import { requestIdOf } from "../request-id";
import { errorResponse } from "./errors";

export type ScheduledHandler = ((request: Request, context?: Context) => Promise<Response>) & { job: Job };

/**
 * The handler of a scheduled function: runs its job within the budget, logs one line and answers
 * `{ data: { job, result } }`. Netlify invokes it with a POST whose body is `{ "next_run" }`. The
 * job rides along on the handler, so `npm run job` finds every job from the functions themselves.
 */
export function scheduledJob(job: Job): ScheduledHandler {
  const handler = async (request: Request, context?: Context): Promise<Response> => {
    const started = performance.now();
    const requestId = requestIdOf(request, context);
    let response: Response;
    try {
      const result = await job.run(await getDb(), { deadline: Date.now() + JOB_BUDGET_MS });
      logInfo("job", { job: job.name, requestId, durationMs: elapsedMs(started), result });
      response = Response.json({ data: { job: job.name, result } });
    } catch (error) {
      response = errorResponse(error, requestId, { method: request.method, url: request.url });
    }
    response.headers.set("x-request-id", requestId);
    return response;
  };
  return Object.assign(handler, { job });
}
