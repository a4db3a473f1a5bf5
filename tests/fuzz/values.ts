import fc from "fast-check";
import { resolve, type Schema } from "./schema";

/**
 * fast-check arbitraries read off a JSON Schema: valid values (for the parts of a request that
 * should pass, so the handler's deeper code runs) and hostile ones (for the one part that should not).
 */

/** A JSON text JSON.stringify cannot write (1e999, 2^53+1, 5,000 levels): spliced in as it is. */
class RawJson {
  constructor(readonly text: string) {}
}

/** Marks a field to delete from the base body instead of replacing it. */
export const REMOVED = Symbol("removed");

/** `value` as JSON text, RawJson pieces spliced in verbatim; `__proto__` keys stay own keys. */
export function toJsonText(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, item) => {
    if (!(item instanceof RawJson)) return item;
    raws.push(item.text);
    return `\u0000raw:${raws.length - 1}\u0000`;
  });
  return text === undefined ? "" : text.replace(/"\\u0000raw:(\d+)\\u0000"/g, (_, index) => raws[Number(index)] ?? "");
}

const KB = 1024;
const nested = (open: string, close: string, depth: number, leaf = "1") =>
  new RawJson(open.repeat(depth) + leaf + close.repeat(depth));
const DEEP_OBJECT = nested('{"a":', "}", 5000);
const DEEP_ARRAY = nested("[", "]", 5000);
const LONG_ARRAY = new Array(10_000).fill(null);
const MANY_KEYS = Object.fromEntries(Array.from({ length: 10_000 }, (_, index) => [`k${index}`, index]));

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));

/** Strings that break parsers, columns and renderers. None contains the markers the test looks for in answers. */
const HOSTILE_STRINGS = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\u0000".repeat(64),
  "\ud800",
  "a\udfffb",
  "\udc00\ud800",
  "x".repeat(100 * KB),
  "é".repeat(50 * KB),
  "😀".repeat(30 * KB),
  "' OR '1'='1",
  "1; DROP TABLE users; --",
  "'); --",
  "\\",
  '"',
  "%",
  "_%",
  "$1",
  "<script>alert(1)</script>",
  "<img src=x onerror=alert(1)>",
  "{{7*7}}",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, literally
  "${7*7}",
  "../../../../etc/passwd",
  "..\\..\\..\\windows\\win.ini",
  "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
  "\u202egnp.exe",
  "\ufeff",
  "\u200b",
  "a\u0301\u0301\u0301",
  "\r\n\r\n",
  "null",
  "undefined",
  "true",
  "NaN",
  "Infinity",
  "-Infinity",
  "-0",
  "0x10",
  "1e309",
  " 1 ",
  "9007199254740993",
  "__proto__",
  "constructor",
  "toString",
];

const hostileString = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 8 }), loneSurrogate).map(([s, lone]) => s + lone) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
);

/** Dates JavaScript, Postgres or both read differently, or not at all. */
const HOSTILE_DATES = [
  "+275760-09-13T00:00:00.000Z",
  "+275760-09-13",
  "-271821-04-20T00:00:00Z",
  "+275760-09-13T00:00:00.001Z",
  "8.64e15",
  "8640000000000001",
  "Dec 25 2999",
  "1",
  "0",
  "0000-00-00",
  "0000-01-01",
  "0000-01-01T00:00:00Z",
  "2024-02-30",
  "2023-02-29",
  "2024-13-01",
  "2024-00-10",
  "2024-01-01T24:00:00Z",
  "2024-01-01T23:59:60Z",
  "2024-01-01T00:00:00+99:99",
  "2024-01-01T00:00:00.12345678901234567890Z",
  "9999-12-31T23:59:59.999Z",
  "10000-01-01",
  "1969-12-31T23:59:59Z",
  "2024-01-01\u0000",
  "2024-01-01 00:00:00",
  "infinity",
  "-infinity",
  "epoch",
  "now",
  "allballs",
];

const HOSTILE_UUIDS = [
  "not-a-uuid",
  "00000000-0000-0000-0000-000000000000",
  "ffffffff-ffff-ffff-ffff-ffffffffffff",
  "00000000-0000-0000-0000-00000000000",
  "123e4567-e89b-12d3-a456-426614174000\u0000",
  "123e4567-e89b-12d3\u0000-a456-426614174000",
  "123E4567-E89B-12D3-A456-426614174000",
  "{123e4567-e89b-12d3-a456-426614174000}",
  "123e4567e89b12d3a456426614174000",
  "123e4567-e89b-12d3-a456-4266141740001",
  "1",
  "-1",
  "99999999999999999999",
];

/** Serial ids: out of the bigint range, signed, fractional, padded. */
const HOSTILE_SERIALS = [
  "0",
  "-1",
  "1.5",
  "1e3",
  "01",
  " 1",
  "1\u0000",
  "0x1",
  "2147483648",
  "999999999999999",
  "9223372036854775808",
  "99999999999999999999999999",
];

