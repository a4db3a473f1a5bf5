/**
 * `npm run job -- <name>`: runs one background job by hand, as its scheduled function would, and
 * prints its JSON result. The jobs are those of the scheduled functions in netlify/functions.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ScheduledHandler } from "../shared/http/scheduled";
import { JOB_BUDGET_MS } from "../shared/job";
import { functionFiles } from "./functions";
import { openLocalDatabase, repoRoot } from "./serve";

const jobs = new Map(
  (await functionFiles())
    .filter((fn) => fn.module.config?.schedule)
    .map(({ module }) => (module.default as ScheduledHandler).job)
    .map((job) => [job.name, job]),
);

const usage = `Usage: npm run job -- <name>

Jobs:
${[...jobs.keys()].map((name) => `  ${name}`).join("\n")}

The job runs on DATABASE_URL (or NETLIFY_DATABASE_URL; .env is read). Without one it runs on the
local database in .data/postgres: through the running \`npm start\` if there is one, otherwise by
opening .data/postgres itself (so \`npm start\` cannot open it until the job has finished).`;

const envFile = join(repoRoot, ".env");
if (existsSync(envFile)) process.loadEnvFile(envFile);

const name = process.argv[2];
if (!name || name === "--help" || name === "-h") {
  console.log(usage);
  process.exit(name ? 0 : 1);
}
const job = jobs.get(name ?? "");
if (!job) {
  console.error(`Unknown job "${name}".\n\n${usage}`);
  process.exit(1);
}

let exitCode = 0;
const database = await openLocalDatabase();
try {
  const started = performance.now();
  // The same budget as on Netlify, so a manual run stops where a scheduled one would.
  const result = await job.run(database.db, { deadline: Date.now() + JOB_BUDGET_MS });
  console.log(JSON.stringify({ job: name, durationMs: Math.round(performance.now() - started), result }, null, 2));
} catch (error) {
  console.error(`Job ${name} failed:`, error);
  exitCode = 1;
} finally {
  await database.close();
}
process.exit(exitCode);
