import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { and, desc, eq, type SQL, sql } from "drizzle-orm";
import type { z } from "zod";
import { contacts } from "../../db/schema";
import type { ServiceContext } from "../../shared/context";
import { AppError, conflictOn } from "../../shared/errors";
import { contactsWhere } from "./contacts";
import type { ContactFilter } from "./contacts.schemas";
import {
  CSV_COLUMN_ALIASES,
  type CsvRow,
  csvRow,
  EXPORT_COLUMNS,
  type importResult,
  TAG_SEPARATOR,
} from "./contacts-csv.schemas";

/**
 * Contacts as CSV: an export streamed page by page, and an import that upserts by phone number, or
 * else by email, in a few multi-row statements inside one transaction.
 */

type Database = ServiceContext["db"];

/**
 * Spreadsheets run a cell starting with = + - @ (or a tab or carriage return) as a formula: the
 * export prefixes such a cell with ' (OWASP's CSV injection guard), and the import takes the prefix
 * off again, so a phone number (+1555...) survives the round trip.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const guarded = (value: string) => (FORMULA_START.test(value) ? `'${value}` : value);
const unguarded = (value: string) =>
  value.startsWith("'") && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value;

const EXPORT_PAGE_SIZE = 1000;

/**
 * The tenant's contacts the filter selects as CSV, newest first: the header row, then one chunk per
 * page of `pageSize` rows read by keyset (created_at, id), so no more than a page is ever in memory.
 * The first page is read before this returns, so a failure is still an error response.
 */
export async function exportContactsCsv(
  ctx: ServiceContext,
  filter: ContactFilter,
  pageSize = EXPORT_PAGE_SIZE,
): Promise<AsyncIterable<Uint8Array>> {
  const where = contactsWhere(ctx.caller.tenantId, filter);
  const first = await exportPage(ctx.db, where, undefined, pageSize);
  const encoder = new TextEncoder();
  return (async function* () {
    yield encoder.encode(stringify([[...EXPORT_COLUMNS]]));
    let page = first;
    for (;;) {
      if (page.length > 0) yield encoder.encode(stringify(page.map(csvCells)));
      const last = page.at(-1);
      if (page.length < pageSize || !last) return;
      page = await exportPage(ctx.db, where, last, pageSize);
    }
  })();
}

type ExportRow = Awaited<ReturnType<typeof exportPage>>[number];

function exportPage(db: Database, where: SQL, after: { position: string; id: string } | undefined, pageSize: number) {
  return db
    .select({
      phoneNumber: contacts.phoneNumber,
      name: contacts.name,
      email: contacts.email,
      tags: contacts.tags,
      createdAt: contacts.createdAt,
      id: contacts.id,
      // The keyset's position to the microsecond, which a JS Date would round.
      position: sql<string>`${contacts.createdAt}::text`,
    })
    .from(contacts)
    .where(
      and(
        where,
        after && sql`(${contacts.createdAt}, ${contacts.id}) < (${after.position}::timestamptz, ${after.id}::uuid)`,
      ),
    )
    .orderBy(desc(contacts.createdAt), desc(contacts.id))
    .limit(pageSize);
}

const csvCells = (row: ExportRow) =>
  [
    row.phoneNumber ?? "",
    row.name ?? "",
    row.email ?? "",
    row.tags.join(TAG_SEPARATOR),
    row.createdAt.toISOString(),
  ].map(guarded);

type ImportResult = z.infer<typeof importResult>;

/** A valid row and the line of the file it starts on (the header is line 1). */
interface ParsedRow {
  line: number;
  values: CsvRow;
}

const BATCH_SIZE = 500;

/**
 * Imports contacts from CSV text. Each row updates the contact with its phone number, or else the
 * one with its email, or creates one. A cell left empty keeps the stored value. Rows are applied in
 * file order: a later row about the same person wins, and counts as updated; a row that changes nothing
 * counts as unchanged and writes nothing. A row whose phone
 * number is one contact's and email another's is rejected rather than merging two people. Invalid
 * rows are rejected with their line and reason; the others are written in one transaction.
 */
export async function importContactsCsv(ctx: ServiceContext, text: string): Promise<ImportResult> {
  const { rows, rejected } = parseRows(text);
  const { tenantId } = ctx.caller;
  return conflictOn(
    ctx.db.transaction(async (tx) => {
      const plan = planUpserts(rows, await existingMatches(tx, tenantId, rows), rejected);
      for (const batch of batches(plan.updates)) await updateBatch(tx, tenantId, batch);
      for (const batch of batches(plan.inserts)) {
        // A contact another request created since the matches were read is updated instead.
        const raced = (await insertBatch(tx, tenantId, batch)).filter((row) => !row.inserted).length;
        plan.created -= raced;
        plan.updated += raced;
      }
      const { created, updated, unchanged } = plan;
      return { created, updated, unchanged, rejected: rejected.sort((a, b) => a.line - b.line) };
    }),
    "Contacts changed while the file was imported; import it again",
  );
}

