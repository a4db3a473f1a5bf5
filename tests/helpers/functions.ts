import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Access } from "../../shared/auth/authenticate";
import type { Method, Operation } from "../../shared/http/route";
import type { FunctionModule } from "./http";

const directory = fileURLToPath(new URL("../../netlify/functions/", import.meta.url));

export interface DeclaredOperation {
  file: string;
  module: FunctionModule;
  method: Method;
  path: string;
  operation: Operation<Access, any, any, any, any>;
  /** "GET /api/users/:id" */
  key: string;
}

/** Every HTTP function in netlify/functions (those with a config.path), read from the directory itself. */
export async function httpFunctions(): Promise<{ file: string; module: FunctionModule }[]> {
  const files = readdirSync(directory).filter((file) => file.endsWith(".ts"));
  const modules = await Promise.all(
    files.map(async (file) => ({ file, module: (await import(`${directory}${file}`)) as FunctionModule })),
  );
  return modules.filter(({ module }) => typeof module.config?.path === "string");
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
