import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../../db/client";
import { tenantSettings } from "../../db/schema";
import type { ServiceContext, UserCaller } from "../../shared/context";
import { hintOf, mergeFields, openField, revealFields, type SealedField } from "../../shared/crypto/secrets";
import { recordAudit } from "./audit";

/** A secret is written as a string, cleared with null, and kept as it is when left out. */
const secretInput = z.string().min(1).max(4000).nullable();
const masked = z.string().nullable().describe("A masked hint of the stored secret, or null when none is stored");

const SECTIONS = {
  whatsappConfig: {
    fields: {
      phoneNumberId: z.string().max(100),
      businessAccountId: z.string().max(100),
      apiVersion: z.string().regex(/^v\d+\.\d+$/, "A Graph API version such as v21.0"),
    },
    secrets: ["accessToken", "appSecret"],
  },
  webhookConfig: { fields: { enabled: z.boolean() }, secrets: ["verifyToken"] },
  retellConfig: { fields: {}, secrets: ["apiKey"] },
} as const;

type SectionName = keyof typeof SECTIONS;
const SECTION_NAMES = Object.keys(SECTIONS) as SectionName[];

function inputSection(name: SectionName) {
  const { fields, secrets } = SECTIONS[name];
  return z
    .object({ ...fields, ...Object.fromEntries(secrets.map((secret) => [secret, secretInput])) })
    .partial()
    .strict()
    .nullable();
}

function outputSection(name: SectionName) {
  const { fields, secrets } = SECTIONS[name];
  return z
    .object({ ...fields, ...Object.fromEntries(secrets.map((secret) => [secret, masked])) })
    .partial()
    .nullable();
}

export const settingsPatch = z
  .object(
    Object.fromEntries(SECTION_NAMES.map((name) => [name, inputSection(name)])) as Record<
      SectionName,
      ReturnType<typeof inputSection>
    >,
  )
  .partial()
  .strict()
  .refine((value) => Object.keys(value).length > 0, "Give at least one section to change")
  .describe("Sections merge field by field; null clears a field or a whole section. Secrets are write-only.");

export const settings = z
  .object(
    Object.fromEntries(SECTION_NAMES.map((name) => [name, outputSection(name)])) as Record<
      SectionName,
      ReturnType<typeof outputSection>
    >,
  )
  .meta({ id: "Settings" });

type StoredSection = Record<string, unknown>;
type StoredSettings = Record<SectionName, StoredSection | null>;

/** Replaces every sealed secret of every section with what `reveal` makes of it. */
function mapSecrets(stored: StoredSettings, reveal: (field: SealedField) => string) {
  return Object.fromEntries(
    SECTION_NAMES.map((name) => {
      const section = stored[name];
      return [name, section ? revealFields(section, reveal) : null];
    }),
  ) as Record<SectionName, Record<string, unknown> | null>;
}

const mask = (stored: StoredSettings) => mapSecrets(stored, hintOf) as z.infer<typeof settings>;

/** A section after a write; null clears it, and so does removing its last field. */
function merge(
  current: StoredSection | null,
  change: Record<string, unknown> | null,
  secrets: readonly string[],
): StoredSection | null {
  if (change === null) return null;
  const next = mergeFields(current, change, (key) => secrets.includes(key));
  return Object.keys(next).length > 0 ? next : null;
}

async function readStored(db: Database, tenantId: string, lock = false): Promise<StoredSettings> {
  const query = db
    .select({
      whatsappConfig: tenantSettings.whatsappConfig,
      webhookConfig: tenantSettings.webhookConfig,
      retellConfig: tenantSettings.retellConfig,
    })
    .from(tenantSettings)
    .where(eq(tenantSettings.tenantId, tenantId));
  const [row] = await (lock ? query.for("update") : query);
  return row ?? { whatsappConfig: null, webhookConfig: null, retellConfig: null };
}

export async function getSettings(ctx: ServiceContext) {
  return mask(await readStored(ctx.db, ctx.caller.tenantId));
}

export async function updateSettings(ctx: ServiceContext<UserCaller>, patch: z.infer<typeof settingsPatch>) {
  const { tenantId } = ctx.caller;
  return ctx.db.transaction(async (tx) => {
    const before = await readStored(tx, tenantId, true);
    const after = { ...before };
    for (const name of SECTION_NAMES) {
      const change = patch[name];
      if (change !== undefined) after[name] = merge(before[name], change, SECTIONS[name].secrets);
    }
    await tx
      .insert(tenantSettings)
      .values({ tenantId, ...after })
      .onConflictDoUpdate({ target: tenantSettings.tenantId, set: after });
    const view = mask(after);
    await recordAudit(tx, ctx, tenantId, {
      action: "settings.updated",
      entityType: "settings",
      entityId: tenantId,
      before: mask(before),
      after: view,
    });
    return view;
  });
}

/**
 * The tenant's settings with secrets decrypted, for the services that call providers
 * (Retell, WhatsApp). Never returned by a route.
 */
export async function readProviderSettings(db: Database, tenantId: string) {
  return mapSecrets(await readStored(db, tenantId), openField);
}