const HOSTILE_EMAILS = [
  "a@b",
  "@",
  "a@",
  "@example.test",
  `${"a".repeat(300)}@example.test`,
  "a\u0000@example.test",
  "a@example.test\u0000",
  "A@EXAMPLE.TEST",
  '"quoted"@example.test',
  "a@[127.0.0.1]",
  "ü@exämple.test",
  "a@example.test, b@example.test",
];

const HOSTILE_URIS = [
  "javascript:alert(1)",
  "file:///etc/passwd",
  "http://169.254.169.254/latest/meta-data/",
  "http://[::1]:5432/",
  `https://${"a".repeat(3000)}.test/`,
  "http://exa mple.test/",
  "data:text/html,<script>alert(1)</script>",
  "//evil.test",
  "http://\u0000.test/",
];

/** Numbers at the edges of int4, int8, doubles and JSON itself. */
const BOUNDARY_NUMBERS: unknown[] = [
  0,
  -0,
  -1,
  1,
  0.5,
  -0.5,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 32,
  Number.MAX_SAFE_INTEGER,
  -Number.MAX_SAFE_INTEGER,
  new RawJson("9007199254740993"),
  new RawJson("99999999999999999999999"),
  1e308,
  -1e308,
  Number.MAX_VALUE,
  5e-324,
  new RawJson("1e999"),
  new RawJson("-1e999"),
  new RawJson("1.0"),
  new RawJson("1E2"),
];

/** The wrong type for anything: each scalar type, containers, nesting past any sane depth. */
const WRONG_TYPES: unknown[] = [
  null,
  true,
  false,
  0,
  1,
  "",
  "string",
  [],
  [null],
  {},
  { a: 1 },
  DEEP_OBJECT,
  DEEP_ARRAY,
  new RawJson('{"__proto__":{"polluted":true}}'),
  new RawJson('{"constructor":{"prototype":{"polluted":true}}}'),
];

function numberEdges(schema: Schema): unknown[] {
  const edges: unknown[] = [...BOUNDARY_NUMBERS];
  if (schema.minimum !== undefined) edges.push(schema.minimum, schema.minimum - 1, schema.minimum - 0.5);
  if (schema.maximum !== undefined) edges.push(schema.maximum, schema.maximum + 1, schema.maximum + 0.5);
  return edges;
}

function stringEdges(schema: Schema): fc.Arbitrary<unknown> {
  const edges: unknown[] = [];
  if (schema.maxLength !== undefined) {
    edges.push("a".repeat(schema.maxLength + 1), `${"a".repeat(schema.maxLength - 1)}\u0000`);
    edges.push("😀".repeat(schema.maxLength));
  }
  if (schema.minLength) edges.push("a".repeat(schema.minLength - 1));
  if (schema.enum) {
    for (const option of schema.enum.map(String)) {
      edges.push(option.toUpperCase(), ` ${option}`, `${option}\u0000`, `${option}\ud800`);
    }
  }
  const byFormat: Record<string, string[]> = {
    uuid: HOSTILE_UUIDS,
    "date-time": HOSTILE_DATES,
    date: HOSTILE_DATES,
    email: HOSTILE_EMAILS,
    uri: HOSTILE_URIS,
  };
  if (schema.format) edges.push(...(byFormat[schema.format] ?? []));
  // A pattern of digits is a serial id (or a number sent as text): its near misses.
  if (schema.pattern && /\[0-9\]|\\d/.test(schema.pattern) && !schema.format) edges.push(...HOSTILE_SERIALS);
  const specific = edges.length > 0 ? [{ weight: 3, arbitrary: fc.constantFrom(...edges) }] : [];
  return fc.oneof(
    ...specific,
    { weight: 2, arbitrary: hostileString },
    { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_DATES, ...HOSTILE_UUIDS, ...HOSTILE_SERIALS) },
  );
}

/** Many elements, or too many keys: sizes the schema never meant. */
function containerEdges(schema: Schema): unknown[] {
  const edges: unknown[] = [DEEP_OBJECT, DEEP_ARRAY, LONG_ARRAY, MANY_KEYS];
  if (schema.minItems) edges.push([]);
  if (schema.maxItems !== undefined) edges.push(new Array(schema.maxItems + 1).fill({}));
  return edges;
}

/**
 * A hostile JSON value for a field with this schema: the wrong type, its own edges (lengths,
 * formats, enums, bounds, sizes), or a generally nasty string.
 */
export function hostileValue(schema: Schema): fc.Arbitrary<unknown> {
  const resolved = resolve(schema);
  const branches = resolved.anyOf?.map(resolve) ?? [resolved];
  const specific = branches.map((branch): fc.Arbitrary<unknown> => {
    switch (branch.type) {
      case "string":
        return stringEdges(branch);
      case "number":
      case "integer":
        return fc.constantFrom(...numberEdges(branch));
      case "object":
      case "array":
        return fc.constantFrom(...containerEdges(branch));
      default:
        return fc.constantFrom(...WRONG_TYPES);
    }
  });
  return fc.oneof(
    { weight: 3, arbitrary: fc.oneof(...specific) },
    { weight: 2, arbitrary: fc.constantFrom<unknown>(REMOVED, ...WRONG_TYPES, ...BOUNDARY_NUMBERS) },
    { weight: 1, arbitrary: hostileString },
  );
}

