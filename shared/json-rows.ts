import { type GetColumnData, type SQL, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";

/**
 * Related rows read as JSON inside a row's own statement (json_build_object, json_agg), and read back
 * as the values the columns would give. A column map names the keys the API answers; a column of an
 * `alias(table, "m")` reads the row through that alias (a derived table's, say).
 */

type ColumnMap = Record<string, AnyPgColumn>;

/** A timestamp as a JS Date writes it in JSON (ISO 8601, UTC, milliseconds): what the API answers. */
const isoUtc = (column: AnyPgColumn): SQL =>
  sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * A row of a column map as one JSON value, written as the API answers it: the map's keys, numeric
 * columns as text ("19.99", never a float), timestamps in ISO 8601 UTC. So it can also be stored as
 * an event's payload as it is.
 */
export const jsonObjectOf = (columns: ColumnMap): SQL =>
  sql`json_build_object(${sql.join(
    Object.entries(columns).map(([key, column]) => {
      const value =
        column.columnType === "PgNumeric"
          ? sql`${column}::text`
          : column.columnType === "PgTimestamp"
            ? isoUtc(column)
            : column;
      return sql`${sql.raw(`'${key.replace(/'/g, "''")}'`)}, ${value}`;
    }),
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
