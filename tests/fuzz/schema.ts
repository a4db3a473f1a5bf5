import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The part of the committed openapi.json the fuzz test reads: each operation's path and query
 * parameters and JSON body, as JSON Schema with `$ref`s into components resolved.
 */
type JsonType = "string" | "number" | "integer" | "boolean" | "null" | "object" | "array";

export interface Schema {
  $ref?: string;
  type?: JsonType | JsonType[];
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  propertyNames?: Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  anyOf?: Schema[];
  description?: string;
}

interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  required?: boolean;
  schema: Schema;
}

interface Document {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Parameter[];
        requestBody?: { content: Record<string, { schema: Schema }> };
        responses?: Record<string, unknown>;
      }
    >
  >;
  components: { schemas: Record<string, Schema> };
}

export interface DocumentedOperation {
  /** "PUT /api/users/:id", as scripts/functions.ts names declared operations. */
  key: string;
  method: string;
  /** The path in Netlify's `:param` form. */
  path: string;
  params: Record<string, Schema>;
  query: Record<string, Schema>;
  /** The JSON body's schema, when the operation takes one. */
  body?: Schema;
  /** The statuses its responses declare. */
  statuses: number[];
}

const document = JSON.parse(
  readFileSync(fileURLToPath(new URL("../../openapi.json", import.meta.url)), "utf8"),
) as Document;

/**
 * The schema itself, or what its `$ref` points at (components only, as scripts/openapi.ts writes
 * them); a list of types (`["string", "null"]`) becomes the anyOf it means.
 */
export function resolve(schema: Schema): Schema {
  if (Array.isArray(schema.type)) {
    const { type, ...rest } = schema;
    return { anyOf: type.map((one) => ({ ...rest, type: one })) };
  }
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace("#/components/schemas/", "");
  const target = document.components.schemas[name];
  if (!target) throw new Error(`unresolvable $ref ${schema.$ref}`);
  return resolve(target);
}

export function documentedOperations(): DocumentedOperation[] {
  return Object.entries(document.paths).flatMap(([openApiPath, operations]) =>
    Object.entries(operations).map(([method, operation]) => {
      const path = openApiPath.replace(/\{(\w+)\}/g, ":$1");
      const byLocation = (where: Parameter["in"]) =>
        Object.fromEntries(
          (operation.parameters ?? []).filter((p) => p.in === where).map((p) => [p.name, resolve(p.schema)]),
        );
      const body = operation.requestBody?.content["application/json"]?.schema;
      return {
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        params: byLocation("path"),
        query: byLocation("query"),
        body: body && resolve(body),
        statuses: Object.keys(operation.responses ?? {}).map(Number),
      };
    }),
  );
}

/** A field's place in a body: object keys and array indexes from the root. */
export type FieldPath = (string | number)[];

/** The object branches of a schema: itself, or those of its anyOf (a nullable object). */
function objectBranches(schema: Schema): Schema[] {
  const resolved = resolve(schema);
  if (resolved.anyOf) return resolved.anyOf.flatMap(objectBranches);
  return resolved.properties || resolved.items || typeof resolved.additionalProperties === "object" ? [resolved] : [];
}

/**
 * Every field of a body the schema declares, nested ones too (to `depth`), each with its own
 * schema: the places one broken value can go while the rest of the body stays valid. A record's
 * values are reached through one made-up key.
 */
export function bodyFields(schema: Schema, depth = 4, path: FieldPath = []): { path: FieldPath; schema: Schema }[] {
  if (depth === 0) return [];
  return objectBranches(schema).flatMap((branch) => {
    const children: [string | number, Schema][] = Object.entries(branch.properties ?? {});
    if (branch.items) children.push([0, branch.items]);
    if (typeof branch.additionalProperties === "object") children.push(["fuzz-key", branch.additionalProperties]);
    return children.flatMap(([key, child]) => [
      { path: [...path, key], schema: resolve(child) },
      ...bodyFields(child, depth - 1, [...path, key]),
    ]);
  });
}

/**
 * Paths of every value inside `value` (objects and arrays, to `depth`), for fields a base body has
 * beyond its schema: deep enough for Meta's webhook (entry.0.changes.0.value.messages.0.text.body).
 */
export function valuePaths(value: unknown, depth = 8, path: FieldPath = []): FieldPath[] {
  if (depth === 0 || value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const childPath = [...path, Array.isArray(value) ? Number(key) : key];
    return [childPath, ...valuePaths(child, depth - 1, childPath)];
  });
}