/** A hostile value for a query or path parameter: text, since that is all a URL carries. */
export function hostileText(schema: Schema): fc.Arbitrary<string> {
  return hostileValue(schema)
    .filter((value) => value !== REMOVED)
    .map((value) => (typeof value === "string" ? value : value instanceof RawJson ? value.text : toJsonText(value)))
    .filter((text) => text.length <= 200 * KB);
}

/** Property names that collide with Object.prototype or are not names at all. */
export const HOSTILE_KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "hasOwnProperty",
  "toString",
  "",
  "a\u0000b",
  "unknownField",
  "k".repeat(10 * KB),
];

/** Bodies as raw text: not JSON, JSON that is no object, or past the size limit. */
export const HOSTILE_BODY_TEXTS = [
  "",
  "{",
  '{"a":}',
  "[1,]",
  "{'a':1}",
  '{"a":1}garbage',
  "\u0000",
  "NaN",
  "\ufeff{}",
  "null",
  "[]",
  "1",
  '"text"',
  "true",
  "   ",
  DEEP_OBJECT.text,
  DEEP_ARRAY.text,
  `{"a":"${"x".repeat(1024 * KB + 1)}"}`,
];

export const HOSTILE_CONTENT_TYPES = [
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/xml",
  "application/json; charset=utf-16",
  "application/jsonx",
];

/** Alias properties ("Alias of businessId"): a valid body sends one spelling, not two that may disagree. */
const isAlias = (schema: Schema) => /^Alias of /.test(schema.description ?? "");

const plausibleDate = fc.date({ min: new Date("2000-01-01"), max: new Date("2030-12-31"), noInvalidDate: true });
/** Built once: fc.webUrl() alone takes a good part of a second to build on a busy machine. */
const VALID_BY_FORMAT: Record<string, fc.Arbitrary<string>> = {
  uuid: fc.uuid({ version: 4 }),
  email: fc.stringMatching(/^[a-z][a-z0-9]{0,15}$/).map((local) => `${local}@example.test`),
  "date-time": plausibleDate.map((date) => date.toISOString()),
  date: plausibleDate.map((date) => date.toISOString().slice(0, 10)),
  uri: fc.webUrl(),
};
const ANY_JSON = fc.jsonValue({ maxDepth: 2 });

function validString(schema: Schema): fc.Arbitrary<string> {
  const maxLength = Math.min(schema.maxLength ?? 24, 24);
  const minLength = schema.minLength ?? 0;
  const formatted = schema.format ? VALID_BY_FORMAT[schema.format] : undefined;
  if (formatted) return formatted;
  if (schema.pattern) {
    return fc
      .stringMatching(new RegExp(schema.pattern))
      .filter((s) => s.length >= minLength && s.length <= (schema.maxLength ?? Number.POSITIVE_INFINITY));
  }
  return fc.string({ minLength, maxLength: Math.max(minLength, maxLength) });
}

/** The schema's bounds, or a thousand either side of zero (of its minimum, when that is all it has). */
function plausibleRange(schema: Schema): { min: number; max: number } {
  const min = Math.max(schema.minimum ?? -1000, Number.MIN_SAFE_INTEGER);
  return { min, max: Math.min(schema.maximum ?? Math.max(min, 0) + 1000, Number.MAX_SAFE_INTEGER) };
}

/** A value the schema accepts, kept small: what a well-behaved client would send. */
export function validValue(schema: Schema): fc.Arbitrary<unknown> {
  const resolved = resolve(schema);
  if (resolved.enum) return fc.constantFrom(...resolved.enum);
  if (resolved.anyOf) return fc.oneof(...resolved.anyOf.map(validValue));
  switch (resolved.type) {
    case "string":
      return validString(resolved);
    case "integer":
      return fc.integer(plausibleRange(resolved));
    case "number":
      return fc.double({ ...plausibleRange(resolved), noNaN: true, noDefaultInfinity: true });
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array": {
      const minLength = resolved.minItems ?? 0;
      return fc.array(validValue(resolved.items ?? {}), {
        minLength,
        maxLength: Math.max(minLength, Math.min(resolved.maxItems ?? 3, 3)),
      });
    }
    case "object": {
      if (!resolved.properties && typeof resolved.additionalProperties === "object") {
        return fc.dictionary(
          validString(resolve(resolved.propertyNames ?? { type: "string", minLength: 1, maxLength: 20 })),
          validValue(resolved.additionalProperties),
          { maxKeys: 3 },
        );
      }
      const properties = Object.entries(resolved.properties ?? {}).filter(([, property]) => !isAlias(property));
      return fc.record(Object.fromEntries(properties.map(([name, property]) => [name, validValue(property)])), {
        requiredKeys: (resolved.required ?? []).filter((name) => properties.some(([key]) => key === name)),
      });
    }
    default:
      // An open schema ({}): any small JSON.
      return ANY_JSON;
  }
}
