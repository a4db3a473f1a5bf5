import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Database } from "../../db/client";
import type { ApiKeyScope, Role } from "../../db/schema";
import type { Account } from "../../scripts/dev/fixtures";
import type { CallOptions } from "../../scripts/dev/http";

/**
 * The shared security matrix's view of one module. Each module declares its part in
 * `tests/<module>/matrix.ts` (`export default defineMatrix({...})`); tests/security-matrix.test.ts
 * finds those files itself, so adding a module edits nothing here.
 */

/** Tenant A owns the data and its members and keys; tenant B attacks it. */
export interface World {
  a: Account;
  aMembers: Record<Role, Account>;
  aKey: { id: string; key: string };
  /** One key of tenant A per scope, each with that scope alone. */
  aScopedKeys: Record<ApiKeyScope, { id: string; key: string }>;
  b: Account;
  bKey: { id: string; key: string };
}

export interface ModuleMatrix<Rows> {
  /** Inserts tenant A's rows of this module that the fixtures aim at. */
  seed(db: Database, a: Account): Promise<Rows>;
  /** A valid request for each protected operation of the module ("GET /api/users/:id"), aimed at tenant A's rows. */
  fixtures: Record<string, (world: World, rows: Rows) => CallOptions>;
  /** Strings that identify tenant A's rows; none may appear in an answer to anyone else. */
  markers(world: World, rows: Rows): string[];
  /**
   * The module's operations anyone may call, each with why that is safe. Adding one is a security
   * decision; review it as one.
   */
  public?: Record<string, string>;
}

export function defineMatrix<Rows>(matrix: ModuleMatrix<Rows>): ModuleMatrix<Rows> {
  return matrix;
}

const testsDirectory = fileURLToPath(new URL("..", import.meta.url));

/** Every module's matrix, by module name: the tests/<module>/matrix.ts files. */
export async function moduleMatrices(): Promise<Record<string, ModuleMatrix<unknown>>> {
  const modules = readdirSync(testsDirectory, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && readdirSync(`${testsDirectory}${entry.name}`).includes("matrix.ts"))
    .map((entry) => entry.name)
    .sort();
  return Object.fromEntries(
    await Promise.all(
      modules.map(async (name) => [name, (await import(`${testsDirectory}${name}/matrix.ts`)).default] as const),
    ),
  );
}
