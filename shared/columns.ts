import { getTableColumns, type Table } from "drizzle-orm";

/**
 * A table's columns as a select map, less the ones an answer never shows: the tenant id (every
 * query already filters by it) and whatever else is named (hashes, large text).
 */
export function shownColumns<T extends Table, const K extends keyof T["_"]["columns"] = never>(
  table: T,
  ...hidden: K[]
): Omit<T["_"]["columns"], "tenantId" | K> {
  const columns: Record<string, unknown> = { ...getTableColumns(table) };
  for (const key of ["tenantId", ...hidden]) delete columns[key as string];
  return columns as Omit<T["_"]["columns"], "tenantId" | K>;
}
