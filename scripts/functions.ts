import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Access } from "../shared/auth/authenticate";
import type { Method, Operation, RouteModule } from "../shared/http/route";

/**
 * The functions, discovered from netlify/functions itself: the route list, the OpenAPI document,
 * the security matrix and `npm run job` all start here, so no hand-kept list can miss one.
 */
const directory = fileURLToPath(new URL("../netlify/functions/", import.meta.url));

export interface DeclaredOperation {
  file: string;
  module: RouteModule;
  method: Method;
  path: string;
  operation: Operation<Access, any, any, any, any>;
  /** "GET /api/users/:id" */
  key: string;
}

export const functionsDirectory = directory;

export interface FunctionFile {
  /** The function's name: its file name without `.ts`. */
  name: string;
  file: string;
  module: { default: unknown; config?: { path?: string; schedule?: string } };
}

/** Every function in netlify/functions, read from the directory itself so none can be forgotten. */
export async function functionFiles(): Promise<FunctionFile[]> {
  const files = readdirSync(directory)
    .filter((file) => file.endsWith(".ts"))
    .sort();
  return Promise.all(
    files.map(async (file) => ({
      name: file.replace(/\.ts$/, ""),
      file,
      module: (await import(`${directory}${file}`)) as FunctionFile["module"],
    })),
  );
}

/** The HTTP functions: those with a config.path, built with route(). */
export async function httpFunctions(): Promise<{ name: string; file: string; module: RouteModule }[]> {
  return (await functionFiles()).filter(
    (fn): fn is FunctionFile & { module: RouteModule } => typeof fn.module.config?.path === "string",
  );
}

export async function declaredOperations(): Promise<DeclaredOperation[]> {
  return (await httpFunctions()).flatMap(({ file, module }) =>
    Object.entries(module.default.definition.operations).map(([method, operation]) => ({
      file,
      module,
      method: method as Method,
      path: module.config.path,
      operation: operation as Operation<Access, any, any, any, any>,
      key: `${method} ${module.config.path}`,
    })),
  );
}

/** The HTTP functions by name, as the OpenAPI document takes them. */
export async function routeModules(): Promise<Record<string, RouteModule>> {
  return Object.fromEntries((await httpFunctions()).map(({ name, module }) => [name, module]));
}
