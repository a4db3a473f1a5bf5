import { and, eq, gt, type SQL, sql } from "drizzle-orm";
import type { z } from "zod";
import type { Database } from "../../db/client";
import {
  CONNECTED_OUTCOMES,
  type ConversationOutcome,
  campaigns,
  conversations,
  prospectConversations,
  prospects,
  queuedLeads,
} from "../../db/schema";
import { shownColumns } from "../../shared/columns";
import type { AuthenticatedCaller, ServiceContext } from "../../shared/context";
import { conflict, notFound } from "../../shared/errors";
import { fromJsonRows, type JsonRow, jsonObjectOf } from "../../shared/json-rows";
import { childPage, correlated } from "../../shared/pagination";
import { insertConversation } from "../inbox/conversations";
import { appendMessages } from "../inbox/messages";
import { ownWorkOf } from "./access";
import type { createProspectConversationBody, listProspectConversationsQuery } from "./conversations.schemas";

/**
 * Spec 001's conversation records: inbox conversations (services/inbox) linked to their prospect by
 * `prospect_conversations`, and for a campaign's call to its campaign, run and queued lead. A sales
 * rep reaches only the conversations of prospects assigned to them; every statement is filtered by
 * the caller's tenant.
 */

const pc = prospectConversations;
const conversationColumns = shownColumns(conversations);

/** The conversation of a link row, as one JSON object read by its primary key. */
const conversationOfLink = correlated(sql<Record<string, unknown>>`(
  select ${jsonObjectOf(conversationColumns)} from ${conversations}
  where ${conversations.tenantId} = ${pc.tenantId} and ${conversations.id} = ${pc.conversationId}
)`);

/** A sales conversation as a page or a read selects it: the link's columns and the conversation's. */
const linkFields = {
  conversationId: pc.conversationId,
  linkedAt: pc.createdAt,
  prospectId: pc.prospectId,
  campaignId: pc.campaignId,
  campaignRunId: pc.campaignRunId,
  queuedLeadId: pc.queuedLeadId,
  isLive: pc.isLive,
  stage: pc.stage,
  endedAt: pc.endedAt,
};
const linkColumns = { ...linkFields, conversation: conversationOfLink.as("conversation") };
type LinkRow = JsonRow<typeof linkFields> & { conversation: Record<string, unknown> };

/** The answer's shape: the inbox conversation's fields beside the link's. */
function flatten({ conversation, conversationId: _id, linkedAt: _at, ...link }: LinkRow) {
  const [fields] = fromJsonRows(conversationColumns, [conversation]);
  return { ...(fields as JsonRow<typeof conversationColumns>), ...link };
}

/** The prospect of the tenant the caller may work: a sales rep's own only. */
const workableProspect = (caller: AuthenticatedCaller, prospectId: string): SQL | undefined => {
  const rep = ownWorkOf(caller);
  return and(
    eq(prospects.tenantId, caller.tenantId),
    eq(prospects.id, prospectId),
    rep ? eq(prospects.assignedTo, rep) : undefined,
  );
};

/**
 * The prospect's conversations, the most recently recorded first, in one statement (its prospect
 * row left-joined to the page, so an unknown prospect, another tenant's or another rep's, is a 404).
 */
export async function listProspectConversations(
  ctx: ServiceContext,
  prospectId: string,
  query: z.infer<typeof listProspectConversationsQuery>,
) {
  const ofConversation = (condition: SQL) =>
    correlated(sql`exists (select 1 from ${conversations}
      where ${conversations.tenantId} = ${pc.tenantId} and ${conversations.id} = ${pc.conversationId} and ${condition})`);
  const page = await childPage(ctx.db, {
    parent: { table: prospects, where: workableProspect(ctx.caller, prospectId) },
    children: {
      table: pc,
      where: and(
        eq(pc.tenantId, ctx.caller.tenantId),
        eq(pc.prospectId, prospectId),
        query.campaignId ? eq(pc.campaignId, query.campaignId) : undefined,
        query.isLive === undefined ? undefined : eq(pc.isLive, query.isLive),
        query.channel ? ofConversation(eq(conversations.channelType, query.channel)) : undefined,
        query.outcome ? ofConversation(eq(conversations.outcome, query.outcome)) : undefined,
      ),
      columns: linkColumns,
    },
    sort: { by: [pc.createdAt, pc.conversationId], direction: "desc" },
    page: query,
  });
  if (!page) throw notFound("Prospect");
  return { ...page, items: page.items.map((item) => flatten(item as LinkRow)) };
}

/** Outcomes that end a queued lead's attempts: the person was reached, or can never be. */
const FINAL_OUTCOMES: readonly ConversationOutcome[] = [...CONNECTED_OUTCOMES, "wrong_number"];

/** The claim a report names: the queued lead and its attempt as next-leads handed it out. */
interface Claim {
  leadId: string;
  attempt: number;
}

/**
 * Records a campaign lead's attempt (the claim that moved it to `contacting` counted it, and set its
 * run): a final outcome makes it `done`; any other (or none) requeues it `retryDelayMinutes` later,
 * or makes it `exhausted` once its attempts reach the campaign's `maxAttempts`. One conditional
 * UPDATE: only a lead of this prospect being contacted under the claim named, still live, moves. A
 * claim that expired may have been handed out again, whose caller is on the line now: its report
 * must not end that attempt. The error path tells none (404) from a lead in another state or
 * under another claim (409).
 */
