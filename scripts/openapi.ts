/**
 * `npm run openapi`: writes the OpenAPI document, built from the route declarations of every function
 * in netlify/functions, to openapi.json at the repository root. The file is committed: the
 * `/api/openapi.json` function serves it, front ends generate clients from it, and a test fails when
 * it differs from what the declarations build. `npm run openapi -- --stdout` prints it instead.
 */
import { writeFileSync } from "node:fs";
import { buildOpenApiDocument } from "../shared/openapi/document";
import { routeModules } from "./functions";

export const openApiFile = new URL("../openapi.json", import.meta.url);

export async function openApiJson(): Promise<string> {
  return `${JSON.stringify(buildOpenApiDocument(await routeModules()), null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const json = await openApiJson();
  if (process.argv.includes("--stdout")) {
    process.stdout.write(json);
  } else {
    writeFileSync(openApiFile, json);
    console.log(`wrote ${openApiFile.pathname}`);
  }
}
