/**
 * What a deploy ships: every function bundled by `npm run build:functions` (one ES module each,
 * packages included; scripts/build-functions.ts), then zipped by zip-it-and-ship-it as Netlify's
 * build zips netlify.toml's functions directory. A bundle holds production code only, stays within
 * its size budget (README, Performance: Bundles), and keeps the route config Netlify reads from it.
 * It lives with the smoke tests because it does not depend on the database driver, so CI builds
 * once rather than on each of its two runs.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Metafile } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildFunctions } from "../../scripts/build-functions";
import { functionFiles, functionsDirectory } from "../../scripts/functions";
import { repoRoot } from "../../scripts/serve";

const MB = 1_000_000;
/**
 * Zip bytes. Measured: 0.74-0.76 MB for every function (Netlify's bootstrap and telemetry are
 * 0.34 MB of it; zod, drizzle-orm and the two Postgres drivers most of the rest), 0.77-0.78 MB for
 * the three that import retell-sdk and for platform-openapi, which inlines openapi.json. Zipped
 * from the sources, package by package, they were 1.42-1.61 MB. The budgets leave 7%.
 * platform-openapi grows with the API it documents: WhatsApp's routes brought it to 0.843 MB, so its
 * budget leaves room for the modules still to come rather than 7%.
 */
const DEFAULT_BUDGET = 0.82 * MB;
const BUDGETS: Record<string, number> = {
  "platform-openapi": 0.9 * MB,
  "voice-dashboard-sync-calls": 0.84 * MB,
  "voice-retell-sync": 0.84 * MB,
  "voice-webhooks-retell": 0.84 * MB,
};

const packageJson = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
  devDependencies: Record<string, string>;
};
/**
 * Packages no bundle may hold: every devDependency (PGlite, @netlify/dev, drizzle-kit, msw,
 * vitest...), the embedded database Netlify dev runs on, and Scalar's browser bundle, which
 * /api/docs loads from public/ and never from a function.
 */
const FORBIDDEN_PACKAGES = [
  ...new Set([
    "@electric-sql/pglite",
    "@netlify/dev",
    "@netlify/database-dev",
    "drizzle-kit",
    "msw",
    "vitest",
    "@scalar/api-reference",
    ...Object.keys(packageJson.devDependencies),
  ]),
];
/** Project folders that are never production code. */
const FORBIDDEN_FOLDERS = ["tests/", "scripts/"];

/** The package a path lies in (the innermost node_modules folder), or the project folder it starts with. */
function forbiddenIn(path: string): string | undefined {
  const pkg = /.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1];
  if (pkg) return FORBIDDEN_PACKAGES.find((forbidden) => forbidden === pkg);
  return FORBIDDEN_FOLDERS.find((folder) => path.startsWith(folder));
}

interface ZipEntry {
  name: string;
  size: number;
}

/** The entries of a zip, from its central directory (the archives are far below zip64's limits). */
function zipEntries(zip: Buffer): ZipEntry[] {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error("not a zip archive");
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let index = 0; index < count; index++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error(`bad central directory entry at ${offset}`);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    entries.push({
      name: zip.toString("utf8", offset + 46, offset + 46 + nameLength),
      size: zip.readUInt32LE(offset + 24),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** What Netlify reads from a function's config: its paths, its schedule, its rate limit. */
interface RouteConfig {
  paths: string[];
  schedule: string | undefined;
  rateLimit: unknown;
}

interface Bundle {
  name: string;
  bytes: number;
  entries: ZipEntry[];
  /** The files esbuild bundled into the function's module, relative to the repository. */
  inputs: string[];
  /** As zip-it-and-ship-it read it from the built module. */
  config: RouteConfig;
}

const functionNames = readdirSync(functionsDirectory)
  .filter((file) => file.endsWith(".ts"))
  .map((file) => file.replace(/\.ts$/, ""))
  .sort();

let workDir: string;
let bundles: Bundle[];

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "frontdesk-bundles-"));
  const builtDirectory = join(workDir, "dist", "functions");
  const metafile: Metafile = await buildFunctions(builtDirectory);
  const inputsOf = (name: string) =>
    Object.entries(metafile.outputs)
      .filter(([output]) => output.endsWith(`/${name}.mjs`))
      .flatMap(([, output]) => Object.keys(output.inputs));
  const { zipFunctions } = await import("@netlify/zip-it-and-ship-it");
  const zipped = await zipFunctions(builtDirectory, join(workDir, "zips"), {
    archiveFormat: "zip",
    basePath: workDir,
  });
  bundles = zipped
    .map((fn) => ({
      name: fn.name,
      bytes: statSync(fn.path).size,
      entries: zipEntries(readFileSync(fn.path)),
      inputs: inputsOf(fn.name),
      config: {
        paths: (fn.routes ?? []).map((route) => route.pattern),
        schedule: fn.schedule,
        // zip-it-and-ship-it keeps the in-source config whole, though its type lists only netlify.toml's keys.
        rateLimit: (fn.config as { rateLimit?: unknown }).rateLimit,
      },
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}, 600_000);

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe("function bundles (esbuild, then zip-it-and-ship-it)", () => {
  it("bundles every function in netlify/functions into one module, packages included", () => {
    expect(bundles.map((bundle) => bundle.name)).toEqual(functionNames);
    for (const bundle of bundles) {
      expect(bundle.inputs, bundle.name).toContain(`netlify/functions/${bundle.name}.ts`);
      // The function's module beside Netlify's own ___netlify-* files (bootstrap, entry point,
      // telemetry): no package is left to load from node_modules file by file.
      const files = bundle.entries.map((entry) => entry.name.split("/").pop() ?? "");
      expect(
        files.filter((file) => !file.startsWith("___netlify-")),
        bundle.name,
      ).toEqual([`${bundle.name}.mjs`]);
    }
  });

  it("holds no dev-only package and no tests/ or scripts/ file", () => {
    // What esbuild bundled, by its metafile, and what the zip holds beside the bundle.
    // One line per bundle and package or folder, not one per file.
    const found = new Set(
      bundles.flatMap(({ name, inputs, entries }) =>
        [...inputs, ...entries.map((entry) => entry.name)].flatMap((path) => {
          const forbidden = forbiddenIn(path);
          return forbidden ? [`${name}: ${forbidden}`] : [];
        }),
      ),
    );
    expect([...found]).toEqual([]);
  });

  it("keeps every bundle within its size budget", () => {
    const over = bundles
      .filter(({ name, bytes }) => bytes > (BUDGETS[name] ?? DEFAULT_BUDGET))
      .map(({ name, bytes }) => `${name}: ${bytes} bytes, budget ${BUDGETS[name] ?? DEFAULT_BUDGET}`);
    expect(over).toEqual([]);
    // A budget for a function that no longer exists is stale.
    expect(Object.keys(BUDGETS).filter((name) => !functionNames.includes(name))).toEqual([]);
  });

  it("keeps each function's path, schedule and rate limit as Netlify reads them from the built module", async () => {
    const declared = Object.fromEntries(
      (await functionFiles()).map(({ name, module }) => {
        const config = (module.config ?? {}) as { path?: string | string[]; schedule?: string; rateLimit?: unknown };
        return [name, { paths: [config.path ?? []].flat(), schedule: config.schedule, rateLimit: config.rateLimit }];
      }),
    );
    expect(Object.fromEntries(bundles.map(({ name, config }) => [name, config]))).toEqual(declared);
  });
});
