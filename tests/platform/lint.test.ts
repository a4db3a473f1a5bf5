import { execFile } from "node:child_process";
import {
  appendFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * `npm run lint`'s layer rules (.dependency-cruiser.cjs), unused-code check (knip.json) and the
 * services' ban on Request/Response (biome.json) catch what they are for: violations are planted
 * in a temporary copy of the tree (the real one is shared with other test files, which discover
 * functions and modules from it), and the real tree is clean of layer violations.
 */
const root = fileURLToPath(new URL("../..", import.meta.url));
const bin = (name: string) => join(root, "node_modules", ".bin", name);

/** The arguments `npm run lint` gives a tool, read from package.json so the test runs what lint runs. */
function lintArgs(tool: string): string[] {
  const { scripts } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: { lint: string } };
  const step = scripts.lint.split("&&").find((part) => part.trim().startsWith(`${tool} `) || part.trim() === tool);
  if (!step) throw new Error(`npm run lint does not run ${tool}`);
  return step.trim().split(/\s+/).slice(1);
}

async function run(
  tool: string,
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(bin(tool), args, {
      cwd,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, NO_COLOR: "1" },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== "number") throw error;
    return { code: failed.code, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

async function depcruise(files: string[], cwd: string): Promise<Violation[]> {
  const result = await run("depcruise", [...files, "--output-type", "json"], cwd);
  if (!result.stdout) throw new Error(`depcruise printed nothing: ${result.stderr}`);
  return (JSON.parse(result.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

/** A planted file: where it goes, what it holds, and the rule that must name it (none: must pass). */
const planted: { file: string; source: string; rule: string | undefined }[] = [
  {
    file: "netlify/functions/planted-db.ts",
    source: `import { getDatabase } from "../../db/client";\nexport default () => getDatabase();\n`,
    rule: "functions-not-db",
  },
  {
    file: "netlify/functions/planted-db-type.ts",
    source: `import type { Role } from "../../db/schema";\nexport const role: Role = "owner";\n`,
    rule: "functions-not-db",
  },
  {
    file: "netlify/functions/planted-service.ts",
    source: `import { getUser } from "../../services/platform/users";\nexport default getUser;\n`,
    rule: undefined,
  },
  {
    file: "services/voice/planted-http.ts",
    source: `import { route } from "../../shared/http/route";\nexport const planted = route;\n`,
    rule: "services-not-http",
  },
  {
    file: "services/voice/planted-returns.ts",
    source: `import * as returns from "../returns/policies";\nexport const planted = returns;\n`,
    rule: "module-voice",
  },
  {
    file: "services/voice/planted-platform.ts",
    source: `import * as users from "../platform/users";\nexport const planted = users;\n`,
    rule: undefined,
  },
  {
    file: "services/platform/planted-voice.ts",
    source: `import * as sync from "../voice/sync";\nexport const planted = sync;\n`,
    rule: "module-platform",
  },
  {
    file: "services/widgets/planted.ts",
    source: `import * as users from "../platform/users";\nexport const planted = users;\n`,
    rule: undefined,
  },
  {
    file: "services/widgets/planted-returns.ts",
    source: `import * as returns from "../returns/policies";\nexport const planted = returns;\n`,
    rule: "module-on-platform",
  },
  {
    file: "shared/planted-module.ts",
    source: `import * as users from "../services/platform/users";\nexport const planted = users;\n`,
    rule: "shared-imports-no-module",
  },
  {
    file: "shared/planted-db.ts",
    source: `import { getDatabase } from "../db/client";\nexport const planted = getDatabase;\n`,
    rule: undefined,
  },
  {
    file: "db/planted-scripts.ts",
    source: `import { call } from "../scripts/dev/http";\nexport const planted = call;\n`,
    rule: "production-not-dev-code",
  },
  {
    file: "shared/planted-dev-package.ts",
    source: `import { http } from "msw";\nexport const planted = http;\n`,
    rule: "production-not-dev-packages",
  },
  {
    file: "shared/planted-dev-package-type.ts",
    source: `import type { HttpHandler } from "msw";\nexport type Planted = HttpHandler;\n`,
    rule: undefined,
  },
  {
    file: "scripts/planted-tests.ts",
    source: `import { mockRetell } from "../tests/helpers/retell-msw";\nexport const planted = mockRetell;\n`,
    rule: "scripts-not-tests",
  },
];

/** Two files importing each other: the cycle is reported once, from either side. */
const cycle = [
  {
    file: "shared/planted-cycle-a.ts",
    source: `import { b } from "./planted-cycle-b";\nexport const a = () => b();\n`,
  },
  {
    file: "shared/planted-cycle-b.ts",
    source: `import { a } from "./planted-cycle-a";\nexport const b = () => a();\n`,
  },
];

/** Planted for knip (an export nobody imports) and for Biome (a service that builds a Response). */
const unusedExport = { file: "shared/errors.ts", name: "plantedUnusedExport" };
const serviceWithResponse = {
  file: "services/voice/planted-request.ts",
  source: "export function planted(request: Request): Response {\n  return new Response(request.url);\n}\n",
};

let copy: string;
/** The four runs, started together in beforeAll (each takes a few seconds) and awaited by their tests. */
let runs: {
  planted: Promise<Violation[]>;
  real: Promise<Violation[]>;
  knip: Promise<{ code: number; stdout: string }>;
  biome: Promise<{ code: number; stdout: string; stderr: string }>;
};

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), "frontdesk-lint-"));
  const skip = new Set(["node_modules", ".git", ".data", ".netlify", "bench", "dist"]);
  cpSync(root, copy, {
    recursive: true,
    filter: (source) => !skip.has(source.slice(root.length).split("/")[0] ?? ""),
  });
  symlinkSync(join(root, "node_modules"), join(copy, "node_modules"), "dir");
  for (const { file, source } of [...planted, ...cycle, serviceWithResponse]) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    writeFileSync(join(copy, file), source);
  }
  appendFileSync(join(copy, unusedExport.file), `\nexport const ${unusedExport.name} = 1;\n`);
  runs = {
    planted: depcruise(
      [...planted, ...cycle].map(({ file }) => file),
      copy,
    ),
    real: depcruise(lintArgs("depcruise"), root),
    knip: run("knip", [...lintArgs("knip"), "--reporter", "json"], copy),
    biome: run("biome", ["lint", "--vcs-enabled=false", serviceWithResponse.file], copy),
  };
  // Each is awaited by its test; until then a failure must not count as unhandled.
  for (const pending of Object.values(runs)) pending.catch(() => {});
});

