import { z } from "zod";
import * as schema from "../../db/schema";
import { isSettingsSection, type SettingsSection } from "../../db/schema/settings-section";

/**
 * `/api/settings`: the sections modules declare in their schema files (`settingsSection(...)` in
 * db/schema/<module>.ts), found among the schema barrel's exports.
 * Nothing here lists them. Each section is the tenant's credential of kind `name` (named `default`)
 * in the credentials store, which seals its secrets and masks them on read.
 */
export const SECTIONS: SettingsSection[] = (Object.values(schema) as unknown[])
  .filter(isSettingsSection)
  // By name: stable whatever order the modules' schema files load in.
  .sort((a, b) => a.name.localeCompare(b.name));
export const SECTION_NAMES = SECTIONS.map((section) => section.name);
for (const [index, name] of SECTION_NAMES.entries()) {
  if (SECTION_NAMES[index + 1] === name) throw new Error(`Two settings sections are named ${name}`);
}

/** A secret is written as a string, cleared with null, and kept as it is when left out. */
const secretInput = z.string().min(1).max(4000).nullable();
const masked = z.string().nullable().describe("A masked hint of the stored secret, or null when none is stored");

const bySection = <T>(make: (section: SettingsSection) => T) =>
  Object.fromEntries(SECTIONS.map((section) => [section.name, make(section)])) as Record<string, T>;

const inputSection = ({ fields, secrets }: SettingsSection) =>
  z
    .object({ ...fields, ...Object.fromEntries(secrets.map((secret) => [secret, secretInput])) })
    .partial()
    .strict()
    .nullable();
const outputSection = ({ fields, secrets }: SettingsSection) =>
  z
    .object({ ...fields, ...Object.fromEntries(secrets.map((secret) => [secret, masked])) })
    .partial()
    .nullable();

export const settingsPatch = z
  .object(bySection(inputSection))
  .partial()
  .strict()
  .refine((value) => Object.keys(value).length > 0, "Give at least one section to change")
  .describe("Sections merge field by field; null clears a field or a whole section. Secrets are write-only.");

export const settings = z.object(bySection(outputSection)).meta({ id: "Settings" });