async function recordLeadAttempt(
  tx: Database,
  tenantId: string,
  prospectId: string,
  claim: Claim,
  outcome: ConversationOutcome | undefined,
) {
  const ofLead = and(
    eq(queuedLeads.tenantId, tenantId),
    eq(queuedLeads.id, claim.leadId),
    eq(queuedLeads.prospectId, prospectId),
  );
  const final = outcome !== undefined && FINAL_OUTCOMES.includes(outcome);
  const exhausted = sql`${queuedLeads.attempts} >= ${campaigns.maxAttempts}`;
  const [lead] = await tx
    .update(queuedLeads)
    .set({
      status: final ? "done" : sql`case when ${exhausted} then 'exhausted' else 'queued' end`,
      nextAttemptAt: final
        ? queuedLeads.nextAttemptAt
        : sql`case when ${exhausted} then ${queuedLeads.nextAttemptAt}
            else now() + ${campaigns.retryDelayMinutes} * interval '1 minute' end`,
      result: outcome ?? null,
      claimedUntil: null,
      updatedAt: sql`now()`,
    })
    .from(campaigns)
    .where(
      and(
        ofLead,
        eq(queuedLeads.status, "contacting"),
        eq(queuedLeads.attempts, claim.attempt),
        gt(queuedLeads.claimedUntil, sql`now()`),
        eq(campaigns.tenantId, queuedLeads.tenantId),
        eq(campaigns.id, queuedLeads.campaignId),
      ),
    )
    .returning({ campaignId: queuedLeads.campaignId, runId: queuedLeads.runId });
  if (lead) return lead;
  // The error path only: no such lead of this prospect, one not being contacted, or not under this live claim.
  const [current] = await tx
    .select({ status: queuedLeads.status, attempts: queuedLeads.attempts })
    .from(queuedLeads)
    .where(ofLead);
  if (!current) throw notFound("Queued lead of this prospect");
  if (current.status !== "contacting") {
    throw conflict(
      `The queued lead is ${current.status}, not contacting: only a lead being contacted records an attempt`,
    );
  }
  if (current.attempts !== claim.attempt) {
    throw conflict(
      `The lead is at attempt ${current.attempts}, not ${claim.attempt}: the claim on this lead expired and it was ` +
        "handed out again; record the conversation without queuedLeadId",
    );
  }
  throw conflict(
    "The claim on this lead expired (the lead may be handed out again); record the conversation without queuedLeadId",
  );
}

/**
 * Records a conversation with a prospect in one transaction: the prospect moves from `new` to
 * `contacted` (never back; its row stays locked to the end), a queued lead's attempt is recorded
 * and the conversation linked to its campaign and run, the inbox conversation is inserted (and
 * announced), linked, and its transcript messages appended in order in one batch (a constant number
 * of statements, however long the transcript), stored as delivered (they were said, not waiting to
 * be sent). Answers the conversation as the list shows it.
 */
export async function createProspectConversation(
  ctx: ServiceContext,
  prospectId: string,
  input: z.infer<typeof createProspectConversationBody>,
) {
  const { tenantId } = ctx.caller;
  const { channel, isLive, messages = [], queuedLeadId, queuedLeadAttempt, ...fields } = input;
  return ctx.db.transaction(async (tx) => {
    const becomesContacted = eq(prospects.status, "new");
    const [prospect] = await tx
      .update(prospects)
      .set({
        status: sql`case when ${becomesContacted} then 'contacted' else ${prospects.status} end`,
        updatedAt: sql`case when ${becomesContacted} then now() else ${prospects.updatedAt} end`,
      })
      .where(workableProspect(ctx.caller, prospectId))
      .returning({ id: prospects.id });
    if (!prospect) throw notFound("Prospect");
    const lead =
      queuedLeadId && queuedLeadAttempt
        ? await recordLeadAttempt(
            tx,
            tenantId,
            prospectId,
            { leadId: queuedLeadId, attempt: queuedLeadAttempt },
            fields.outcome,
          )
        : undefined;
    const conversation = await insertConversation(tx, tenantId, { ...fields, channelType: channel });
    await tx.insert(pc).values({
      conversationId: conversation.id,
      tenantId,
      prospectId,
      campaignId: lead?.campaignId,
      campaignRunId: lead?.runId,
      queuedLeadId,
      isLive,
      endedAt: isLive ? null : sql`now()`,
    });
    await appendMessages(
      tx,
      tenantId,
      conversation.id,
      messages.map(({ direction: _direction, ...message }) => ({
        ...message,
        status: "delivered",
        contentType: "text",
      })),
    );
    return readProspectConversation(tx, tenantId, conversation.id);
  });
}

async function readProspectConversation(db: Database, tenantId: string, conversationId: string) {
  const [row] = await db
    .select(linkColumns)
    .from(pc)
    .where(and(eq(pc.tenantId, tenantId), eq(pc.conversationId, conversationId)));
  if (!row) throw new Error("the conversation just recorded was not found");
  return flatten(row as LinkRow);
}
