import type { z } from "zod";

/**
 * A section of `/api/settings`, declared by the module it belongs to in its own schema file
 * (`export const retellSettings = settingsSection("retellConfig", { fields: {}, secrets: ["apiKey"] })`).
 * The platform's settings service finds every declaration exported from the schema barrel, so a
 * module adds a section from its own files only, and no column: a section is stored as the tenant's
 * credential of kind `name` in the platform's credentials store (services/platform/credentials.ts).
 *
 * `fields` are the plain fields, each with its zod schema; `secrets` the secret ones: written as
 * strings, sealed at rest, answered as a masked hint. Not re-exported from the schema index.
 */
export class SettingsSection<Name extends string = string> {
  constructor(
    /** The section's key in `/api/settings`, and its credential kind. */
    readonly name: Name,
    readonly fields: Readonly<Record<string, z.ZodType>>,
    readonly secrets: readonly string[],
  ) {}
}

export function settingsSection<const Name extends string>(
  name: Name,
  spec: { fields: Record<string, z.ZodType>; secrets: readonly string[] },
): SettingsSection<Name> {
  if (!/^[a-z][A-Za-z0-9]*$/.test(name)) throw new Error(`A settings section is named in camelCase: "${name}"`);
  const clash = spec.secrets.find((secret) => secret in spec.fields);
  if (clash) throw new Error(`Settings section ${name}: "${clash}" is both a field and a secret`);
  return new SettingsSection(name, spec.fields, spec.secrets);
}

export const isSettingsSection = (value: unknown): value is SettingsSection => value instanceof SettingsSection;
