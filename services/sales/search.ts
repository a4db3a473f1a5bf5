import { type SQL, type SQLWrapper, sql } from "drizzle-orm";

/** Postgres text search configurations the sales search columns are built with (db/schema/sales.ts). */
type SearchConfig = "english" | "simple";

/** Characters with a meaning in to_tsquery's syntax, dropped from what a caller typed. */
const TSQUERY_SYNTAX = /[&|!():*<>'"\\]/g;
/** Input that is only a phone number as people type one: searched as its digits, like the column stores it. */
const PHONE_LIKE = /^[\d\s+()\-.]+$/;
const MAX_TERMS = 8;

/**
 * `?search=` as a full-text match on a generated tsvector column (its GIN index serves it): every
 * word must match, each as a prefix, so "mari vil" finds "Marina Villas" as it is typed. Returns
 * `false` when nothing searchable is left (only punctuation): such a search matches nothing.
 */
export function textSearch(column: SQLWrapper, config: SearchConfig, input: string): SQL {
  const terms = PHONE_LIKE.test(input)
    ? [input.replace(/\D/g, "")]
    : input
        .replace(TSQUERY_SYNTAX, " ")
        .split(/\s+/)
        .filter((term) => /[\p{L}\p{N}]/u.test(term))
        .slice(0, MAX_TERMS);
  const query = terms
    .filter(Boolean)
    .map((term) => `${term}:*`)
    .join(" & ");
  if (!query) return sql`false`;
  return sql`${column} @@ to_tsquery(${config}::regconfig, ${query})`;
}
