/**
 * What Postgres and the recursive code between a request and it (zod, JSON.stringify, PGlite's
 * jsonb) cannot take, found in a parsed JSON value without recursing itself.
 */

/**
 * How deeply a request's JSON may nest, the body itself counting as one level. The deepest shape
 * an operation declares (a Retell call: call, transcript_object, utterance, words, word) is five
 * levels, and free-form metadata rarely needs more than a few; 1,000 levels already wedged
 * PGlite's wasm and 5,000 overflowed JSON.stringify's stack. 32 leaves callers room, far from either.
 */
export const MAX_JSON_DEPTH = 32;

/** An object key that, copied into a plain object by `obj[key] = ...`, replaces its prototype. */
const PROTOTYPE_KEY = "__proto__";

const LONE_SURROGATE = /\p{Cs}/u;

/** Why Postgres cannot store this text as given ("must not contain ..."), or undefined when it can. */
export function textProblem(text: string): string | undefined {
  if (text.includes("\u0000")) return "must not contain the NUL character (U+0000)";
  // Paired surrogates are one character; a lone one is not Unicode text (a text column replaces it, jsonb refuses it).
  if (LONE_SURROGATE.test(text)) return "must not contain a lone UTF-16 surrogate (U+D800–U+DFFF)";
  return undefined;
}

interface JsonProblem {
  /** Where in the value: keys and array indexes from the root; an object for a problem in one of its keys. */
  path: string[];
  message: string;
  /** In zod's vocabulary, as the other VALIDATION_FAILED details. */
  code: "invalid_format" | "invalid_key" | "too_big";
}

interface Visit {
  value: unknown;
  depth: number;
  parent: Visit | undefined;
  key: string;
}

function pathOf(visit: Visit): string[] {
  const path: string[] = [];
  for (let at: Visit | undefined = visit; at?.parent; at = at.parent) path.push(at.key);
  return path.reverse();
}

/**
 * The first problem in document order: a string or key Postgres cannot store, a `__proto__` key,
 * or nesting deeper than `maxDepth`. An explicit stack, never deeper than `maxDepth`, replaces
 * recursion, so no input can overflow this function.
 */
export function findJsonProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): JsonProblem | undefined {
  const stack: Visit[] = [{ value, depth: 0, parent: undefined, key: "" }];
  for (let visit = stack.pop(); visit; visit = stack.pop()) {
    const node = visit.value;
    if (typeof node === "string") {
      const message = textProblem(node);
      if (message) return { path: pathOf(visit), message: `Text ${message}`, code: "invalid_format" };
      continue;
    }
    if (node === null || typeof node !== "object") continue;
    const depth = visit.depth + 1;
    if (depth > maxDepth) {
      return { path: pathOf(visit), message: `JSON may nest at most ${maxDepth} levels deep`, code: "too_big" };
    }
    const keys = Array.isArray(node) ? undefined : Object.keys(node);
    if (keys) {
      const problem = keys.map(keyProblem).find((message) => message !== undefined);
      if (problem) return { path: pathOf(visit), message: problem, code: "invalid_key" };
    }
    const children: unknown[] = Array.isArray(node) ? node : Object.values(node);
    // Pushed last to first, so they are visited in document order.
    for (let index = children.length - 1; index >= 0; index--) {
      stack.push({ value: children[index], depth, parent: visit, key: keys?.[index] ?? String(index) });
    }
  }
  return undefined;
}

function keyProblem(key: string): string | undefined {
  if (key === PROTOTYPE_KEY) return `${PROTOTYPE_KEY} is not allowed as a key`;
  const problem = textProblem(key);
  return problem && `A key ${problem}`;
}
