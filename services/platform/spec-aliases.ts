import { isDeepStrictEqual } from "node:util";
import { z } from "zod";

/**
 * An object schema that also takes its fields under the names a specification's clients send
 * (spec 000 writes `order_id` for `orderId`). Each alias given is renamed to its field before
 * `object` parses, so the field's defaults, refinements and transforms apply as they do to the
 * field itself, and the output carries the field's name only. Giving a field under both names
 * with different values is a 400 at the alias. The aliases are documented as optional properties
 * after the object's own (an alias the object declares itself keeps its own schema and
 * description); the field keeps its own documentation, required ones included. An alias whose value
 * the field would refuse is left under its own name, so the error names what the client sent.
 *
 * Generic (no module's), so its place is shared/schemas.ts; it lives here until it moves there.
 */
export function withAliases<
  Schema extends z.ZodObject,
  const Aliases extends Record<string, keyof Schema["shape"] & string>,
>(object: Schema, aliases: Aliases, spec: string) {
  const shape: z.ZodRawShape = object.shape;
  const documented = Object.fromEntries(
    Object.entries(aliases)
      .filter(([alias]) => !(alias in shape))
      .map(([alias, field]) => [alias, aliasOf(shape[field] as z.ZodType, `Alias of ${field} (${spec}'s name)`)]),
  );
  // The aliases are in the schema for the documentation; renamed before it parses, they never reach the output.
  const withDocumentedAliases = object.extend(documented) as unknown as z.ZodType<z.output<Schema>, z.input<Schema>>;
  return z.preprocess((input, ctx) => renameAliases(input, aliases, shape, ctx), withDocumentedAliases);
}

function aliasOf(field: z.ZodType, description: string) {
  const base = field instanceof z.ZodDefault ? (field.removeDefault() as z.ZodType) : field;
  return base.optional().describe(description);
}

function renameAliases(
  input: unknown,
  aliases: Record<string, string>,
  shape: z.ZodRawShape,
  ctx: z.RefinementCtx,
): unknown {
  if (input === null || typeof input !== "object" || Array.isArray(input)) return input;
  const fields: Record<string, unknown> = { ...input };
  for (const [alias, field] of Object.entries(aliases)) {
    if (fields[alias] === undefined) continue;
    const value = fields[alias];
    if (fields[field] !== undefined) {
      if (isDeepStrictEqual(fields[field], value)) delete fields[alias];
      else ctx.addIssue({ code: "custom", path: [alias], message: `${alias} differs from ${field}; give one of them` });
    } else if ((shape[field] as z.ZodType).safeParse(value).success) {
      fields[field] = value;
      delete fields[alias];
    }
  }
  return fields;
}
