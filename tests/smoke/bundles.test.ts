/**
 * What a deploy ships: every function zipped by zip-it-and-ship-it, as Netlify's build zips it
 * (nft tracing for v2 functions). A bundle holds production code only, and stays within its size
 * budget (README, Performance: Bundles). It lives with the smoke tests because it does not depend
 * on the database driver, so CI zips once rather than on each of its two runs.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { functionsDirectory } from "../../scripts/functions";
import { repoRoot } from "../../scripts/serve";

const MB = 1_000_000;
/**
 * Zip bytes. Measured: 1.42-1.51 MB for every function (compressed, zod's ESM and CommonJS builds
 * are 0.53 MB of it, Netlify's bootstrap and telemetry 0.34 MB, drizzle-orm 0.17 MB, Neon's
 * driver with ws 0.15 MB, pino 0.06 MB, jose and pg most of the rest), 1.55-1.61 MB for the
 * three that import retell-sdk. Before PGlite left db/client.ts every bundle was 7.8 MB. The
 * budgets leave 5-6%.
 */
const DEFAULT_BUDGET = 1.6 * MB;
const BUDGETS: Record<string, number> = {
  "voice-dashboard-sync-calls": 1.7 * MB,
  "voice-retell-sync": 1.7 * MB,
  "voice-webhooks-retell": 1.7 * MB,
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

interface Bundle {
  name: string;
  bytes: number;
  bundler: string | undefined;
  entries: ZipEntry[];
}

const functionNames = readdirSync(functionsDirectory)
  .filter((file) => file.endsWith(".ts"))
  .map((file) => file.replace(/\.ts$/, ""))
  .sort();

let outDir: string;
let bundles: Bundle[];

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), "frontdesk-bundles-"));
  const { zipFunctions } = await import("@netlify/zip-it-and-ship-it");
  // About 40 s for every function on two cores.
  const zipped = await zipFunctions(functionsDirectory, outDir, { archiveFormat: "zip", basePath: repoRoot });
  bundles = zipped
    .map((fn) => ({
      name: fn.name,
      bytes: statSync(fn.path).size,
      bundler: fn.bundler,
      entries: zipEntries(readFileSync(fn.path)),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}, 600_000);

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe("function bundles (zip-it-and-ship-it)", () => {
  it("zips every function in netlify/functions", () => {
    expect(bundles.map((bundle) => bundle.name)).toEqual(functionNames);
    for (const bundle of bundles) expect(bundle.entries.length, bundle.name).toBeGreaterThan(0);
  });

  it("holds no dev-only package and no tests/ or scripts/ file", () => {
    const forbiddenIn = (path: string) =>
      FORBIDDEN_FOLDERS.find((folder) => path.startsWith(folder)) ??
      FORBIDDEN_PACKAGES.find(
        (pkg) => path.startsWith(`node_modules/${pkg}/`) || path.includes(`/node_modules/${pkg}/`),
      );
    // One line per bundle and package or folder, not one per file.
    const found = new Set(
      bundles.flatMap(({ name, entries }) =>
        entries.flatMap(({ name: path }) => {
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
});
