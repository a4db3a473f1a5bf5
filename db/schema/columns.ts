import { sql } from "drizzle-orm";
import { type AnyPgColumn, check, timestamp } from "drizzle-orm/pg-core";

/** Column helpers every module's tables share. Not re-exported from the schema index. */
export const createdAt = () => timestamp({ withTimezone: true }).notNull().defaultNow();
export const updatedAt = () =>
  timestamp({ withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date());

/**
 * The one enum style: a text column (typed with `.$type<>()`) kept to `values` by a CHECK named
 * `name`. Text with a CHECK rather than a Postgres enum: a value is added by a migration that swaps
 * the CHECK, inside a transaction, with no type to alter.
 */
export const oneOf = (name: string, column: AnyPgColumn, values: readonly string[]) =>
  check(name, sql`${column} in (${sql.raw(values.map((value) => `'${value}'`).join(", "))})`);
