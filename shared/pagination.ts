import { and, type GetColumnData, getTableName, isNotNull, isNull, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { AnyPgColumn, PgTable } from "drizzle-orm/pg-core";
import { z } from "zod";
import { type Database, executeNamed } from "../db/client";
import type { Page } from "./context";
import { AppError } from "./errors";
import { isoDateInput, storableText } from "./schemas";

/**
 * Every list route reads one page in one statement, at a cost that does not grow with the table:
 * - the page is found on an index led by the list's filter columns (tenant, parent) and then the
 *   sort's columns, by offset (`limit`/`offset`, as ever) or by keyset (`cursor`, the
 *   `nextCursor` of the page before: a row comparison the index starts at, however deep);
 * - a page reached by offset is found reading only the sort keys (index-only), then its rows by
 *   id; from the first row or a cursor, a NOT NULL sort's index reads the page's rows directly;
 * - the total is counted up to EXACT_TOTAL_LIMIT rows, or read off the parent row that keeps an
 *   exact count (agents.call_count).
 */

/**
 * A list's total is counted exactly up to this many rows; past it, `total` is this bound and
 * `totalIsExact` false ("more than 10,000"), so no page counts a million rows.
 */
export const EXACT_TOTAL_LIMIT = 10_000;

/** What every list accepts: a page size, and an offset or the cursor a previous page returned. */
export interface PageQuery {
  limit: number;
  offset: number;
  cursor?: string;
}

/**
 * A list's order: columns in one direction, the last the table's primary key (so the order is
 * total and a page's rows are looked up by it). Only the first may be nullable; rows without its
 * value come last in either direction. The index behind a sort is (filter columns..., ...by),
 * which serves both directions.
 */
export interface Sort {
  by: readonly [AnyPgColumn, ...AnyPgColumn[]];
  direction: "asc" | "desc";
}

/** A LIKE pattern matching `value` anywhere, with LIKE's wildcards in it taken literally. */
export const likePattern = (value: string) => `%${value.replace(/[\\%_]/g, "\\$&")}%`;

/**
 * A subquery of a row's select that refers to the row (a related row's value): Drizzle writes a
 * one-table select's top-level columns unqualified, so a subquery's `id` would be its own table's;
 * nested, every column keeps its table's name.
 */
export const correlated = <T>(subquery: SQL<T>): SQL<T> => sql<T>`${subquery}`;

/** What a page shows: the table's columns, and values computed per row (`correlated(...).as("name")`). */
type Columns = Record<string, AnyPgColumn | SQL.Aliased>;
type Row<C extends Columns> = {
  [K in keyof C]: C[K] extends SQL.Aliased<infer T> ? T : C[K] extends AnyPgColumn ? GetColumnData<C[K]> : never;
};

/** A table, its filter (the tenant's, and the parent's, included) and the columns a page shows. */
interface Rows<C extends Columns> {
  table: PgTable;
  where: SQL | undefined;
  columns: C;
}

interface ListPageSpec<C extends Columns> extends Rows<C> {
  sort: Sort;
  page: PageQuery;
}

/**
 * One page of a list and its total in one statement: the bounded count left-joined to the page,
 * so a page past the end still carries the total.
 */
export async function listPage<C extends Columns>(db: Database, spec: ListPageSpec<C>): Promise<Page<Row<C>>> {
  const page = pageOf(db, spec, spec.sort, spec.page);
  const counted = db
    .select({ total: sql<number>`count(*)::int`.as("total") })
    .from(upToBound(db, spec))
    .as("counted");
  const rows = await executeNamed(
    db
      .select({ item: page.item, cursorKey: page.cursorKey, total: counted.total })
      .from(counted)
      .leftJoin(page.subquery, sql`true`)
      .orderBy(...page.orderBy),
  );
  return toPage(rows, page, boundedTotal);
}

interface ChildPageSpec<C extends Columns> {
  /**
   * The parent's row (its filter includes the tenant's: no such row answers undefined, a 404),
   * and, when it keeps one, its exact count of the children (agents.call_count, kept by the
   * statements that write the calls); without one the children are counted up to the bound.
   */
  parent: { table: PgTable; where: SQL | undefined; childCount?: AnyPgColumn };
  children: Rows<C>;
  sort: Sort;
  page: PageQuery;
}

/**
 * One page of a parent row's children and their total, in one statement: the parent row
 * left-joined to the page, so an absent parent (or another tenant's) and an empty page differ.
 */
export async function childPage<C extends Columns>(
  db: Database,
  spec: ChildPageSpec<C>,
): Promise<Page<Row<C>> | undefined> {
  const { parent, children } = spec;
  const page = pageOf(db, children, spec.sort, spec.page);
  const total = parent.childCount
    ? sql<number>`${parent.childCount}`
    : sql<number>`(select count(*)::int from ${upToBound(db, children)})`;
  const rows = await executeNamed(
    db
      .select({ item: page.item, cursorKey: page.cursorKey, total: total.mapWith(Number) })
      .from(parent.table)
      .leftJoin(page.subquery, sql`true`)
      .where(parent.where)
      .orderBy(...page.orderBy),
  );
  if (rows.length === 0) return undefined;
  return toPage(rows, page, parent.childCount ? (count) => ({ total: count, totalIsExact: true }) : boundedTotal);
}

/** The rows a bounded count counts: at most one more than the bound, read off the filter's index. */
const upToBound = (db: Database, rows: Pick<Rows<Columns>, "table" | "where">) =>
  db
    .select({ one: sql`1` })
    .from(rows.table)
    .where(rows.where)
    .limit(EXACT_TOTAL_LIMIT + 1)
    .as("bounded");

const boundedTotal = (count: number) =>
  count > EXACT_TOTAL_LIMIT ? { total: EXACT_TOTAL_LIMIT, totalIsExact: false } : { total: count, totalIsExact: true };

/**
 * The page's rows (one more than the limit, which says whether more follow) as a subquery,
 * each with its cursor key: its sort values as Postgres writes them in JSON (timestamps to the
 * microsecond, which a JS Date would round).
 */
function pageOf<C extends Columns>(db: Database, rows: Rows<C>, sort: Sort, page: PageQuery) {
  const after = page.cursor === undefined ? undefined : decodeCursor(page, rows.table, sort);
  const key = sort.by[sort.by.length - 1] as AnyPgColumn;
  const selection: Record<string, AnyPgColumn | SQL.Aliased> = {
    ...rows.columns,
    cursorKey: sql<string>`json_build_array(${sql.join([...sort.by], sql`, `)})::text`.as("cursor_key"),
  };
  // From the first row on (offset 0, with or without a cursor) a NOT NULL sort's index reads
  // just the page's rows; only skipping rows by offset needs their keys found index-only first.
  const readsPageDirectly = sort.by[0].notNull && page.offset === 0;
  const subquery = (
    readsPageDirectly
      ? db
          .select(selection)
          .from(rows.table)
          .where(and(rows.where, after && beyond(sort.by, after, sort)))
          .orderBy(ordering(sort.by, sort.direction))
          .limit(page.limit + 1)
      : db
          .select(selection)
          .from(rows.table)
          .where(sql`${key} in (${pageKeys(rows, sort, page, after)})`)
  ).as("page");
  // Read through the subquery's alias; all null on the one row of an empty page.
  const field = subquery as unknown as Record<string, AnyPgColumn>;
  const shown = Object.keys(rows.columns);
  const sortFields = sort.by.map((column) => {
    const name = shown.find((candidate) => rows.columns[candidate] === column);
    if (!name) throw new Error(`The sort column ${column.name} must be one of the page's columns`);
    return field[name] as AnyPgColumn;
  });
  return {
    subquery,
    item: Object.fromEntries(shown.map((name) => [name, field[name] as AnyPgColumn])) as C,
    cursorKey: field.cursorKey as unknown as SQL<string>,
    orderBy: [ordering(sortFields, sort.direction, "nulls last")],
    limit: page.limit,
    cursorAt: (cursorKey: string) => encodeCursor(rows.table, sort, cursorKey),
  };
}

/**
 * The primary keys of the page, in order, read from the sort's index alone. A nullable first
 * column is two index ranges: the rows with a value, then (only when those fall short of the
 * page) the rows without. No one index order puts nulls last in both directions.
 */
function pageKeys(rows: Rows<Columns>, sort: Sort, page: PageQuery, after: CursorValues | undefined): SQL {
  const [first, ...rest] = sort.by;
  const take = page.limit + 1;
  const keys = sql.join(
    sort.by.map((column, i) => sql`${column} as ${sql.identifier(`k${i}`)}`),
    sql`, `,
  );
  const range = (where: SQL | undefined, limit: number) =>
    sql`select ${keys} from ${rows.table} where ${and(rows.where, where) ?? sql`true`}
      order by ${ordering(sort.by, sort.direction)} limit ${limit}`;
  const last = sql.identifier(`k${sort.by.length - 1}`);

  // A NOT NULL sort comes here only to skip rows by offset (pageOf reads other pages directly).
  if (first.notNull) return sql`select ${last} from (${range(undefined, take)} offset ${page.offset}) keys`;
  if (after?.[0] === null) {
    const withoutValue = and(isNull(first), beyond(rest, after.slice(1), sort));
    return sql`select ${last} from (${range(withoutValue, take)}) keys`;
  }
  const reach = page.offset + take;
  const outputs = sort.by.map((_, i) => sql.identifier(`k${i}`));
  return sql`select ${last} from (
    with valued as (${range(and(isNotNull(first), after && beyond(sort.by, after, sort)), reach)})
    select * from valued
    union all
    (${range(and(isNull(first), sql`(select count(*) from valued) < ${reach}`), reach)})
    order by ${ordering(outputs, sort.direction, "nulls last")} limit ${take} offset ${page.offset}
  ) keys`;
}

/**
 * ORDER BY for a sort. Inside an index range the plain direction, which the index gives as it
 * is; over a page or the union of two ranges, nulls last, the lists' contract.
 */
function ordering(keys: readonly SQLWrapper[], direction: Sort["direction"], nulls?: "nulls last") {
  const order = sql.raw(nulls ? `${direction} ${nulls}` : direction);
  return sql.join(
    keys.map((key) => sql`${key} ${order}`),
    sql`, `,
  );
}

/** Rows strictly after the cursor's position: one row comparison, which bounds the index range. */
function beyond(columns: readonly AnyPgColumn[], values: readonly unknown[], sort: Sort): SQL {
  const operator = sql.raw(sort.direction === "asc" ? ">" : "<");
  const list = (items: readonly unknown[]) =>
    sql.join(
      items.map((item) => sql`${item}`),
      sql`, `,
    );
  return sql`(${list(columns)}) ${operator} (${list(values)})`;
}

type CursorValues = (string | number | null)[];

const cursorJson = z.object({ sort: z.string(), after: z.array(z.union([z.string(), z.number(), z.null()])) });

/** A sort's name in its cursors ("calls(started_at,id) desc"), so another sort's cursor is refused. */
const sortName = (table: PgTable, sort: Sort) =>
  `${getTableName(table)}(${sort.by.map((column) => column.name).join(",")}) ${sort.direction}`;

const INT4 = 2 ** 31;
/**
 * What a cursor may hold for a column: only values Postgres compares with the column without
 * an error, so a forged cursor is a 400, never a 500.
 */
function cursorValue(column: AnyPgColumn): z.ZodType {
  switch (column.columnType) {
    case "PgTimestamp":
      return z.string().pipe(isoDateInput);
    case "PgUUID":
      return z.guid();
    case "PgInteger":
      return z
        .number()
        .int()
        .min(-INT4)
        .max(INT4 - 1);
    case "PgBigInt53":
      return z.number().int();
    case "PgDoublePrecision":
    case "PgNumericNumber":
      return z.number();
    case "PgText":
      return storableText;
    default:
      throw new Error(`A sort cannot page by the ${column.columnType} column ${column.name}`);
  }
}

const invalidCursor = (message: string) =>
  new AppError("VALIDATION_FAILED", "The request query is invalid", [
    { path: "query.cursor", message, code: "custom" },
  ]);

/** The position a cursor holds: the sort values of the last row of the page that returned it. */
function decodeCursor(page: PageQuery, table: PgTable, sort: Sort): CursorValues {
  if (page.offset > 0) throw invalidCursor("Give either cursor or offset, not both");
  let decoded: z.infer<typeof cursorJson>;
  try {
    decoded = cursorJson.parse(JSON.parse(Buffer.from(page.cursor ?? "", "base64url").toString("utf8")));
  } catch {
    throw invalidCursor("Not a cursor this API returned");
  }
  if (decoded.sort !== sortName(table, sort)) throw invalidCursor("The cursor belongs to another list or sort order");
  const { after } = decoded;
  const fits = (value: unknown, i: number) => {
    const column = sort.by[i] as AnyPgColumn;
    return value === null ? i === 0 && !column.notNull : cursorValue(column).safeParse(value).success;
  };
  if (after.length !== sort.by.length || !after.every(fits)) throw invalidCursor("Not a cursor this API returned");
  return after;
}

const encodeCursor = (table: PgTable, sort: Sort, cursorKey: string) =>
  Buffer.from(JSON.stringify({ sort: sortName(table, sort), after: JSON.parse(cursorKey) })).toString("base64url");

/** The page's items (the extra row only says more follow), its total and the next page's cursor. */
function toPage<C extends Columns>(
  rows: { item: unknown; cursorKey: string | null; total: number }[],
  page: { limit: number; cursorAt: (cursorKey: string) => string },
  totals: (count: number) => { total: number; totalIsExact: boolean },
): Page<Row<C>> {
  const found = rows.filter((row) => row.item !== null);
  const shown = found.slice(0, page.limit);
  const hasMore = found.length > page.limit;
  const last = shown.at(-1)?.cursorKey;
  return {
    items: shown.map((row) => row.item as Row<C>),
    ...totals(rows[0]?.total ?? 0),
    hasMore,
    nextCursor: hasMore && last ? page.cursorAt(last) : null,
  };
}
