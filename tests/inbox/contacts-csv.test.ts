import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb, statementCounter } from "../../db/client";
import { contacts } from "../../db/schema";
import * as exportFn from "../../netlify/functions/inbox-contacts-export";
import * as importFn from "../../netlify/functions/inbox-contacts-import-csv";
import { type Account, createApiKey, registerTenant } from "../../scripts/dev/fixtures";
import { call } from "../../scripts/dev/http";

const importCsv = (account: Account, csv: string, contentType = "text/csv") =>
  call(importFn, {
    method: "POST",
    token: account.accessToken,
    rawBody: csv,
    headers: { "content-type": contentType },
  });

async function storedContacts(tenantId: string) {
  const db = await getDb();
  const rows = await db.select().from(contacts).where(eq(contacts.tenantId, tenantId));
  return new Map(rows.map((row) => [row.phoneNumber ?? row.email, row]));
}

/** A CSV file's records, read back with the quoting rules of RFC 4180. */
function csvRecords(text: string): string[][] {
  const records: string[][] = [];
  let field = "";
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') field += text[i++];
      else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ",") {
      record.push(field);
      field = "";
    } else if (char === "\n") {
      records.push([...record, field]);
      record = [];
      field = "";
    } else field += char;
  }
  return records;
}

describe("POST /api/contacts/import/csv", () => {
  it("reads a BOM, headers in any case and spec names, quoted commas and newlines", async () => {
    const owner = await registerTenant("csv-basic");
    const csv =
      "\uFEFFPhone,Full_Name,EMAIL,Tags\r\n" +
      '+1 555-010-0001,"Garcia, Maria",Maria@Example.test,vip;newsletter;vip\r\n' +
      '+15550100002,"Line one\r\nline two",,\r\n' +
      ",Email Only,only@example.test,wholesale\r\n";
    const res = await importCsv(owner, csv);
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toEqual({ created: 3, updated: 0, unchanged: 0, rejected: [] });
    const stored = await storedContacts(owner.tenantId);
    expect(stored.get("+15550100001")).toMatchObject({
      name: "Garcia, Maria",
      email: "maria@example.test",
      tags: ["vip", "newsletter"],
    });
    expect(stored.get("+15550100002")).toMatchObject({ name: "Line one\nline two", email: null, tags: [] });
    expect(stored.get("only@example.test")).toMatchObject({ phoneNumber: null, tags: ["wholesale"] });
  });

  it("rejects bad rows with the line they start on, and imports the rest", async () => {
    const owner = await registerTenant("csv-bad-rows");
    const csv = [
      "phoneNumber,name,email", // 1
      "12345,No plus,", // 2
      '+15550200003,"Two', // 3
      'lines",two@example.test', // 4
      "+15550200005,Too,many,cells", // 5
      "", // 6: empty, skipped
      ",Nobody,", // 7
      "+15550200008,Bad email,not-an-email", // 8
      "+15550200009,Fine,fine@example.test", // 9
    ].join("\n");
    const res = await importCsv(owner, csv);
    expect(res.status, res.text).toBe(200);
    expect(res.body.data.created).toBe(2);
    expect(res.body.data.updated).toBe(0);
    const rejected = res.body.data.rejected as { line: number; reason: string }[];
    expect(rejected.map((r) => r.line)).toEqual([2, 5, 7, 8]);
    expect(rejected[0]?.reason).toMatch(/phoneNumber.*E\.164/);
    expect(rejected[1]?.reason).toMatch(/columns/i);
    expect(rejected[2]?.reason).toContain("phoneNumber or an email");
    expect(rejected[3]?.reason).toMatch(/^email/);
    const stored = await storedContacts(owner.tenantId);
    expect([...stored.keys()].sort()).toEqual(["+15550200003", "+15550200009"]);
    expect(stored.get("+15550200003")?.name).toBe("Two\nlines");

    // Text Postgres cannot store is a rejected row, not a failed import.
    const nul = await importCsv(owner, "phone,name,tags\n+15550200010,Nul\u0000name,\n+15550200011,Fine,a\u0000b\n");
    expect(nul.body.data).toMatchObject({ created: 0, rejected: [{ line: 2 }, { line: 3 }] });
  });

  it("applies rows about one person in order: the later wins and counts as updated", async () => {
    const owner = await registerTenant("csv-duplicates");
    const csv = [
      "phone,name,email,tags",
      "+15550300001,First,dup@example.test,a",
      "+15550300001,Second,,",
      ",Third by email,DUP@example.test,b",
      "+15550300002,Other,,",
    ].join("\n");
    const res = await importCsv(owner, csv);
    expect(res.body.data).toEqual({ created: 2, updated: 2, unchanged: 0, rejected: [] });
    const stored = await storedContacts(owner.tenantId);
    expect(stored.size).toBe(2);
    expect(stored.get("+15550300001")).toMatchObject({
      name: "Third by email",
      email: "dup@example.test",
      tags: ["b"],
    });
  });

  it("updates stored contacts by phone, or else email, keeps empty cells, and never merges two people", async () => {
    const owner = await registerTenant("csv-upsert");
    const db = await getDb();
    await db.insert(contacts).values([
      { tenantId: owner.tenantId, phoneNumber: "+15550400001", name: "By phone", email: "a@example.test", tags: ["x"] },
      { tenantId: owner.tenantId, email: "b@example.test", name: "By email" },
      { tenantId: owner.tenantId, phoneNumber: "+15550400003", name: "Third" },
    ]);
    const csv = [
      "phoneNumber,name,email,tags",
      "+15550400001,Renamed,,",
      "+15550400002,,B@example.test,new",
      "+15550400003,Merged?,a@example.test,",
    ].join("\n");
    const res = await importCsv(owner, csv);
    expect(res.body.data.created).toBe(0);
    expect(res.body.data.updated).toBe(2);
    expect(res.body.data.rejected).toEqual([{ line: 4, reason: expect.stringContaining("two people") }]);
    const stored = await storedContacts(owner.tenantId);
    expect(stored.get("+15550400001")).toMatchObject({ name: "Renamed", email: "a@example.test", tags: ["x"] });
    expect(stored.get("+15550400002")).toMatchObject({ name: "By email", email: "b@example.test", tags: ["new"] });
    expect(stored.get("+15550400003")).toMatchObject({ name: "Third", email: null });
  });

  it("never touches another tenant's contact with the same phone number", async () => {
    const a = await registerTenant("csv-tenant-a");
    const b = await registerTenant("csv-tenant-b");
    await importCsv(a, "phoneNumber,name,email\n+15550500001,Alice of A,alice@example.test\n");
    const res = await importCsv(b, "phoneNumber,name,email\n+15550500001,Bob of B,alice@example.test\n");
    expect(res.body.data).toEqual({ created: 1, updated: 0, unchanged: 0, rejected: [] });
    expect((await storedContacts(a.tenantId)).get("+15550500001")?.name).toBe("Alice of A");
    expect((await storedContacts(b.tenantId)).get("+15550500001")?.name).toBe("Bob of B");
  });

  it("takes a multipart upload in the field file", async () => {
    const owner = await registerTenant("csv-multipart");
    const form = new FormData();
    form.append("file", new Blob(["phone,name\n+15550600001,Uploaded\n"], { type: "text/csv" }), "contacts.csv");
    const encoded = new Response(form);
    const res = await importCsv(owner, await encoded.text(), encoded.headers.get("content-type") ?? "");
    expect(res.status, res.text).toBe(200);
    expect(res.body.data.created).toBe(1);

    const other = new FormData();
    other.append("upload", "phone\n+15550600002\n");
    const withoutField = new Response(other);
    const missing = await importCsv(owner, await withoutField.text(), withoutField.headers.get("content-type") ?? "");
    expect(missing.status).toBe(400);
  });

  it("answers 415 for another media type, 413 past 5 MB, 400 for an unreadable file", async () => {
    const owner = await registerTenant("csv-refused");
    const json = await importCsv(owner, '{"phone":"+15550700001"}', "application/json");
    expect(json.status).toBe(415);
    expect(json.body.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");

    const big = `phone,name\n${"+15550700001,".padEnd(99, "x")}\n`.repeat(53_000);
    expect(big.length).toBeGreaterThan(5 * 1024 * 1024);
    const tooLarge = await importCsv(owner, big);
    expect(tooLarge.status).toBe(413);

    for (const csv of ["", "name,notes\nJust a name,x\n", "phone,Phone\n+15550700001,+15550700002\n"]) {
      const res = await importCsv(owner, csv);
      expect(res.status, csv).toBe(400);
      expect(res.body.error.code).toBe("VALIDATION_FAILED");
    }
    // A quote left open swallows the rest of the file: that row is rejected, with the line it starts on.
    const unclosed = await importCsv(owner, 'phone,name\n+15550700001,"Open\n+15550700002,Lost\n');
    expect(unclosed.body.data).toEqual({
      created: 0,
      updated: 0,
      unchanged: 0,
      rejected: [{ line: 2, reason: expect.stringMatching(/quote/i) }],
    });
    const db = await getDb();
    expect(await db.$count(contacts, eq(contacts.tenantId, owner.tenantId))).toBe(0);
  });

  it("needs the write scope", async () => {
    const owner = await registerTenant("csv-scope");
    const { key } = await createApiKey(owner, ["read"]);
    const res = await call(importFn, {
      method: "POST",
      apiKey: key,
      rawBody: "phone\n+15550800001\n",
      headers: { "content-type": "text/csv" },
    });
    expect(res.status).toBe(403);
  });

  it("imports 10,000 rows in a few seconds, and exports them page by page", async () => {
    const owner = await registerTenant("csv-10k");
    const lines = ["phoneNumber,name,email,tags"];
    for (let i = 0; i < 10_000; i++) {
      const n = String(i).padStart(5, "0");
      lines.push(`+1555${n}0000,"Person ${n}, Jr",person${n}@example.test,bulk;n${i % 7}`);
    }
    const started = performance.now();
    const res = await importCsv(owner, lines.join("\n"));
    const elapsed = performance.now() - started;
    console.info(`CSV import of 10,000 rows: ${Math.round(elapsed)} ms, ${res.statements} statements`);
    expect(res.status, res.text.slice(0, 500)).toBe(200);
    expect(res.body.data).toEqual({ created: 10_000, updated: 0, unchanged: 0, rejected: [] });
    expect(elapsed).toBeLessThan(10_000);
    // One read of the matches, then a statement per 500 rows, in one transaction (BEGIN and COMMIT aside).
    expect(res.statements).toBeLessThanOrEqual(1 + 20 + 2);

    const again = await importCsv(owner, lines.join("\n"));
    expect(again.body.data).toEqual({ created: 0, updated: 0, unchanged: 10_000, rejected: [] });

    const before = statementCounter.count;
    const exported = await call(exportFn, { token: owner.accessToken });
    const statements = statementCounter.count - before;
    const records = csvRecords(exported.text);
    expect(records).toHaveLength(10_001);
    expect(new Set(records.slice(1).map((record) => record[0])).size).toBe(10_000);
    // Pages of 1,000 by keyset: 11 reads, the last one empty.
    expect(statements).toBe(11);
  });
});

describe("GET /api/contacts/export", () => {
  it("streams the tenant's contacts as a CSV download with formulas guarded, in one statement", async () => {
    const owner = await registerTenant("csv-export");
    const other = await registerTenant("csv-export-other");
    const db = await getDb();
    await db.insert(contacts).values([
      { tenantId: owner.tenantId, phoneNumber: "+15550900001", name: "=HYPERLINK(1)", tags: ["vip", "b2b"] },
      { tenantId: owner.tenantId, email: "plain@example.test", name: 'Quote "q", comma' },
      { tenantId: other.tenantId, phoneNumber: "+15550900001", name: "Not yours" },
    ]);
    const res = await call(exportFn, { token: owner.accessToken });
    expect(res.status).toBe(200);
    expect(res.statements).toBe(1);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="contacts-\d{4}-\d\d-\d\d\.csv"$/);
    expect(res.text).not.toContain("Not yours");
    const records = csvRecords(res.text);
    expect(records[0]).toEqual(["phoneNumber", "name", "email", "tags", "createdAt"]);
    const byName = new Map(records.slice(1).map((record) => [record[1], record]));
    expect(byName.get("'=HYPERLINK(1)")?.slice(0, 4)).toEqual(["'+15550900001", "'=HYPERLINK(1)", "", "vip;b2b"]);
    expect(byName.get('Quote "q", comma')?.[2]).toBe("plain@example.test");

    const filtered = csvRecords((await call(exportFn, { token: owner.accessToken, query: { tag: "vip" } })).text);
    expect(filtered).toHaveLength(2);
  });

  it("round-trips: export, edit one row, import answers it updated, the others unchanged, and writes only it", async () => {
    const owner = await registerTenant("csv-round-trip");
    await importCsv(
      owner,
      [
        "phone,name,email,tags",
        "+15551000001,=Formula-looking,one@example.test,a;b",
        "+15551000002,Two,two@example.test,",
        ",Three,three@example.test,c",
      ].join("\n"),
    );
    const before = await storedContacts(owner.tenantId);
    const exported = (await call(exportFn, { token: owner.accessToken })).text;
    const edited = exported.replace(",Two,", ",Two Edited,");
    expect(edited).not.toBe(exported);
    const res = await importCsv(owner, edited);
    expect(res.body.data).toEqual({ created: 0, updated: 1, unchanged: 2, rejected: [] });
    const after = await storedContacts(owner.tenantId);
    expect(after.get("+15551000002")?.name).toBe("Two Edited");
    for (const key of ["+15551000001", "three@example.test"]) {
      expect(after.get(key)).toEqual(before.get(key));
    }
    expect(after.get("+15551000001")).toMatchObject({ name: "=Formula-looking", tags: ["a", "b"] });
  });
});
