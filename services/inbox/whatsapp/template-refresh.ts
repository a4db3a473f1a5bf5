import { and, eq, isNotNull, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../../../db/client";
import { channels, credentials, syncState, whatsappTemplates } from "../../../db/schema";
import {
  type GraphAccess,
  GraphError,
  graphClient,
  type MetaTemplate,
  withoutAccessToken,
} from "../../../shared/clients/whatsapp";
import { unprocessable } from "../../../shared/errors";
import { logError } from "../../../shared/log";
import { describeError, type TenantOutcome, type TenantRun, tenantJob } from "../../platform/jobs";
import { CHANNEL_CREDENTIAL_KIND } from "../channels";
import { accessOf, numbersOfTenant } from "./numbers";
import { templateReason } from "./templates";
import { listedTemplate } from "./templates.schemas";

/**
 * The `whatsapp-template-refresh` job (hourly): each tenant's templates as Meta lists them
 * (`GET /{waba-id}/message_templates`, page by page along `paging.next`), for every WhatsApp
 * Business Account of its numbers that have a token.
 *
 * A pass lists every account once. Each page is one statement that inserts new templates and
 * updates the changed ones (stamping them `seenAt` = the pass's start); an unchanged template is not
 * written, only remembered as listed. When an account's listing ends, its templates neither listed
 * nor stamped in this pass are gone at Meta and are marked deleted, in one statement. So a pass that
 * finds nothing changed writes nothing.
 *
 * A pass that does not fit in one run (thousands of templates, a slow Graph) goes on in the next:
 * the run stops between pages, stamps the unchanged templates it listed of the account it was in
 * (one statement: what it remembers would be lost), and keeps where it stopped in `sync_state`:
 * `resumeFrom` holds the pass's start, `last_result.resume` the account and Meta's next page (its
 * access token removed). A run that dies before that statement leaves the previous position, and the
 * next run lists those pages again, which is harmless.
 */

export const TEMPLATE_REFRESH_JOB = "whatsapp-template-refresh";
/** Templates asked for per page. */
const PAGE_SIZE = 100;
/** Graph requests give up this long before the deadline, leaving time to record where the run stopped. */
const WRITE_MARGIN_MS = 1_500;

/** One of the tenant's accounts, with the token of its first number that has one. */
interface Account {
  businessAccountId: string;
  access: GraphAccess;
}

/** Where an unfinished pass goes on: the account it was listing and the page after the last one written. */
const resumePoint = z.object({ account: z.string(), next: z.string().nullable() });
type Resume = z.infer<typeof resumePoint>;

interface RefreshResult extends TenantOutcome {
  pages: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Templates gone at Meta, marked deleted. */
  deleted: number;
  /** Unchanged templates stamped as listed because the pass goes on in the next run. */
  stamped: number;
  /** Listed templates not stored: a category Frontdesk does not know, or text Postgres cannot hold. */
  skipped: number;
  accountsCompleted: number;
  resume: Resume | null;
}

const t = whatsappTemplates;

/** The tenants with a WhatsApp number that has an account id and an access token. */
const tenantsWithAccounts = (db: Database) =>
  db
    .selectDistinct({ tenantId: channels.tenantId })
    .from(channels)
    .innerJoin(
      credentials,
      and(
        eq(credentials.tenantId, channels.tenantId),
        eq(credentials.kind, CHANNEL_CREDENTIAL_KIND),
        eq(credentials.name, sql`${channels.id}::text`),
        sql`${credentials.secrets} ? 'accessToken'`,
      ),
    )
    .where(and(eq(channels.type, "whatsapp"), isNotNull(channels.accountId)));

/** The tenant's accounts, in id order (the order a pass lists them in); none is a 422 before any lease. */
async function accountsOf(db: Database, tenantId: string): Promise<Account[]> {
  const numbers = await numbersOfTenant(db, tenantId);
  const accounts = new Map<string, Account>();
  for (const number of numbers) {
    const id = number.businessAccountId;
    if (!id || !number.accessToken || accounts.has(id)) continue;
    accounts.set(id, { businessAccountId: id, access: accessOf(number) });
  }
  if (accounts.size === 0) {
    throw unprocessable(
      "No WhatsApp number of the tenant has a business account id and an access token: set them with PATCH /api/settings whatsappConfig",
    );
  }
  return [...accounts.values()].sort((a, b) => (a.businessAccountId < b.businessAccountId ? -1 : 1));
}

/** The resume point the last run left, read with the lease (as text: parsed here, whatever the driver). */
const claimResume = () => ({
  resume: sql<string | null>`(${syncState.lastResult} -> 'resume')::text`,
});

/** One listed template as its row, or undefined when it cannot be stored (logged). */
function toRow(tenantId: string, businessAccountId: string, listed: MetaTemplate, seenAt: Date) {
  const parsed = listedTemplate.safeParse(listed);
  if (!parsed.success) {
    logError({ msg: "whatsapp template not stored", tenantId, templateId: listed.id, error: parsed.error.message });
    return undefined;
  }
  const template = parsed.data;
  const reason = template.rejected_reason;
  const quality = typeof template.quality_score === "string" ? template.quality_score : template.quality_score?.score;
  return {
    tenantId,
    businessAccountId,
    metaTemplateId: template.id,
    name: template.name,
    language: template.language,
    category: template.category,
    status: template.status,
    rejectedReason: templateReason(reason),
    qualityScore: quality ? quality.toLowerCase() : null,
    components: template.components,
    parameterFormat: template.parameter_format?.toLowerCase() ?? null,
    // Meta lists a template deleted at Meta (or here, through DELETE /api/templates/:id) as pending deletion first.
    deletedAt: template.status === "deleted" || template.status === "pending_deletion" ? sql`now()` : null,
    seenAt,
  };
}

const incoming = (column: string) => sql.raw(`excluded.${column}`);
/**
 * The reason a page gives, unless it gives none for a template whose status it does not change: a
 * reason a webhook stored (why Meta paused it) is not cleared by a listing that leaves it out.
 */
const reason = sql`case when ${incoming("rejected_reason")} is not null or ${incoming("status")} is distinct from ${t.status}
  then ${incoming("rejected_reason")} else ${t.rejectedReason} end`;
/** Deleted exactly when Meta says so; the first deletion time kept. */
const deletedAt = sql`case when ${incoming("deleted_at")} is null then null else coalesce(${t.deletedAt}, ${incoming("deleted_at")}) end`;
const changed = sql`(${t.businessAccountId}, ${t.name}, ${t.language}, ${t.category}, ${t.status}, ${t.rejectedReason},
    ${t.qualityScore}, ${t.components}, ${t.parameterFormat}, ${t.deletedAt} is null)
  is distinct from (${incoming("business_account_id")}, ${incoming("name")}, ${incoming("language")}, ${incoming("category")},
    ${incoming("status")}, ${reason}, ${incoming("quality_score")}, ${incoming("components")}, ${incoming("parameter_format")},
    ${incoming("deleted_at")} is null)`;

/** A JSON array of Meta ids as a set SQL can test against: one parameter, however many ids. */
const idSet = (ids: Iterable<string>) => sql`(select jsonb_array_elements_text(${JSON.stringify([...ids])}::jsonb))`;

/** One tenant's run: the accounts from where the last run stopped, page by page while there is time. */
class Refresh {
  readonly result: RefreshResult = {
    pages: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    deleted: 0,
    stamped: 0,
    skipped: 0,
    accountsCompleted: 0,
    resume: null,
    complete: false,
    status: "ok",
    error: null,
  };
  /** The pass's start: a resumed pass keeps the one it began with. */
  private readonly passStart: Date;
  private readonly cutoff: number;

  constructor(
    private readonly run: TenantRun<{ resume: string | null }>,
    private readonly pageSize: number,
  ) {
    this.passStart = new Date(run.state.resumeFrom ?? Date.now());
    this.cutoff = run.deadline - WRITE_MARGIN_MS;
  }

  private timeUp = () => Date.now() >= this.cutoff;

  /** The resume point of the pass in progress; none for a new pass, or one left by an older shape. */
  private resumed(): Resume | undefined {
    const { resume, resumeFrom } = this.run.state;
    if (resumeFrom === null || !resume) return undefined;
    const parsed = resumePoint.safeParse(JSON.parse(resume));
    return parsed.success ? parsed.data : undefined;
  }

  async pass(accounts: Account[]): Promise<RefreshResult> {
    const { result } = this;
    const resume = this.resumed();
    // Accounts before the resume point were listed whole earlier in this pass.
    const pending = resume ? accounts.filter((a) => a.businessAccountId >= resume.account) : accounts;
    try {
      for (const account of pending) {
        const next = account.businessAccountId === resume?.account ? resume.next : null;
        if (!(await this.account(account, next))) break;
        result.accountsCompleted++;
      }
      result.complete = result.resume === null;
    } catch (error) {
      result.error = describeError(error, "Graph");
      logError({ msg: "whatsapp template refresh failed", tenantId: this.run.tenantId, error: result.error });
    }
    result.status = result.error !== null ? "error" : result.complete ? "ok" : "partial";
    return result;
  }

  /**
   * Lists one account from `next` (its first page when null). Answers true when the listing reached
   * its end (its gone templates marked deleted), false when the run stopped first (where, recorded).
   */
  private async account(account: Account, resumeFrom: string | null): Promise<boolean> {
    const { businessAccountId } = account;
    const graph = graphClient(account.access, { deadline: this.cutoff });
    const listed = new Set<string>();
    let next = resumeFrom;
    let resumed = resumeFrom !== null;
    for (;;) {
      if (!this.run.hasTime()) return this.stop(businessAccountId, next, listed);
      let page: Awaited<ReturnType<typeof graph.listTemplates>>;
      try {
        page = await graph.listTemplates(businessAccountId, next ?? undefined, this.pageSize);
      } catch (error) {
        if (resumed && !(error instanceof GraphError && error.retryable)) {
          // The saved page no longer works (an expired cursor, another Graph host): list the account again.
          resumed = false;
          next = null;
          continue;
        }
        await this.stop(businessAccountId, next, listed);
        if (this.timeUp()) return false;
        throw error;
      }
      resumed = false;
      this.result.pages++;
      await this.write(businessAccountId, page.data, listed);
      if (!page.paging?.next || page.data.length === 0) {
        await this.markGone(businessAccountId, listed);
        return true;
      }
      // Kept in the database as the resume point: without the token.
      next = withoutAccessToken(page.paging.next);
    }
  }

  /** Upserts one page in one statement: new templates inserted, changed ones updated, the rest not written. */
  private async write(businessAccountId: string, templates: MetaTemplate[], listed: Set<string>) {
    const { db, tenantId } = this.run;
    const rows = new Map<string, NonNullable<ReturnType<typeof toRow>>>();
    for (const template of templates) {
      const row = toRow(tenantId, businessAccountId, template, this.passStart);
      if (row) rows.set(row.metaTemplateId, row);
      else this.result.skipped++;
    }
    if (rows.size === 0) return;
    const written = await db
      .insert(t)
      .values([...rows.values()])
      .onConflictDoUpdate({
        target: [t.tenantId, t.metaTemplateId],
        set: {
          businessAccountId: incoming("business_account_id"),
          name: incoming("name"),
          language: incoming("language"),
          category: incoming("category"),
          status: incoming("status"),
          rejectedReason: reason,
          qualityScore: incoming("quality_score"),
          components: incoming("components"),
          parameterFormat: incoming("parameter_format"),
          deletedAt,
          seenAt: incoming("seen_at"),
          updatedAt: sql`now()`,
        },
        setWhere: changed,
      })
      .returning({ inserted: sql<boolean>`(xmax = 0)` });
    const inserted = written.filter((row) => row.inserted).length;
    this.result.inserted += inserted;
    this.result.updated += written.length - inserted;
    this.result.unchanged += rows.size - written.length;
    for (const id of rows.keys()) listed.add(id);
  }

  /** The account's templates not listed in this pass (nor stamped by an earlier run of it) are gone at Meta. */
  private async markGone(businessAccountId: string, listed: Set<string>) {
    const gone = await this.run.db
      .update(t)
      .set({ status: "deleted", deletedAt: sql`now()`, updatedAt: sql`now()` })
      .where(
        and(
          this.ofAccount(businessAccountId),
          isNull(t.deletedAt),
          or(isNull(t.seenAt), lt(t.seenAt, this.passStart)),
          sql`${t.metaTemplateId} not in ${idSet(listed)}`,
        ),
      )
      .returning({ id: t.id });
    this.result.deleted += gone.length;
  }

  /**
   * Ends the run inside an account's listing: stamps the unchanged templates it listed there and
   * records the resume point and the pass's start, in one statement. Answers false (not complete).
   */
  private async stop(businessAccountId: string, next: string | null, listed: Set<string>): Promise<false> {
    const { db, stateRow } = this.run;
    const resume: Resume = { account: businessAccountId, next };
    const stamped = db.$with("stamped").as(
      db
        .update(t)
        .set({ seenAt: this.passStart })
        .where(
          and(
            this.ofAccount(businessAccountId),
            or(isNull(t.seenAt), lt(t.seenAt, this.passStart)),
            sql`${t.metaTemplateId} in ${idSet(listed)}`,
          ),
        )
        .returning({ id: t.id }),
    );
    const [recorded] = await db
      .with(stamped)
      .update(syncState)
      .set({
        resumeFrom: this.passStart.getTime(),
        lastResult: sql`coalesce(${syncState.lastResult}, '{}'::jsonb) || ${JSON.stringify({ resume })}::jsonb`,
      })
      .where(stateRow)
      .returning({ stamped: sql<number>`(select count(*) from stamped)::int`.mapWith(Number) });
    this.result.stamped += recorded?.stamped ?? 0;
    this.result.resume = resume;
    return false;
  }

  private ofAccount(businessAccountId: string): SQL {
    return and(eq(t.tenantId, this.run.tenantId), eq(t.businessAccountId, businessAccountId)) as SQL;
  }
}

/** The `whatsapp-template-refresh` job: every tenant with a WhatsApp account it can list templates of. */
export const refreshTemplates = tenantJob({
  name: TEMPLATE_REFRESH_JOB,
  tenants: tenantsWithAccounts,
  prepare: accountsOf,
  claimWith: claimResume,
  run: (run, accounts, options: { pageSize?: number }) =>
    new Refresh(run, options.pageSize ?? PAGE_SIZE).pass(accounts),
});
