import { describe, expect, it } from "vitest";
import { findJsonProblem, MAX_JSON_DEPTH } from "../../shared/json";
import { isoDateInput, jsonObject } from "../../shared/schemas";

/** `levels` arrays nested in one another, built without recursion or JSON.parse. */
function nestedArrays(levels: number): unknown {
  let value: unknown = "leaf";
  for (let level = 0; level < levels; level++) value = [value];
  return value;
}

describe("findJsonProblem", () => {
  it("finds nothing in storable JSON of the allowed depth", () => {
    expect(findJsonProblem({ a: [1, true, null, "Grüß 👋", { b: "" }] })).toBeUndefined();
    expect(findJsonProblem(nestedArrays(MAX_JSON_DEPTH))).toBeUndefined();
    expect(findJsonProblem("plain text")).toBeUndefined();
  });

  it("stops a million levels at the limit without overflowing its own stack", () => {
    expect(findJsonProblem(nestedArrays(1_000_000))).toEqual({
      path: Array.from({ length: MAX_JSON_DEPTH }, () => "0"),
      message: `JSON may nest at most ${MAX_JSON_DEPTH} levels deep`,
      code: "too_big",
    });
  });

  it("reports the first problem in document order, with its path", () => {
    const value = { ok: "x", list: ["fine", { note: "bad\u0000" }], later: "\ud800" };
    expect(findJsonProblem(value)).toMatchObject({ path: ["list", "1", "note"], code: "invalid_format" });
    expect(findJsonProblem({ a: { "k\udc00": 1 } })).toMatchObject({ path: ["a"], code: "invalid_key" });
    expect(findJsonProblem(JSON.parse('{"a":{"__proto__":{}}}'))).toMatchObject({ path: ["a"], code: "invalid_key" });
  });

  it("takes surrogate pairs as the characters they are", () => {
    expect(findJsonProblem({ "👋": "\ud83d\udc4b" })).toBeUndefined();
    expect(findJsonProblem("\udc4b\ud83d")).toMatchObject({ code: "invalid_format" });
  });
});

describe("jsonObject", () => {
  it("takes a plain object within its bytes, and refuses arrays, deep or oversize JSON", () => {
    const schema = jsonObject({ maxBytes: 100 });
    expect(schema.safeParse({ a: { b: [1, 2] } }).success).toBe(true);
    expect(schema.safeParse([1]).success).toBe(false);
    expect(schema.safeParse({ a: "x".repeat(100) }).success).toBe(false);
    // Multi-byte text counts in bytes: 30 × 4 bytes is over 100 though 60 UTF-16 units are not.
    expect(schema.safeParse({ a: "👋".repeat(30) }).success).toBe(false);
    const deep = schema.safeParse({ a: nestedArrays(1_000_000) });
    expect(deep.error?.issues[0]?.message).toMatch(/nest at most/);
  });
});

describe("isoDateInput", () => {
  it("takes ISO 8601 dates and date-times with offset in the years 0001–9999 only", () => {
    expect(isoDateInput.parse("2024-05-31")).toEqual(new Date("2024-05-31T00:00:00Z"));
    expect(isoDateInput.parse("2024-05-31T09:00:00+02:00")).toEqual(new Date("2024-05-31T07:00:00Z"));
    expect(isoDateInput.parse("9999-12-31T23:59:59.999Z").getUTCFullYear()).toBe(9999);
    for (const refused of ["+275760-09-13", "8.64e15", "Dec 25 2999", "1", "0000-06-01", "2024-05-31T09:00:00"]) {
      expect(isoDateInput.safeParse(refused).success, refused).toBe(false);
    }
  });
});
