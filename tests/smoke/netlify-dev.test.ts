/**
 * The whole stack over real HTTP, as `npm start` serves it, on both runtimes: the local one
 * (Netlify's route table, handlers in process) and Netlify's dev runtime, which zips each function
 * from netlify.toml's directory, dist/functions (built here first, as `npm run start:netlify` and a
 * deploy build it), and runs it in a worker. This catches what in-process route tests cannot: a
 * config Netlify does not read, a path it does not route, a bundle that fails.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_API_KEY, DEMO_PASSWORD } from "../../db/seed";
import { buildFunctions } from "../../scripts/build-functions";
import { functionFiles, functionsDirectory } from "../../scripts/functions";
import { type RunningServer, startServer, UNMATCHED_MESSAGE } from "../../scripts/serve";

const functions = (await functionFiles()).map(({ name, module }) => ({ name, config: module.config ?? {} }));
const paths = functions.flatMap(({ name, config }) =>
  [config.path ?? []].flat().map((path) => ({ name, path, url: path.replace(/:[A-Za-z_]\w*/g, () => randomUUID()) })),
);
const scheduled = functions.filter(({ config }) => config.schedule);

async function send(server: RunningServer, path: string, init: RequestInit = {}) {
  const response = await fetch(new URL(path, server.url), init);
  const text = await response.text();
  let body: any;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}

/** Our route() answered, not the dev server's fallback for paths no function claims. */
function answeredByRoute(response: Awaited<ReturnType<typeof send>>) {
  expect(response.headers.get("x-request-id")).toBeTruthy();
  expect(response.body?.error?.message ?? "").not.toContain(UNMATCHED_MESSAGE);
}

const suiteDatabase = process.env.DATABASE_URL;

describe("function configs", () => {
  it("finds the functions to call", () => {
    expect(paths.length).toBeGreaterThan(10);
    expect(paths.map(({ path }) => path)).toContain("/api/health");
    expect(scheduled.map(({ name }) => name)).toContain("platform-cleanup");
  });

  it("declares every config in a form Netlify's build can read", async () => {
    // Netlify does not run the module to find config.path, config.schedule or config.rateLimit: its
    // bundler (zip-it-and-ship-it, also behind this dev server) reads the object literal
    // statically and skips anything else, e.g. `{ ... } satisfies Config`. Such a function deploys
    // without its path (a 404 at /api/...) or without its schedule (it never runs).
    const { listFunctions } = await import("@netlify/zip-it-and-ship-it");
    const listed = await listFunctions([functionsDirectory], { parseISC: true });
    const seen = Object.fromEntries(
      listed.map((fn) => [fn.name, { paths: (fn.routes ?? []).map((route) => route.pattern), schedule: fn.schedule }]),
    );
    const declared = Object.fromEntries(
      functions.map(({ name, config }) => [name, { paths: [config.path ?? []].flat(), schedule: config.schedule }]),
    );
    expect(seen).toEqual(declared);
  });
});

// @netlify/dev bundles the function again for every request (seconds each), then runs it in a
// fresh worker.
describe.each(["local", "netlify"] as const)("npm start (%s runtime, over HTTP)", { timeout: 60_000 }, (runtime) => {
  let server: RunningServer;
  const request = (path: string, init?: RequestInit) => send(server, path, init);

  beforeAll(async () => {
    if (runtime === "netlify") await buildFunctions();
    // A server DATABASE_URL (the suite's fresh database) is used as it is; without one the server
    // starts its own in-memory Netlify DB.
    server = await startServer({ port: 0, dataDir: undefined, quiet: true, runtime });
    // The dev runtime bundles every function in the background when it starts (one to four minutes
    // on two cores, as busy as the rest of the suite keeps them: it re-bundles the 42 built
    // modules); the first request waits for that, later ones rebuild only their own function.
    await request("/api/health");
  }, 600_000);

  afterAll(async () => {
    await server?.stop();
  }, 60_000);

  it("uses the suite's database when there is one, else its own embedded one", () => {
    expect(server.embedded).toBe(!suiteDatabase);
    if (suiteDatabase) expect(server.databaseUrl).toBe(suiteDatabase);
  });

  it.each(paths)("routes $path to $name", async ({ url }) => {
    answeredByRoute(await request(url));
  });

  it("reports a healthy, migrated database", async () => {
    const res = await request("/api/health");
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      status: "ok",
      database: { reachable: true },
      migrations: { upToDate: true },
    });
  });

  it("signs the demo user in and answers /api/auth/me with the token", async () => {
    const login = await request("/api/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: server.demo.users[0]!.email, password: DEMO_PASSWORD }),
    });
    expect(login.status).toBe(200);
    const me = await request("/api/auth/me", { headers: { authorization: `Bearer ${login.body.data.accessToken}` } });
    expect(me.status).toBe(200);
    expect(me.body.data.user).toMatchObject({ email: "demo@frontdesk.dev", role: "owner" });
    expect(me.body.data.tenant.name).toBe(server.demo.tenantName);
  });

  it("accepts the demo API key on a route open to the read scope", async () => {
    const res = await request("/api/users", { headers: { "x-api-key": DEMO_API_KEY } });
    expect(res.status).toBe(200);
    expect(res.body.data.map((user: { email: string }) => user.email)).toEqual(
      expect.arrayContaining(server.demo.users.map((user) => user.email)),
    );
  });

  it("answers a method the route does not declare with 405 and Allow (config.method is unset)", async () => {
    const res = await request("/api/health", { method: "DELETE" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toContain("GET");
    expect(res.body.error.code).toBe("METHOD_NOT_ALLOWED");
    answeredByRoute(res);
  });

  it("answers a path no function claims with the JSON 404 envelope", async () => {
    const res = await request(`/api/no-such-route-${randomUUID()}`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("NOT_FOUND");
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });

  it.each(scheduled)("runs the scheduled function $name on a POST to /.netlify/functions/<name>", async ({ name }) => {
    const res = await request(`/.netlify/functions/${name}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ next_run: new Date(Date.now() + 86_400_000).toISOString() }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });
});
