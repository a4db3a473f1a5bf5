/**
 * `npm start`: the whole API on http://127.0.0.1:8888 with no setup. Without DATABASE_URL it
 * runs an embedded PostgreSQL with its data in .data/postgres; it migrates, seeds a demo tenant
 * and serves every function (see scripts/serve.ts for the two runtimes; `--netlify` picks
 * Netlify's dev runtime). HOST and PORT change the address.
 */
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { DEMO_API_KEY } from "../db/seed";
import { defaultDataDir, repoRoot, startServer } from "./serve";

const envFile = join(repoRoot, ".env");
if (existsSync(envFile)) process.loadEnvFile(envFile);

const port = Number(process.env.PORT ?? 8888);
const host = process.env.HOST || "127.0.0.1";
const runtime = process.argv.includes("--netlify") ? "netlify" : "local";
let server: Awaited<ReturnType<typeof startServer>>;
try {
  server = await startServer({ port, host, dataDir: defaultDataDir, runtime });
} catch (error) {
  console.error(`Frontdesk did not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

const { url, demo } = server;
const owner = demo.users[0]!;
const others = demo.users.slice(1).map((user) => `${user.email} (${user.role})`);
const database = server.embedded
  ? `embedded PostgreSQL, data in ${relative(process.cwd(), defaultDataDir) || defaultDataDir}`
  : new URL(server.databaseUrl).host;
const login = JSON.stringify({ email: owner.email, password: owner.password });

console.log(`
Frontdesk is running at ${url} (ready in ${(server.startupMs / 1000).toFixed(1)} s)
  database  ${database}
  demo      ${demo.tenantName}: ${owner.email} / ${owner.password} (owner); same password for ${others.join(", ")}
  API key   ${DEMO_API_KEY} (scopes: ${demo.apiKey.scopes.join(", ")}; development only)

Try it:
  curl ${url}/api/health
  TOKEN=$(curl -s ${url}/api/auth/login -H 'content-type: application/json' -d '${login}' | node -pe 'JSON.parse(fs.readFileSync(0, "utf8")).data.accessToken')
  curl ${url}/api/auth/me -H "authorization: Bearer $TOKEN"
  curl ${url}/api/users -H 'x-api-key: ${DEMO_API_KEY}'

${
  runtime === "netlify"
    ? `Netlify's dev runtime bundles every function before it answers the first request (about a
minute on two cores), then rebuilds a function for each request (a few seconds each).`
    : `Functions run in this process, routed by the paths Netlify reads from their configs;
\`npm run start:netlify\` serves them through Netlify's dev runtime instead (slower, one worker per request).`
}
Press Ctrl+C to stop.
`);

let stopping = false;
async function shutdown(signal: NodeJS.Signals) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping...`);
  const timer = setTimeout(() => {
    console.error("Shutdown took longer than 5 s; exiting anyway.");
    process.exit(1);
  }, 5_000);
  timer.unref();
  try {
    await server.stop();
    console.log("Stopped.");
    process.exit(0);
  } catch (error) {
    console.error(`Stopping failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
// All functions share this process, where on Netlify each request has its own invocation: a
// promise one of them left rejected must not end the server for every other request.
process.on("unhandledRejection", (reason) => {
  console.error(JSON.stringify({ level: "error", msg: "unhandled rejection", error: String(reason) }));
});
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