/** The file's valid rows and its rejected ones; a file that cannot be read at all is a 400. */
function parseRows(text: string): { rows: ParsedRow[]; rejected: ImportResult["rejected"] } {
  const rows: ParsedRow[] = [];
  const rejected: ImportResult["rejected"] = [];
  // csv-parse counts a quoted CR LF as two lines; with LF alone its line numbers are the file's.
  const normalised = text.replace(/\r\n?/g, "\n");
  const startLine = (endLine: number, raw: string | undefined) =>
    endLine - (raw?.replace(/^\n+|\n+$/g, "").match(/\n/g)?.length ?? 0);
  let records: { record: Record<string, string>; info: { lines: number }; raw: string }[];
  try {
    records = parse(normalised, {
      bom: true,
      columns: headerColumns,
      skip_empty_lines: true,
      relax_column_count: false,
      skip_records_with_error: true,
      info: true,
      raw: true,
      on_skip: (error, raw) => {
        rejected.push({ line: startLine(Number(error?.lines), raw), reason: error?.message ?? "Unreadable row" });
        return undefined;
      },
    });
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw unreadable(error instanceof Error ? error.message : String(error));
  }
  if (records.length === 0 && rejected.length === 0 && normalised.trim() === "") throw unreadable("The file is empty");
  for (const { record, info, raw } of records) {
    const line = startLine(info.lines, raw);
    const cells = Object.fromEntries(Object.entries(record).map(([key, value]) => [key, unguarded(value.trim())]));
    const parsed = csvRow.safeParse(cells);
    if (parsed.success) rows.push({ line, values: parsed.data });
    else {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
      rejected.push({ line, reason: `${where}${issue?.message ?? "Invalid row"}` });
    }
  }
  return { rows, rejected };
}

/** The header's names as the row's fields (any case, spaces or underscores; spec aliases); others are ignored. */
function headerColumns(header: string[]): (string | false)[] {
  const fields = header.map((name) => CSV_COLUMN_ALIASES[name.toLowerCase().replace(/[\s_-]/g, "")] ?? false);
  const named = fields.filter((field) => field !== false && field !== "createdAt");
  if (!named.includes("phoneNumber") && !named.includes("email")) {
    throw unreadable("The header needs a phoneNumber or an email column (first line)");
  }
  const repeated = named.find((field, index) => named.indexOf(field) !== index);
  if (repeated) throw unreadable(`The header names ${repeated} twice`);
  // createdAt is the export's own column: read back, it changes nothing.
  return fields.map((field) => (field === "createdAt" ? false : field));
}

const unreadable = (message: string) =>
  new AppError("VALIDATION_FAILED", "The CSV file could not be read", [{ path: "body", message, code: "custom" }]);

/**
 * What the import knows of a contact it will write: the stored one's id (none for a new one), the
 * values to set, and what the contact holds so far (stored, then merged row by row).
 */
interface Target {
  id?: string;
  values: CsvRow;
  holds: Partial<Record<keyof CsvRow, string | string[] | null>>;
}

/** Whether a row's cell would change what the contact holds (emails compared in any case). */
function changes(field: keyof CsvRow, value: string | string[], held: string | string[] | null | undefined): boolean {
  if (Array.isArray(value)) return !Array.isArray(held) || value.join("\u0000") !== held.join("\u0000");
  return field === "email" ? value !== held?.toString().toLowerCase() : value !== held;
}

