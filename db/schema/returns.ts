import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  doublePrecision,
  foreignKey,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { createdAt, oneOf, updatedAt } from "./columns";
import { conversations } from "./inbox";
import { tenantColumn, users } from "./platform";

/** The returns desk (spec 000). `tenant_id` is the spec's `business_id`. */

export const RETURN_STATUSES = ["pending_triage", "pending_review", "approved", "denied", "completed"] as const;
export type ReturnStatus = (typeof RETURN_STATUSES)[number];
export const RECOMMENDATIONS = ["approve", "deny", "review"] as const;
export type Recommendation = (typeof RECOMMENDATIONS)[number];
/**
 * Spec 000's chat session and message vocabulary. Sessions and messages are inbox conversations and
 * messages (services/returns/chat.ts maps one onto the other); these are the values its routes speak.
 */
export const CHAT_MODES = ["normal", "messenger", "whatsapp", "shopify", "woocommerce"] as const;
export const CHAT_SESSION_TYPES = ["test_mode", "live_support"] as const;
export const CHAT_SENDERS = ["user", "agent", "system"] as const;
export const CHAT_MESSAGE_TYPES = ["text", "image", "file", "audio", "video"] as const;
export const CALL_SESSION_TYPES = ["voice", "video", "test"] as const;
export const CALL_PROVIDERS = ["elevenlabs", "tavus", "test"] as const;
export const CALL_SESSION_STATUSES = ["initiated", "connecting", "active", "ended", "failed"] as const;
export type CallSessionStatus = (typeof CALL_SESSION_STATUSES)[number];
/**
 * Providers whose settings (API keys among them) a tenant keeps as provider configs: each is a kind of
 * credential in the platform's store (services/platform/credentials.ts), named by the tenant.
 */
export const CONFIG_PROVIDERS = ["elevenlabs", "tavus"] as const;

/** A version of a tenant's return policy; `rules` follows services/returns/policy-rules.ts. */
export const policies = pgTable(
  "policies",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    tenantId: tenantColumn(),
    version: text().notNull(),
    isActive: boolean().notNull().default(false),
    effectiveDate: timestamp({ withTimezone: true }),
    rules: jsonb().notNull(),
    createdBy: uuid().references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique().on(t.tenantId, t.version),
    // At most one active policy per tenant, whatever the code does.
    uniqueIndex("policies_one_active_per_tenant").on(t.tenantId).where(sql`${t.isActive}`),
    index().on(t.tenantId, t.createdAt, t.id),
  ],
);

/** A customer's return request; filed without an account, triaged by staff. */
export const returnRequests = pgTable(
  "return_requests",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    /** What the customer is given to look the request up; the bigint id stays internal. */
    publicId: uuid().notNull().unique().defaultRandom(),
    tenantId: tenantColumn(),
    orderId: text().notNull(),
    customerEmail: text().notNull(),
    reasonForReturn: text().notNull(),
    /** The customer's own words beside the reason. */
    reasonDetails: text(),
    productCategory: text(),
    purchaseDate: timestamp({ withTimezone: true }),
    requestedResolution: text(),
    status: text().$type<ReturnStatus>().notNull().default("pending_triage"),
    evidenceUrls: text().array().notNull().default(sql`'{}'::text[]`),
    conversationLog: jsonb(),
    aiRecommendation: text().$type<Recommendation>(),
    aiConfidenceScore: doublePrecision(),
    /** The whole evaluation (reasons, window, policy version) the recommendation came from. */
    aiEvaluation: jsonb(),
    adminNotes: text(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    oneOf("return_requests_status_check", t.status, RETURN_STATUSES),
    check(
      "return_requests_ai_confidence_check",
      sql`${t.aiConfidenceScore} is null or (${t.aiConfidenceScore} >= 0 and ${t.aiConfidenceScore} <= 1)`,
    ),
    index().on(t.tenantId, t.createdAt, t.id),
    index().on(t.tenantId, t.status, t.createdAt, t.id),
    index("return_requests_tenant_email_idx").on(t.tenantId, sql`lower(${t.customerEmail})`),
  ],
);

export const callSessions = pgTable(
  "call_sessions",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: tenantColumn(),
    /** The chat session (an inbox conversation) the call was started from. */
    chatSessionId: uuid(),
    callType: text().$type<(typeof CALL_SESSION_TYPES)[number]>().notNull(),
    provider: text().$type<(typeof CALL_PROVIDERS)[number]>().notNull(),
    externalSessionId: text(),
    status: text().$type<CallSessionStatus>().notNull().default("initiated"),
    durationSeconds: integer().notNull().default(0),
    providerData: jsonb(),
    elevenlabsAgentId: text(),
    elevenlabsConversationId: text(),
    tavusReplicaId: text(),
    tavusConversationId: text(),
    sessionUrl: text(),
    webhookData: jsonb(),
    isActive: boolean().notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    /** When the call became active; its duration runs from here. */
    activatedAt: timestamp({ withTimezone: true }),
    endedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    unique().on(t.tenantId, t.id),
    foreignKey({
      columns: [t.tenantId, t.chatSessionId],
      foreignColumns: [conversations.tenantId, conversations.id],
    }).onDelete("cascade"),
    oneOf("call_sessions_type_check", t.callType, CALL_SESSION_TYPES),
    oneOf("call_sessions_provider_check", t.provider, CALL_PROVIDERS),
    oneOf("call_sessions_status_check", t.status, CALL_SESSION_STATUSES),
    check("call_sessions_duration_check", sql`${t.durationSeconds} >= 0`),
    index().on(t.tenantId, t.createdAt, t.id),
  ],
);

export const callTranscripts = pgTable(
  "call_transcripts",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: uuid().notNull(),
    callSessionId: uuid().notNull(),
    speaker: text().$type<(typeof CHAT_SENDERS)[number]>().notNull(),
    message: text().notNull(),
    timestampSeconds: numeric({ mode: "number" }),
    confidenceScore: numeric({ mode: "number" }),
    createdAt: createdAt(),
  },
  (t) => [
    foreignKey({
      columns: [t.tenantId, t.callSessionId],
      foreignColumns: [callSessions.tenantId, callSessions.id],
    }).onDelete("cascade"),
    oneOf("call_transcripts_speaker_check", t.speaker, CHAT_SENDERS),
    // Named: the generated name would pass Postgres's 63 characters.
    index("call_transcripts_call_order_idx").on(t.tenantId, t.callSessionId, t.timestampSeconds, t.createdAt, t.id),
  ],
);

export const callAnalytics = pgTable(
  "call_analytics",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: uuid().notNull(),
    callSessionId: uuid().notNull(),
    provider: text().notNull(),
    metrics: jsonb(),
    events: jsonb(),
    createdAt: createdAt(),
  },
  (t) => [
    foreignKey({
      columns: [t.tenantId, t.callSessionId],
      foreignColumns: [callSessions.tenantId, callSessions.id],
    }).onDelete("cascade"),
    index().on(t.tenantId, t.callSessionId, t.createdAt, t.id),
  ],
);
