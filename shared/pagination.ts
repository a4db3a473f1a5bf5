import { type GetColumnData, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { AnyPgColumn, PgTable } from "drizzle-orm/pg-core";
import type { Database } from "../db/client";
import type { Page } from "./context";

/** Selected beside each row so a page and its total come back in one statement. */
const totalCount = sql<number>`(count(*) over())::int`;

/** A LIKE pattern matching `value` anywhere, with LIKE's wildcards in it taken literally. */
export const likePattern = (value: string) => `%${value.replace(/[\\%_]/g, "\\$&")}%`;

/**
 * Splits the window count off a page of rows. Only a page past the end has no row to carry the
 * total, and only then is it counted separately.
 */
async function toPage<T extends { total: number }>(
  rows: T[],
  query: { offset: number },
  count: () => Promise<number>,
): Promise<Page<Omit<T, "total">>> {
  const total = rows[0]?.total ?? (query.offset > 0 ? await count() : 0);
  return { items: rows.map(({ total: _total, ...item }) => item), total };
}

type Columns = Record<string, AnyPgColumn>;
type Row<C extends Columns> = { [K in keyof C]: GetColumnData<C[K]> };

export interface ListPageSpec<C extends Columns> {
  /** The table, its filter (the tenant's included) and the columns a page shows. */
  table: PgTable;
  where: SQL | undefined;
  columns: C;
  orderBy: SQL[] | SQLWrapper[];
  limit: number;
  offset: number;
}

/**
 * One page of a list and its total in one statement: the rows with `count(*) over()` beside each.
 * Only a page past the end has no row to carry the total; only then is it counted separately.
 */
export async function listPage<C extends Columns>(db: Database, spec: ListPageSpec<C>): Promise<Page<Row<C>>> {
  const rows = (await db
    .select({ ...spec.columns, total: totalCount } as Columns)
    .from(spec.table)
    .$dynamic()
    .where(spec.where)
    .orderBy(...(spec.orderBy as SQL[]))
    .limit(spec.limit)
    .offset(spec.offset)) as unknown as (Row<C> & { total: number })[];
  return toPage(rows, spec, () => db.$count(spec.table, spec.where)) as unknown as Promise<Page<Row<C>>>;
}

export interface ChildPageSpec<C extends Columns> {
  /** The parent's table and its row, tenant filter included: no such row answers undefined (a 404). */
  parent: { table: PgTable; where: SQL | undefined };
  /** The children's table, their filter (tenant and parent), and the columns a page shows. */
  children: { table: PgTable; where: SQL | undefined; columns: C };
  /** The sort, given the columns to sort on: applied inside the page and to its rows outside. */
  orderBy: (columns: { [K in keyof C]: SQLWrapper }) => SQL[];
  limit: number;
  offset: number;
}

/**
 * One page of a parent row's children and their total, in one statement whatever the page: the
 * parent row left-joined to the page (no parent row, absent or another tenant's: undefined), with
 * the count as a scalar subquery of the same snapshot. Unlike `count(*) over()`, a page past the
 * end still carries the total, so it needs no second statement.
 */
export async function childPage<C extends Columns>(
  db: Database,
  spec: ChildPageSpec<C>,
): Promise<Page<Row<C>> | undefined> {
  const { parent, children } = spec;
  const page = db
    .select(children.columns as Columns)
    .from(children.table)
    .$dynamic()
    .where(children.where)
    .orderBy(...spec.orderBy(children.columns))
    .limit(spec.limit)
    .offset(spec.offset)
    .as("page");
  // The page's columns read through its alias; all null on the one row of a parent without children.
  const pageColumns = Object.fromEntries(
    Object.keys(children.columns).map((key) => [key, (page as unknown as Record<string, AnyPgColumn>)[key]]),
  ) as C;
  const rows = (await db
    .select({
      item: pageColumns,
      total: sql<number>`(select count(*)::int from ${children.table} where ${children.where})`.mapWith(Number),
    })
    .from(parent.table)
    .leftJoin(page, sql`true`)
    .where(parent.where)
    .orderBy(...spec.orderBy(pageColumns))) as unknown as { item: Row<C> | null; total: number }[];
  const [first] = rows;
  if (!first) return undefined;
  return { items: rows.flatMap(({ item }) => (item ? [item] : [])), total: first.total };
}
