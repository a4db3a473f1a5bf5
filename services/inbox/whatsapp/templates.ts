import { and, eq, ilike, isNull, sql } from "drizzle-orm";
import type { z } from "zod";
import { TEMPLATE_CATEGORIES, whatsappTemplates } from "../../../db/schema";
import { GraphError } from "../../../shared/clients/whatsapp";
import { shownColumns } from "../../../shared/columns";
import type { ServiceContext } from "../../../shared/context";
import { conflict, notFound, unprocessable } from "../../../shared/errors";
import { likePattern, listPage } from "../../../shared/pagination";
import { requestGraph, upstreamFailed } from "./graph";
import { accessOf, firstNumber, numbersOfTenant } from "./numbers";
import type { listTemplatesQuery, NewTemplateInput } from "./templates.schemas";

/**
 * The tenant's WhatsApp message templates (spec 003's /api/templates). Meta holds them: a template
 * is created and deleted at Meta first, then stored with Meta's id and status; Meta's review
 * (webhooks) and the `whatsapp-template-refresh` job keep the stored copy current.
 */

const templateColumns = shownColumns(whatsappTemplates);

/** Meta's reason for a rejection or pause as stored: Meta says `NONE` for none. */
export const templateReason = (reason: string | null | undefined) =>
  reason && reason.toUpperCase() !== "NONE" ? reason : null;

/**
 * GET /api/templates: newest first, off (tenant, created_at, id), or (tenant, status, created_at, id)
 * with a status. Deleted templates are left out unless asked for (includeDeleted, or status deleted).
 */
export function listTemplates(ctx: ServiceContext, query: z.infer<typeof listTemplatesQuery>) {
  const t = whatsappTemplates;
  const withDeleted = query.includeDeleted || query.status === "deleted";
  const where = and(
    eq(t.tenantId, ctx.caller.tenantId),
    query.status ? eq(t.status, query.status) : undefined,
    query.category ? eq(t.category, query.category) : undefined,
    query.language ? eq(t.language, query.language) : undefined,
    query.name ? ilike(t.name, likePattern(query.name)) : undefined,
    withDeleted ? undefined : isNull(t.deletedAt),
  );
  return listPage(ctx.db, {
    table: t,
    columns: templateColumns,
    where,
    sort: { by: [t.createdAt, t.id], direction: "desc" },
    page: query,
  });
}

const ofTenant = (tenantId: string, id: string) =>
  and(eq(whatsappTemplates.tenantId, tenantId), eq(whatsappTemplates.id, id));

/** GET /api/templates/:id, a deleted one included (its messages may still name it). */
export async function getTemplate(ctx: ServiceContext, id: string) {
  const [template] = await ctx.db
    .select(templateColumns)
    .from(whatsappTemplates)
    .where(ofTenant(ctx.caller.tenantId, id));
  if (!template) throw notFound("Template");
  return template;
}

const NOT_CONFIGURED =
  "WhatsApp is not configured: set whatsappConfig { phoneNumberId, businessAccountId, accessToken } with " +
  "PATCH /api/settings (or give the WhatsApp channel its accountId and accessToken)";

/**
 * POST /api/templates: submitted to Meta on the WhatsApp Business Account of the tenant's first
 * number, with that number's token, then stored with Meta's id, status (pending while Meta reviews it)
 * and category (Meta may recategorise). A name and language the tenant already has (not deleted) is a
 * 409 before Meta is asked, one request per name and language at a time; Meta's refusal is a 502
 * with its error, and nothing is stored. Should the
 * refresh job store the new template first, the row is updated, not duplicated.
 */
export async function createTemplate(ctx: ServiceContext, input: NewTemplateInput) {
  const { tenantId } = ctx.caller;
  const number = await firstNumber(ctx.db, tenantId);
  const businessAccountId = number?.businessAccountId;
  if (!number || !businessAccountId) throw unprocessable(NOT_CONFIGURED);
  const access = accessOf(number);

  const t = whatsappTemplates;
  const { name, language, components } = input;
  // One request per name and language at a time (a transaction-scoped lock, held while Meta is asked):
  // the same create sent twenty times at once is one template at Meta and here, and nineteen 409s.
  return ctx.db.transaction(async (tx) => {
    await tx.execute(
      sql`select pg_advisory_xact_lock(hashtextextended(${`template:${tenantId}:${name}:${language}`}, 0))`,
    );
    const [taken] = await tx
      .select({ id: t.id })
      .from(t)
      .where(and(eq(t.tenantId, tenantId), eq(t.name, name), eq(t.language, language), isNull(t.deletedAt)))
      .limit(1);
    if (taken) throw conflict(`A template ${name} in ${language} exists already (id ${taken.id})`);

    let created: { id: string; status: string; category: string };
    try {
      created = await requestGraph(access).createTemplate(businessAccountId, {
        name,
        language,
        category: input.category.toUpperCase(),
        components,
      });
    } catch (error) {
      throw error instanceof GraphError ? upstreamFailed(error, "create the template") : error;
    }

    const recategorised = created.category?.toLowerCase() as typeof input.category | undefined;
    const row = {
      tenantId,
      businessAccountId,
      metaTemplateId: created.id,
      name,
      language,
      category: recategorised && TEMPLATE_CATEGORIES.includes(recategorised) ? recategorised : input.category,
      status: (created.status ?? "pending").toLowerCase(),
      components,
      seenAt: sql`now()`,
    };
    const [stored] = await tx
      .insert(t)
      .values(row)
      .onConflictDoUpdate({
        target: [t.tenantId, t.metaTemplateId],
        set: { ...row, deletedAt: null, updatedAt: sql`now()` },
      })
      .returning(templateColumns);
    if (!stored) throw new Error("template insert returned no row");
    return stored;
  });
}

/** Meta's answer to deleting a template it no longer has (FakeGraph and Meta: code 100, subcode 2593002). */
const alreadyGone = (error: GraphError) =>
  error.status === 404 ||
  (error.code === 100 &&
    (error.subcode === 2593002 || /not found|does not exist/i.test(`${error.title} ${error.details ?? ""}`)));

/**
 * DELETE /api/templates/:id: deleted at Meta (that one language, by its id), then marked deleted
 * here; the row stays for the history of the messages that used it. A template Meta no longer has
 * counts as deleted there; one already deleted here is not sent to Meta again.
 */
export async function deleteTemplate(ctx: ServiceContext, id: string) {
  const { tenantId } = ctx.caller;
  const template = await getTemplate(ctx, id);
  if (template.deletedAt) return;
  const number = (await numbersOfTenant(ctx.db, tenantId, [template.businessAccountId])).find(
    (candidate) => candidate.accessToken,
  );
  if (!number) {
    throw unprocessable(
      `No WhatsApp number of the tenant on account ${template.businessAccountId} has an access token to delete it with`,
    );
  }
  try {
    await requestGraph(accessOf(number)).deleteTemplate(
      template.businessAccountId,
      template.name,
      template.metaTemplateId,
    );
  } catch (error) {
    if (!(error instanceof GraphError)) throw error;
    if (!alreadyGone(error)) throw upstreamFailed(error, "delete the template");
  }
  await ctx.db
    .update(whatsappTemplates)
    .set({ status: "deleted", deletedAt: sql`coalesce(${whatsappTemplates.deletedAt}, now())`, updatedAt: sql`now()` })
    .where(ofTenant(tenantId, id));
}