afterAll(async () => {
  if (runs) await Promise.allSettled(Object.values(runs));
  if (copy) rmSync(copy, { recursive: true, force: true });
});

// The tools run while other test files load the machine: generous, though they take seconds.
describe("npm run lint", { timeout: 120_000 }, () => {
  it("runs Biome, dependency-cruiser and knip", () => {
    const { scripts } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: { lint: string } };
    const steps = scripts.lint.split("&&").map((step) => step.trim().split(/\s+/)[0]);
    expect(steps).toEqual(expect.arrayContaining(["biome", "depcruise", "knip"]));
  });

  it("reports each planted layer violation under its rule, and lets the allowed imports pass", async () => {
    const violations = await runs.planted;
    for (const { file, rule } of planted) {
      const rules = violations.filter((violation) => violation.from === file).map((violation) => violation.rule.name);
      if (rule) expect(rules, file).toContain(rule);
      else expect(rules, file).toEqual([]);
    }
    const cycles = violations.filter((violation) => violation.rule.name === "no-circular");
    expect(cycles.map((violation) => violation.from)).toEqual([
      expect.stringMatching(/^shared\/planted-cycle-[ab]\.ts$/),
    ]);
  });

  it("finds no layer violation in the real tree", async () => {
    const violations = await runs.real;
    expect(violations.map((violation) => `${violation.rule.name}: ${violation.from} → ${violation.to}`)).toEqual([]);
  });

  it("fails on a planted unused export", async () => {
    const result = await runs.knip;
    expect(result.code).not.toBe(0);
    const { issues } = JSON.parse(result.stdout) as { issues: { file: string; exports: { name: string }[] }[] };
    const unused = issues.find((issue) => issue.file === unusedExport.file)?.exports.map((found) => found.name);
    expect(unused).toContain(unusedExport.name);
  });

  it("fails a service that touches Request or Response", async () => {
    const result = await runs.biome;
    expect(result.code).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toContain("lint/style/noRestrictedGlobals");
  });
});
