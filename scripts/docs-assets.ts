/**
 * `npm run docs:assets`: copies Scalar's standalone browser bundle (the `@scalar/api-reference`
 * package) into public/vendor/, from where /api/docs loads it on the site's own origin: no CDN,
 * so the page works offline and under its Content-Security-Policy. Netlify's build (`npm run
 * build`) runs it before publishing public/; `npm start` (scripts/serve.ts) runs it on start.
 * The copy is not committed (public/vendor/.gitignore).
 */
import { copyFile, mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

// The package exports no path to it; its main entry sits beside dist/browser/.
const source = fileURLToPath(new URL("./browser/standalone.js", import.meta.resolve("@scalar/api-reference")));
/** The URL path platform-docs.ts's page loads it from. */
const target = fileURLToPath(new URL("../public/vendor/scalar-api-reference.js", import.meta.url));

/** Copies the bundle (4.9 MB, a few milliseconds) so public/ always holds the installed version. */
export async function copyDocsAssets(): Promise<string> {
  await mkdir(dirname(target), { recursive: true });
  await copyFile(source, target);
  return target;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const copied = await copyDocsAssets();
  console.log(`Scalar's API reference bundle is in ${copied}`);
}
