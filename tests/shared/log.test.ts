import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { type Role, users } from "../../db/schema";
import { registerTenant, unique } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";
import { hashPassword } from "../../shared/auth/passwords";
import { operation, type RouteConfig, route } from "../../shared/http/route";
import { logError, logInfo } from "../../shared/log";

let tenantId: string;
const email = `${unique("leak")}@example.test`.toLowerCase();
let passwordHash: string;

/** Routes whose handlers fail in the database with values bound that no log may show. */
const config: RouteConfig = { path: "/api/test/log" };
const failing = {
  config,
  default: route(config, {
    // The role breaks users_role_check (a 500, where a duplicate email would be a 409 and not logged).
    POST: operation({
      summary: "Inserts a user the database refuses",
      access: "public",
      handler: ({ ctx }) =>
        ctx.db.insert(users).values({ tenantId, email, name: "Leaky", role: "intruder" as Role, passwordHash }),
    }),
    GET: operation({
      summary: "Casts a secret to a uuid",
      access: "public",
      handler: ({ ctx }) => ctx.db.execute(sql`select ${"s3cr3t-value"}::uuid`),
    }),
  }),
};

/** Every line printed through `method` while `run` runs, at LOG_LEVEL `level`, parsed. */
async function linesOf(method: "log" | "error", level: string, run: () => unknown): Promise<Record<string, any>[]> {
  vi.stubEnv("LOG_LEVEL", level);
  const printed = vi.spyOn(console, method).mockImplementation(() => {});
  try {
    await run();
    return printed.mock.calls.map(([line]) => {
      expect(line).not.toContain("\n");
      return JSON.parse(String(line));
    });
  } finally {
    printed.mockRestore();
    vi.unstubAllEnvs();
  }
}

beforeAll(async () => {
  tenantId = (await registerTenant("log")).tenantId;
  passwordHash = await hashPassword("a password nobody logs");
});

describe("the log", () => {
  it("logs a failed user insert by SQLSTATE, constraint and statement shape, never the email or the hash", async () => {
    let response: Awaited<ReturnType<typeof call>> | undefined;
    const lines = await linesOf("error", "error", async () => {
      response = await call(failing, { method: "POST" });
    });
    expect(response?.status).toBe(500);
    expect(response?.text).not.toMatch(/insert|users_role_check|at \//i);
    expect(response?.text).not.toContain(email);

    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatchObject({ level: "error", msg: "unhandled error", path: "/api/test/log" });
    expect(line?.error.query).toMatch(/^insert into "users" .*\$1/);
    expect(line?.error.cause).toMatchObject({ code: "23514", constraint: "users_role_check", table: "users" });
    const text = JSON.stringify(line);
    expect(text).not.toContain(email);
    expect(text).not.toContain(passwordHash);
    expect(text).not.toContain(passwordHash.split("$").at(-1));
    expect(text).not.toContain("intruder");
    expect(text).not.toContain("params");
  });

  it("drops the value Postgres quotes in its message", async () => {
    const lines = await linesOf("error", "error", () => call(failing));
    expect(lines).toHaveLength(1);
    expect(lines[0]?.error.cause).toMatchObject({ code: "22P02", message: expect.stringContaining("type uuid") });
    expect(JSON.stringify(lines)).not.toContain("s3cr3t-value");
  });

  it("censors secret fields at any depth it names and keeps the rest", async () => {
    const lines = await linesOf("log", "info", () =>
      logInfo("secrets", {
        password: "hunter2",
        user: { name: "Ada", passwordHash },
        request: { headers: { authorization: "Bearer abc.def", "x-api-key": "fd_live_123", accept: "*/*" } },
        retell: { call: { detail: { transcript: "my card is 4111" } } },
      }),
    );
    expect(lines).toEqual([
      {
        level: "info",
        msg: "secrets",
        password: "[REDACTED]",
        user: { name: "Ada", passwordHash: "[REDACTED]" },
        request: { headers: { authorization: "[REDACTED]", "x-api-key": "[REDACTED]", accept: "*/*" } },
        retell: { call: { detail: "[REDACTED]" } },
      },
    ]);
  });

  it("keeps a value that tries to start a line of its own on one line", async () => {
    const forged = '\n{"level":"error","msg":"forged"}';
    const lines = await linesOf("log", "info", () => logInfo("request", { requestId: forged }));
    expect(lines).toEqual([{ level: "info", msg: "request", requestId: forged }]);
  });

  it("follows LOG_LEVEL as it is when each line is written", async () => {
    expect(await linesOf("log", "error", () => logInfo("quiet", {}))).toEqual([]);
    expect(await linesOf("error", "silent", () => logError({ msg: "quiet" }))).toEqual([]);
    expect(await linesOf("error", "error", () => logError({ msg: "loud" }))).toEqual([{ level: "error", msg: "loud" }]);
  });
});
