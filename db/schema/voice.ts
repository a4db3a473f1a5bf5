import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  boolean,
  doublePrecision,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
} from "drizzle-orm/pg-core";
import { createdAt, oneOf, updatedAt } from "./columns";
import { tenantColumn } from "./platform";
import { settingsSection } from "./settings-section";

/** Retell's call lifecycle, in the order a call moves through it (spec 004, Retell's `call_status`). */
export const CALL_STATUSES = ["registered", "ongoing", "not_connected", "ended", "error"] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];
export const AGENT_STATUSES = ["ACTIVE", "INACTIVE"] as const;
export const CALL_TYPES = ["web_call", "phone_call"] as const;
export const CALL_DIRECTIONS = ["inbound", "outbound"] as const;

/** The tenant's Retell API key (`/api/settings`' retellConfig): it signs the webhooks and lists the calls. */
export const retellSettings = settingsSection("retellConfig", { fields: {}, secrets: ["apiKey"] });

/** A Retell agent the tenant's calls were taken by (spec 004's agents table). */
export const agents = pgTable(
  "agents",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: tenantColumn(),
    /** Retell's agent id. */
    agentId: text().notNull(),
    agentName: text(),
    status: text().$type<(typeof AGENT_STATUSES)[number]>().notNull().default("ACTIVE"),
    /**
     * How many calls the agent has, exact: kept by triggers on calls (migration 0009_agent_call_count)
     * in the statement that inserts or deletes them. Call history's total, never counted per page.
     */
    callCount: integer().notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  // A constraint, not just an index, so calls can reference (tenant_id, agent_id); the webhook
  // finds an agent's tenants by agent_id alone.
  (t) => [
    unique().on(t.tenantId, t.agentId),
    index().on(t.agentId),
    oneOf("agents_status_check", t.status, AGENT_STATUSES),
  ],
);

/** One Retell call (spec 004's calls table, extended with what Retell's call object carries). */
export const calls = pgTable(
  "calls",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: tenantColumn(),
    /** Retell's call id, unique per tenant. */
    callId: text().notNull(),
    /** Retell's agent id; with tenant_id, a reference to agents. */
    agentId: text().notNull(),
    agentVersion: integer(),
    callType: text().$type<(typeof CALL_TYPES)[number]>().notNull(),
    direction: text().$type<(typeof CALL_DIRECTIONS)[number]>(),
    fromNumber: text(),
    toNumber: text(),
    callStatus: text().$type<CallStatus>().notNull(),
    startedAt: timestamp({ withTimezone: true }),
    endedAt: timestamp({ withTimezone: true }),
    durationMs: integer(),
    /** Retell's `call_cost.combined_cost`: the call's total cost in cents (fractional). */
    costCents: doublePrecision(),
    transcript: text(),
    transcriptObject: jsonb(),
    recordingUrl: text(),
    publicLogUrl: text(),
    disconnectionReason: text(),
    /** True once Retell's post-call analysis has arrived. */
    analyzed: boolean().notNull().default(false),
    callSummary: text(),
    userSentiment: text(),
    callSuccessful: boolean(),
    inVoicemail: boolean(),
    customAnalysisData: jsonb(),
    metadata: jsonb(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique().on(t.tenantId, t.callId),
    foreignKey({ columns: [t.tenantId, t.agentId], foreignColumns: [agents.tenantId, agents.agentId] }).onDelete(
      "cascade",
    ),
    // One per call-history sort, each serving both directions (shared/pagination.ts).
    index().on(t.tenantId, t.agentId, t.startedAt, t.id),
    index().on(t.tenantId, t.agentId, t.durationMs, t.id),
    index().on(t.tenantId, t.agentId, t.costCents, t.id),
    index().on(t.tenantId, t.startedAt.desc()),
    index("calls_unsettled_idx").on(t.tenantId, t.startedAt).where(unsettled(t)),
    oneOf("calls_call_type_check", t.callType, CALL_TYPES),
    oneOf("calls_direction_check", t.direction, CALL_DIRECTIONS),
    oneOf("calls_call_status_check", t.callStatus, CALL_STATUSES),
  ],
);

/** A call a sync must list again: not finished, or ended without its analysis or transcript yet. */
function unsettled(t: { callStatus: AnyPgColumn; analyzed: AnyPgColumn; transcript: AnyPgColumn }) {
  return sql`(${t.callStatus} in ('registered', 'ongoing') or (${t.callStatus} = 'ended' and (not ${t.analyzed} or ${t.transcript} is null)))`;
}
export const callIsUnsettled = unsettled(calls);
