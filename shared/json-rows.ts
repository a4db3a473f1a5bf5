import { type GetColumnData, type SQL, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";

/**
 * Related rows read as JSON inside a row's own statement (json_build_object, json_agg), and read back
 * as the values the columns would give. A column map names the keys the API answers; a column of an
 * `alias(table, "m")` reads the row through that alias (a derived table's, say).
 */

type ColumnMap = Record<string, AnyPgColumn>;

/** A row of a column map as one JSON value: the map's keys, numeric columns as text ("19.99", never a float). */
export const jsonObjectOf = (columns: ColumnMap): SQL =>
  sql`json_build_object(${sql.join(
    Object.entries(columns).map(
      ([key, column]) =>
        sql`${sql.raw(`'${key.replace(/'/g, "''")}'`)}, ${column.columnType === "PgNumeric" ? sql`${column}::text` : column}`,
    ),
    sql`, `,
  )})`;

/** The values a row of a column map holds, as a select of those columns would give them. */
export type JsonRow<C extends ColumnMap> = { [K in keyof C]: GetColumnData<C[K]> };

/** JSON rows read back as the columns' values: JSON carries timestamps as text, and they become Dates again. */
export function fromJsonRows<C extends ColumnMap>(columns: C, rows: unknown): JsonRow<C>[] {
  const timestamps = Object.keys(columns).filter((key) => columns[key]?.columnType === "PgTimestamp");
  return (rows as Record<string, unknown>[]).map((row) => {
    const item = { ...row };
    for (const key of timestamps) if (typeof item[key] === "string") item[key] = new Date(item[key]);
    return item as JsonRow<C>;
  });
}
