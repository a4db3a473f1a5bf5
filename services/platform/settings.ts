import { z } from "zod";
import type { Database } from "../../db/client";
import * as schema from "../../db/schema";
import { isSettingsSection, type SettingsSection } from "../../db/schema/settings-section";
import type { ServiceContext, UserCaller } from "../../shared/context";
import { recordAudit } from "./audit";
import { type Credential, DEFAULT_NAME, findCredentials, openCredentials, saveCredential } from "./credentials";

/**
 * `/api/settings`: the sections modules declare in their schema files (`settingsSection(...)` in
 * db/schema/<module>.ts), found among the schema barrel's exports.
 * Nothing here lists them. Each section is the tenant's credential of kind `name` (named `default`)
 * in the credentials store, which seals its secrets and masks them on read.
 */
const SECTIONS: SettingsSection[] = (Object.values(schema) as unknown[])
  .filter(isSettingsSection)
  // By name, descending: stable whatever order modules load in, and the order the document had
  // before sections were discovered (whatsappConfig, webhookConfig, retellConfig).
  .sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
const SECTION_NAMES = SECTIONS.map((section) => section.name);
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

type SettingsView = Record<string, Record<string, unknown> | null>;

/** Every section, null where the tenant has none. */
function byName(found: Credential[]): SettingsView {
  const stored = new Map(found.map((credential) => [credential.kind, credential.data]));
  return Object.fromEntries(SECTION_NAMES.map((name) => [name, stored.get(name) ?? null]));
}

const sectionsFilter = { kind: SECTION_NAMES, name: DEFAULT_NAME };

export async function getSettings(ctx: ServiceContext) {
  return byName(await findCredentials(ctx.db, ctx.caller.tenantId, sectionsFilter));
}

export async function updateSettings(ctx: ServiceContext<UserCaller>, patch: z.infer<typeof settingsPatch>) {
  const { tenantId } = ctx.caller;
  return ctx.db.transaction(async (tx) => {
    const before = byName(await findCredentials(tx, tenantId, sectionsFilter, { lock: true }));
    const after = { ...before };
    for (const section of SECTIONS) {
      const change = patch[section.name];
      if (change === undefined) continue;
      const saved = await saveCredential(tx, tenantId, { kind: section.name }, change, section.secrets);
      after[section.name] = saved?.data ?? null;
    }
    await recordAudit(tx, ctx, tenantId, {
      action: "settings.updated",
      entityType: "settings",
      entityId: tenantId,
      before,
      after,
    });
    return after;
  });
}

/**
 * The tenant's settings with secrets opened, for the services that call providers (Retell,
 * WhatsApp). Never returned by a route. Throws when a secret no longer opens.
 */
export async function readProviderSettings(db: Database, tenantId: string): Promise<SettingsView> {
  const found = await openCredentials(db, tenantId, sectionsFilter);
  const failed = found.find((entry) => entry.error);
  if (failed?.error) throw failed.error;
  return byName(found.flatMap((entry) => (entry.credential ? [entry.credential] : [])));
}