/** The tenant's contacts holding a phone number or email of the file, in one statement. */
function existingMatches(db: Database, tenantId: string, rows: ParsedRow[]) {
  const phones = rows.flatMap((row) => row.values.phoneNumber ?? []);
  const emails = rows.flatMap((row) => row.values.email ?? []);
  const anyOf = (values: string[]) => sql`(select jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;
  return db
    .select({
      id: contacts.id,
      phoneNumber: contacts.phoneNumber,
      email: sql<string | null>`lower(${contacts.email})`,
      name: contacts.name,
      tags: contacts.tags,
    })
    .from(contacts)
    .where(
      and(
        eq(contacts.tenantId, tenantId),
        sql`(${contacts.phoneNumber} in ${anyOf(phones)} or lower(${contacts.email}) in ${anyOf(emails)})`,
      ),
    );
}

/**
 * Resolves each row, in file order, to the contact it writes: the one holding its phone number,
 * or else its email, among the stored ones and those earlier rows create. The values of every row
 * about one contact are merged, later cells over earlier ones, so each contact is written once.
 * A phone number or email keeps pointing at the contact it was first found on, so no two contacts
 * of one import ever trade a value (which the unique indexes would refuse mid-statement).
 */
function planUpserts(
  rows: ParsedRow[],
  existing: { id: string; phoneNumber: string | null; email: string | null; name: string | null; tags: string[] }[],
  rejected: ImportResult["rejected"],
) {
  const byPhone = new Map<string, Target>();
  const byEmail = new Map<string, Target>();
  const updates: Target[] = [];
  const inserts: Target[] = [];
  for (const contact of existing) {
    const { id, ...holds } = contact;
    const target: Target = { id, values: {}, holds };
    if (contact.phoneNumber) byPhone.set(contact.phoneNumber, target);
    if (contact.email) byEmail.set(contact.email, target);
  }
  let created = 0;
  let updated = 0;
  let unchanged = 0;
  for (const { line, values } of rows) {
    const byItsPhone = values.phoneNumber === undefined ? undefined : byPhone.get(values.phoneNumber);
    const byItsEmail = values.email === undefined ? undefined : byEmail.get(values.email);
    if (byItsPhone && byItsEmail && byItsPhone !== byItsEmail) {
      rejected.push({
        line,
        reason: "The phone number belongs to one contact and the email to another; this row would merge two people",
      });
      continue;
    }
    const given = Object.entries(values).filter(([, value]) => value !== undefined) as [
      keyof CsvRow,
      string | string[],
    ][];
    let target = byItsPhone ?? byItsEmail;
    if (!target) {
      created++;
      target = { values: {}, holds: {} };
      inserts.push(target);
    } else if (given.some(([field, value]) => changes(field, value, target?.holds[field]))) {
      updated++;
      if (target.id && !updates.includes(target)) updates.push(target);
    } else {
      unchanged++;
    }
    for (const [field, value] of given) {
      Object.assign(target.values, { [field]: value });
      target.holds[field] = value;
    }
    if (values.phoneNumber) byPhone.set(values.phoneNumber, target);
    if (values.email) byEmail.set(values.email, target);
  }
  return { updates, inserts, created, updated, unchanged };
}

function* batches<T>(items: T[]): Generator<T[]> {
  for (let start = 0; start < items.length; start += BATCH_SIZE) yield items.slice(start, start + BATCH_SIZE);
}

/** A batch as one JSON parameter, read back in SQL as rows: any number of rows, one parameter. */
const recordset = (targets: Target[]) =>
  sql`jsonb_to_recordset(${JSON.stringify(
    targets.map(({ id, values }) => ({
      id,
      phone_number: values.phoneNumber,
      name: values.name,
      email: values.email,
      tags: values.tags,
    })),
  )}::jsonb) as v(id uuid, phone_number text, name text, email text, tags text[])`;

/** Stored contacts, each changed only where its rows had a value: one statement per batch. */
function updateBatch(db: Database, tenantId: string, targets: Target[]) {
  return db
    .update(contacts)
    .set({
      phoneNumber: sql`coalesce(v.phone_number, ${contacts.phoneNumber})`,
      name: sql`coalesce(v.name, ${contacts.name})`,
      email: sql`coalesce(v.email, ${contacts.email})`,
      tags: sql`coalesce(v.tags, ${contacts.tags})`,
      updatedAt: sql`now()`,
    })
    .from(recordset(targets))
    .where(and(eq(contacts.tenantId, tenantId), sql`${contacts.id} = v.id`));
}

/** New contacts: one statement per batch, upserting on the phone number; says which rows it inserted. */
async function insertBatch(db: Database, tenantId: string, targets: Target[]) {
  const result = await db.execute<{ inserted: boolean }>(sql`
    insert into ${contacts} (tenant_id, phone_number, name, email, tags)
    select ${tenantId}::uuid, v.phone_number, v.name, v.email, coalesce(v.tags, '{}') from ${recordset(targets)}
    on conflict (tenant_id, phone_number) do update set
      name = coalesce(excluded.name, ${contacts.name}),
      email = coalesce(excluded.email, ${contacts.email}),
      tags = case when excluded.tags = '{}' then ${contacts.tags} else excluded.tags end,
      updated_at = now()
    returning (xmax = 0) as inserted`);
  return (result as unknown as { rows: { inserted: boolean }[] }).rows;
}
