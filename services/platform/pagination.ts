import { sql } from "drizzle-orm";
import type { Page } from "../../shared/context";

/** Selected beside each row so a page and its total come back in one statement. */
export const totalCount = sql<number>`(count(*) over())::int`;

/**
 * Splits the window count off a page of rows. Only a page past the end has no row to carry the
 * total, and only then is it counted separately.
 */
export async function toPage<T extends { total: number }>(
  rows: T[],
  query: { offset: number },
  count: () => Promise<number>,
): Promise<Page<Omit<T, "total">>> {
  const total = rows[0]?.total ?? (query.offset > 0 ? await count() : 0);
  return { items: rows.map(({ total: _total, ...item }) => item), total };
}
