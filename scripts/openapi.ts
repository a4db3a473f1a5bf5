/**
 * `npm run openapi`: writes the OpenAPI document to openapi.json at the repository root, for
 * generating front-end clients; `npm run openapi -- --stdout` prints it instead.
 */
import { writeFileSync } from "node:fs";
import { buildOpenApiDocument } from "../shared/openapi/document";
import { functionModules } from "../shared/openapi/registry";

const json = `${JSON.stringify(buildOpenApiDocument(functionModules), null, 2)}\n`;
if (process.argv.includes("--stdout")) {
  process.stdout.write(json);
} else {
  const file = new URL("../openapi.json", import.meta.url);
  writeFileSync(file, json);
  console.log(`wrote ${file.pathname}`);
}
