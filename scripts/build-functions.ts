/**
 * `npm run build:functions`, the first step of `npm run build` (Netlify's build command): bundles
 * every function in netlify/functions, the packages it imports included, into one ES module in
 * dist/functions, the directory netlify.toml gives Netlify.
 *
 * Why: zip-it-and-ship-it zips a v2 function with nft, which bundles only the project's own files
 * and ships each package file by file, so a cold start spent most of its time in Node's module
 * loader resolving, reading and compiling some 340 files. From one file it starts in about 40% less
 * CPU time (README, Performance: Bundles). Netlify still zips the built file with
 * zip-it-and-ship-it, reading its `config` (path, rateLimit, schedule) from the bundle as it read it
 * from the source (tests/smoke/bundles.test.ts checks both agree).
 */
import { readdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type Metafile } from "esbuild";
import { functionsDirectory } from "./functions";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));

export const builtFunctionsDirectory = join(repoRoot, "dist", "functions");

/**
 * Bundles each function into `outdir` (emptied first, so a deleted function never deploys) and
 * returns esbuild's metafile, whose input paths are relative to the repository root.
 */
export async function buildFunctions(outdir = builtFunctionsDirectory): Promise<Metafile> {
  await rm(outdir, { recursive: true, force: true });
  const entryPoints = readdirSync(functionsDirectory)
    .filter((file) => file.endsWith(".ts"))
    .map((file) => join(functionsDirectory, file));
  const { metafile } = await build({
    absWorkingDir: repoRoot,
    entryPoints,
    outdir,
    // ESM whatever package.json around the output says; the name is the function's name.
    outExtension: { ".js": ".mjs" },
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    // Optional native add-ons that pg and ws try to require() and do without: left as run-time
    // requires, they fail inside the packages' own try/catch as they do when not installed.
    external: ["pg-native", "bufferutil", "utf-8-validate"],
    // The CommonJS packages bundled into this ES module (pg, ws, pino...) require() Node's
    // built-ins; esbuild's shim for require() throws unless the module has a real one.
    banner: {
      js: 'import { createRequire as __frontdeskCreateRequire } from "node:module"; const require = __frontdeskCreateRequire(import.meta.url);',
    },
    metafile: true,
    logLevel: "warning",
  });
  return metafile;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const metafile = await buildFunctions();
  const sizes = Object.values(metafile.outputs).map((output) => output.bytes);
  const megabytes = (bytes: number) => (bytes / 1_000_000).toFixed(2);
  console.log(
    `Built ${sizes.length} functions into ${builtFunctionsDirectory} (${megabytes(Math.min(...sizes))}-${megabytes(Math.max(...sizes))} MB each)`,
  );
}
