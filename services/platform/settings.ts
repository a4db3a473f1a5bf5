import type { z } from "zod";
import type { Database } from "../../db/client";
import type { ServiceContext, UserCaller } from "../../shared/context";
import { recordAudit } from "./audit";
import { type Credential, DEFAULT_NAME, findCredentials, saveCredential } from "./credentials";
import { SECTION_NAMES, SECTIONS, type settingsPatch } from "./settings.schemas";

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

/**
 * Merges the patch's sections into the tenant's settings and records the audit, in one transaction.
 * `apply` runs in that transaction once the sections are stored: how a module puts its section to use
 * (the WhatsApp section configures the tenant's first number), so a section and what it configures
 * never disagree after a write.
 */
export async function updateSettings(
  ctx: ServiceContext<UserCaller>,
  patch: z.infer<typeof settingsPatch>,
  apply?: (tx: Database, tenantId: string, patch: z.infer<typeof settingsPatch>) => Promise<void>,
) {
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
    await apply?.(tx, tenantId, patch);
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
