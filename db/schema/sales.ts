import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  customType,
  doublePrecision,
  foreignKey,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { createdAt, oneOf, updatedAt } from "./columns";
import { conversations } from "./inbox";
import { tenantColumn, users } from "./platform";

/**
 * Real-estate sales (spec 001): properties, prospects, campaigns and their runs and queued leads,
 * appointments, hand-off packages to human reps, integrations, routing rules, and what the AI agent
 * records during a conversation. Spec 001's conversations and transcript messages are the inbox's
 * (`conversations`, `messages`): `prospect_conversations` links one to its prospect and, for a
 * campaign's call, to the campaign, run and queued lead, and holds the live conversation state.
 * Every child references its parent by `(tenant_id, parent_id)`, so no row points into another tenant.
 */

export const PROPERTY_TYPES = ["villa", "apartment", "penthouse", "townhouse"] as const;
export type PropertyType = (typeof PROPERTY_TYPES)[number];
export const PROPERTY_STATUSES = ["available", "reserved", "sold"] as const;
export const PROSPECT_STATUSES = ["new", "contacted", "qualified", "appointment_set", "closed", "lost"] as const;
export type ProspectStatus = (typeof PROSPECT_STATUSES)[number];
/** How a prospect is reached (spec 001's conversation channels). */
export const SALES_CHANNELS = ["phone", "whatsapp", "sms", "email"] as const;
export type SalesChannel = (typeof SALES_CHANNELS)[number];
export const CAMPAIGN_STATUSES = ["draft", "active", "paused", "completed"] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
export const CAMPAIGN_RUN_STATUSES = ["running", "completed"] as const;
/**
 * A queued lead: `queued` waits for `next_attempt_at`; `contacting` is claimed by one caller until
 * `claimed_until`; `done` reached an outcome; `exhausted` ran out of attempts; `removed` taken off the campaign.
 */
export const QUEUED_LEAD_STATUSES = ["queued", "contacting", "done", "exhausted", "removed"] as const;
export type QueuedLeadStatus = (typeof QUEUED_LEAD_STATUSES)[number];
/** What a sales conversation came to (spec 001's outcome); the first five reached the person. */
export const CONVERSATION_OUTCOMES = [
  "connected",
  "qualified",
  "appointment_booked",
  "callback_requested",
  "not_interested",
  "voicemail",
  "no_answer",
  "busy",
  "wrong_number",
  "failed",
] as const;
export type ConversationOutcome = (typeof CONVERSATION_OUTCOMES)[number];
export const CONNECTED_OUTCOMES = [
  "connected",
  "qualified",
  "appointment_booked",
  "callback_requested",
  "not_interested",
] as const satisfies readonly ConversationOutcome[];
export const APPOINTMENT_STATUSES = ["scheduled", "completed", "no_show", "rescheduled"] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];
export const HANDOFF_PRIORITIES = ["high", "medium", "low"] as const;
export type HandoffPriority = (typeof HANDOFF_PRIORITIES)[number];
export const HANDOFF_STATUSES = ["pending", "claimed", "completed", "expired"] as const;
export type HandoffStatus = (typeof HANDOFF_STATUSES)[number];
export const INTEGRATION_TYPES = ["crm", "telephony", "calendar", "messaging", "email"] as const;
export const INTEGRATION_STATUSES = ["connected", "disconnected", "error"] as const;
/** What the AI agent detects in a conversation; the first five fill the prospect's empty fields. */
export const ENTITY_TYPES = [
  "budget",
  "timeline",
  "city",
  "property_type",
  "bedrooms",
  "name",
  "email",
  "other",
] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];
export const PLAN_STEP_STATUSES = ["pending", "in_progress", "completed", "skipped", "failed"] as const;

/** Postgres full-text search's document type, for generated search columns. */
const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

/** Money of a listing or a budget: exact, never a float; read as a decimal string. */
const money = () => numeric({ precision: 14, scale: 2 });

/** `(tenant_id, id)` of a parent: what every child's composite foreign key references. */
const tenantKey = (t: { tenantId: AnyPgColumn; id: AnyPgColumn }) => unique().on(t.tenantId, t.id);

/**
 * A rep's standing in the sales team: whether routing may give them new prospects. A user of a rep
 * role with no row is active; the row is written when a manager changes it.
 */
export const salesReps = pgTable(
  "sales_reps",
  {
    tenantId: tenantColumn(),
    userId: uuid().notNull(),
    isActive: boolean().notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.userId] }),
    foreignKey({ columns: [t.tenantId, t.userId], foreignColumns: [users.tenantId, users.id] }).onDelete("cascade"),
  ],
);

/**
 * A listing. Spec 001's `price_range` is `price_min`–`price_max` (max null: one price), so it can be
 * filtered and compared with a budget. `features` is a JSON array of strings rather than text[]: the
 * generated search column may use only immutable functions, and `to_tsvector(regconfig, jsonb)` is
 * one where `array_to_string` is not.
 */
export const properties = pgTable(
  "properties",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: tenantColumn(),
    name: text().notNull(),
    city: text().notNull(),
    priceMin: money().notNull(),
    priceMax: money(),
    currency: text().notNull().default("USD"),
    bedrooms: integer().notNull(),
    type: text().$type<PropertyType>().notNull(),
    status: text().$type<(typeof PROPERTY_STATUSES)[number]>().notNull().default("available"),
    imageUrl: text(),
    description: text(),
    features: jsonb().$type<string[]>().notNull().default([]),
    /** Name, city, description and features, for `?search=` (English stemming: "villas" finds "villa"). */
    searchVector: tsvector()
      .notNull()
      .generatedAlwaysAs(
        sql`to_tsvector('english'::regconfig, name || ' ' || city || ' ' || coalesce(description, '')) || to_tsvector('english'::regconfig, features)`,
      ),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    tenantKey(t),
    oneOf("properties_type_check", t.type, PROPERTY_TYPES),
    oneOf("properties_status_check", t.status, PROPERTY_STATUSES),
    check(
      "properties_price_check",
      sql`${t.priceMin} >= 0 and (${t.priceMax} is null or ${t.priceMax} >= ${t.priceMin})`,
    ),
    check("properties_bedrooms_check", sql`${t.bedrooms} between 0 and 100`),
    check("properties_currency_check", sql`${t.currency} ~ '^[A-Z]{3}$'`),
    check("properties_features_check", sql`jsonb_typeof(${t.features}) = 'array'`),
    index().on(t.tenantId, t.createdAt, t.id),
    index().on(t.tenantId, t.status, t.createdAt, t.id),
    index("properties_tenant_city_index").on(t.tenantId, sql`lower(${t.city})`, t.createdAt, t.id),
    // The bounded counts of the city/status and price/bedrooms filters, and hand-off suggestions (a
    // city's available listings within a budget), read these alone (index-only): no table scan.
    index("properties_tenant_city_status_index").on(t.tenantId, sql`lower(${t.city})`, t.status, t.priceMin, t.city),
    index().on(t.tenantId, t.priceMin, t.bedrooms, t.priceMax),
    index("properties_search_index").using("gin", t.searchVector),
  ],
);

/**
 * Someone the business hopes to sell to. `assigned_to` is a rep of the tenant (routing rules set it
 * on creation); `preferred_property_type` and `bedrooms` are what the AI agent detects beside spec
 * 001's budget, city and timeline.
 */
export const prospects = pgTable(
  "prospects",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: tenantColumn(),
    name: text().notNull(),
    email: text(),
    phone: text(),
    whatsapp: text(),
    budget: money(),
    city: text(),
    timeline: text(),
    preferredPropertyType: text().$type<PropertyType>(),
    bedrooms: integer(),
    status: text().$type<ProspectStatus>().notNull().default("new"),
    /** A rep of the tenant; resolved in the caller's tenant on every write. */
    assignedTo: uuid().references(() => users.id, { onDelete: "set null" }),
    /** The routing rule that assigned it, when one did. */
    routingRuleId: uuid(),
    preferredChannel: text().$type<SalesChannel>(),
    /** Name, email, phone numbers (digits only, so "97150" finds +971 50 ...), for `?search=`. */
    searchVector: tsvector()
      .notNull()
      .generatedAlwaysAs(
        sql`to_tsvector('simple'::regconfig, name || ' ' || coalesce(email, '') || ' ' || coalesce(replace(email, '@', ' '), '') || ' ' || coalesce(regexp_replace(phone, '[^0-9]', '', 'g'), '') || ' ' || coalesce(regexp_replace(whatsapp, '[^0-9]', '', 'g'), ''))`,
      ),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    tenantKey(t),
    oneOf("prospects_status_check", t.status, PROSPECT_STATUSES),
    oneOf("prospects_preferred_channel_check", t.preferredChannel, SALES_CHANNELS),
    oneOf("prospects_property_type_check", t.preferredPropertyType, PROPERTY_TYPES),
    check("prospects_budget_check", sql`${t.budget} >= 0`),
    check("prospects_bedrooms_check", sql`${t.bedrooms} between 0 and 100`),
    uniqueIndex("prospects_tenant_email_key").on(t.tenantId, sql`lower(${t.email})`),
    index().on(t.tenantId, t.createdAt, t.id),
    index().on(t.tenantId, t.status, t.createdAt, t.id),
    index().on(t.tenantId, t.assignedTo, t.createdAt, t.id),
    index("prospects_tenant_city_index").on(t.tenantId, sql`lower(${t.city})`, t.createdAt, t.id),
    index("prospects_search_index").using("gin", t.searchVector),
  ],
);

/**
 * Assigns new prospects: the active rule of lowest `priority` whose conditions all hold (an empty
 * list or a null bound matches anything) gives the prospect to the next of its active reps, round
 * robin by `assignment_count`, which each assignment bumps under the rule's row lock.
 */
export const routingRules = pgTable(
  "routing_rules",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: tenantColumn(),
    name: text().notNull(),
    priority: integer().notNull().default(100),
    isActive: boolean().notNull().default(true),
    /** Lower case; empty matches any city. */
    cities: text().array().notNull().default(sql`'{}'::text[]`),
    minBudget: money(),
    maxBudget: money(),
    /** Preferred channels; empty matches any. */
    channels: text().array().$type<SalesChannel[]>().notNull().default(sql`'{}'::text[]`),
    /** Users of the tenant with a rep role, resolved in the tenant on write; deleted users are skipped. */
    repIds: uuid().array().notNull(),
    assignmentCount: bigint({ mode: "number" }).notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    tenantKey(t),
    check(
      "routing_rules_budget_check",
      sql`${t.minBudget} is null or ${t.maxBudget} is null or ${t.minBudget} <= ${t.maxBudget}`,
    ),
    index().on(t.tenantId, t.priority, t.id),
  ],
);

export const campaigns = pgTable(
  "campaigns",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: tenantColumn(),
    name: text().notNull(),
    segment: text(),
    status: text().$type<CampaignStatus>().notNull().default("draft"),
    channels: text().array().$type<SalesChannel[]>().notNull().default(sql`'{}'::text[]`),
    /** Attempts per lead before it is exhausted, and the wait before the next one. */
    maxAttempts: integer().notNull().default(3),
    retryDelayMinutes: integer().notNull().default(60),
    createdBy: uuid().references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    tenantKey(t),
    oneOf("campaigns_status_check", t.status, CAMPAIGN_STATUSES),
    check("campaigns_attempts_check", sql`${t.maxAttempts} between 1 and 20`),
    check("campaigns_retry_delay_check", sql`${t.retryDelayMinutes} between 1 and 43200`),
    index().on(t.tenantId, t.createdAt, t.id),
    index().on(t.tenantId, t.status, t.createdAt, t.id),
  ],
);

/** One execution of a campaign; at most one runs at a time. Its counts are derived, never stored. */
export const campaignRuns = pgTable(
  "campaign_runs",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: uuid().notNull(),
    campaignId: uuid().notNull(),
    status: text().$type<(typeof CAMPAIGN_RUN_STATUSES)[number]>().notNull().default("running"),
    startedBy: uuid().references(() => users.id, { onDelete: "set null" }),
    startedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    endedAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    tenantKey(t),
    foreignKey({ columns: [t.tenantId, t.campaignId], foreignColumns: [campaigns.tenantId, campaigns.id] }).onDelete(
      "cascade",
    ),
    oneOf("campaign_runs_status_check", t.status, CAMPAIGN_RUN_STATUSES),
    uniqueIndex("campaign_runs_one_running_key").on(t.campaignId).where(sql`${t.status} = 'running'`),
    index().on(t.tenantId, t.campaignId, t.startedAt),
  ],
);

/** A campaign's prospect to contact: never two at once (a claim holds it until `claimed_until`). */
export const queuedLeads = pgTable(
  "queued_leads",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: uuid().notNull(),
    campaignId: uuid().notNull(),
    prospectId: uuid().notNull(),
    status: text().$type<QueuedLeadStatus>().notNull().default("queued"),
    attempts: integer().notNull().default(0),
    nextAttemptAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    claimedUntil: timestamp({ withTimezone: true }),
    /** The run of the latest attempt. */
    runId: uuid(),
    lastAttemptAt: timestamp({ withTimezone: true }),
    /** The latest attempt's outcome. */
    result: text().$type<ConversationOutcome>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    tenantKey(t),
    foreignKey({ columns: [t.tenantId, t.campaignId], foreignColumns: [campaigns.tenantId, campaigns.id] }).onDelete(
      "cascade",
    ),
    foreignKey({ columns: [t.tenantId, t.prospectId], foreignColumns: [prospects.tenantId, prospects.id] }).onDelete(
      "cascade",
    ),
    foreignKey({ columns: [t.tenantId, t.runId], foreignColumns: [campaignRuns.tenantId, campaignRuns.id] }),
    unique().on(t.campaignId, t.prospectId),
    oneOf("queued_leads_status_check", t.status, QUEUED_LEAD_STATUSES),
    oneOf("queued_leads_result_check", t.result, CONVERSATION_OUTCOMES),
    check("queued_leads_attempts_check", sql`${t.attempts} >= 0`),
    index().on(t.tenantId, t.campaignId, t.status, t.nextAttemptAt),
    index().on(t.tenantId, t.campaignId, t.nextAttemptAt, t.id),
    index().on(t.tenantId, t.prospectId),
  ],
);

/**
 * Spec 001's conversation record: an inbox conversation (which holds channel, outcome, sentiment,
 * transcript, duration, AI confidence, hand-off suggestion and message count) linked to its prospect
 * and, for a campaign's attempt, its campaign, run and lead; plus spec 001's live conversation state.
 */
export const prospectConversations = pgTable(
  "prospect_conversations",
  {
    conversationId: uuid().primaryKey(),
    tenantId: uuid().notNull(),
    prospectId: uuid().notNull(),
    campaignId: uuid(),
    campaignRunId: uuid(),
    queuedLeadId: uuid(),
    /** Live state: whether the AI agent is in it now, the stage it has reached, and its working state. */
    isLive: boolean().notNull().default(true),
    stage: text(),
    state: jsonb().$type<Record<string, unknown>>(),
    endedAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique().on(t.tenantId, t.conversationId),
    foreignKey({
      columns: [t.tenantId, t.conversationId],
      foreignColumns: [conversations.tenantId, conversations.id],
    }).onDelete("cascade"),
    foreignKey({ columns: [t.tenantId, t.prospectId], foreignColumns: [prospects.tenantId, prospects.id] }).onDelete(
      "cascade",
    ),
    foreignKey({ columns: [t.tenantId, t.campaignId], foreignColumns: [campaigns.tenantId, campaigns.id] }),
    foreignKey({ columns: [t.tenantId, t.campaignRunId], foreignColumns: [campaignRuns.tenantId, campaignRuns.id] }),
    foreignKey({ columns: [t.tenantId, t.queuedLeadId], foreignColumns: [queuedLeads.tenantId, queuedLeads.id] }),
    index().on(t.tenantId, t.prospectId, t.createdAt, t.conversationId),
    index().on(t.tenantId, t.campaignId),
    index().on(t.tenantId, t.campaignRunId),
  ],
);

/** The columns every AI-agent record shares: the conversation it happened in and its prospect. */
const agentRecord = {
  id: uuid().primaryKey().defaultRandom(),
  tenantId: uuid().notNull(),
  conversationId: uuid().notNull(),
  prospectId: uuid().notNull(),
};
const agentRecordKeys = (t: { tenantId: AnyPgColumn; conversationId: AnyPgColumn; prospectId: AnyPgColumn }) => [
  foreignKey({
    columns: [t.tenantId, t.conversationId],
    foreignColumns: [prospectConversations.tenantId, prospectConversations.conversationId],
  }).onDelete("cascade"),
  foreignKey({ columns: [t.tenantId, t.prospectId], foreignColumns: [prospects.tenantId, prospects.id] }).onDelete(
    "cascade",
  ),
];

/** What the AI agent did in a conversation (called, sent a listing, booked a viewing...). */
export const agentActions = pgTable(
  "agent_actions",
  {
    ...agentRecord,
    type: text().notNull(),
    description: text(),
    payload: jsonb().$type<Record<string, unknown>>(),
    occurredAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    createdAt: createdAt(),
  },
  (t) => [...agentRecordKeys(t), index().on(t.tenantId, t.conversationId, t.occurredAt)],
);

/** Something the AI agent heard (a budget, a timeline, a city...), with its confidence. */
export const detectedEntities = pgTable(
  "detected_entities",
  {
    ...agentRecord,
    type: text().$type<EntityType>().notNull(),
    value: text().notNull(),
    confidence: doublePrecision(),
    detectedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    ...agentRecordKeys(t),
    oneOf("detected_entities_type_check", t.type, ENTITY_TYPES),
    check("detected_entities_confidence_check", sql`${t.confidence} between 0 and 1`),
    index().on(t.tenantId, t.prospectId, t.type, t.detectedAt),
    index().on(t.tenantId, t.conversationId),
  ],
);

/** The AI agent's scoring of a prospect (0–100 each); the latest is the prospect's current score. */
export const qualificationScores = pgTable(
  "qualification_scores",
  {
    ...agentRecord,
    overall: integer().notNull(),
    budget: integer(),
    timeline: integer(),
    intent: integer(),
    engagement: integer(),
    notes: text(),
    scoredAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    ...agentRecordKeys(t),
    check(
      "qualification_scores_range_check",
      sql`${t.overall} between 0 and 100 and coalesce(${t.budget}, 0) between 0 and 100 and coalesce(${t.timeline}, 0) between 0 and 100 and coalesce(${t.intent}, 0) between 0 and 100 and coalesce(${t.engagement}, 0) between 0 and 100`,
    ),
    index().on(t.tenantId, t.prospectId, t.scoredAt),
  ],
);

/** The AI agent's plan for a conversation: ordered steps, each with its status. */
export const agentPlanSteps = pgTable(
  "agent_plan_steps",
  {
    ...agentRecord,
    position: integer().notNull(),
    description: text().notNull(),
    status: text().$type<(typeof PLAN_STEP_STATUSES)[number]>().notNull().default("pending"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    ...agentRecordKeys(t),
    unique().on(t.conversationId, t.position),
    oneOf("agent_plan_steps_status_check", t.status, PLAN_STEP_STATUSES),
    check("agent_plan_steps_position_check", sql`${t.position} >= 0`),
  ],
);

/**
 * A viewing. A rep's appointments that are still to happen (`scheduled`, `rescheduled`) never
 * overlap: services/sales/appointments.ts checks under a lock on the rep. Spec 001's prospect,
 * property and rep names are joined on read, never copied.
 */
export const appointments = pgTable(
  "appointments",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: uuid().notNull(),
    prospectId: uuid().notNull(),
    propertyId: uuid(),
    assignedRepId: uuid().references(() => users.id, { onDelete: "set null" }),
    /** The conversation that booked it, which a campaign run counts as a booking. */
    conversationId: uuid(),
    scheduledAt: timestamp({ withTimezone: true }).notNull(),
    durationMinutes: integer().notNull().default(60),
    location: text(),
    status: text().$type<AppointmentStatus>().notNull().default("scheduled"),
    notes: text(),
    sourceChannel: text().$type<SalesChannel>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    tenantKey(t),
    foreignKey({ columns: [t.tenantId, t.prospectId], foreignColumns: [prospects.tenantId, prospects.id] }).onDelete(
      "cascade",
    ),
    foreignKey({ columns: [t.tenantId, t.propertyId], foreignColumns: [properties.tenantId, properties.id] }),
    foreignKey({
      columns: [t.tenantId, t.conversationId],
      foreignColumns: [prospectConversations.tenantId, prospectConversations.conversationId],
    }),
    oneOf("appointments_status_check", t.status, APPOINTMENT_STATUSES),
    oneOf("appointments_source_channel_check", t.sourceChannel, SALES_CHANNELS),
    check("appointments_duration_check", sql`${t.durationMinutes} between 5 and 1440`),
    index().on(t.tenantId, t.scheduledAt, t.id),
    index().on(t.tenantId, t.prospectId, t.scheduledAt),
    index().on(t.tenantId, t.assignedRepId, t.scheduledAt),
    index().on(t.tenantId, t.status, t.scheduledAt),
    index().on(t.tenantId, t.conversationId),
  ],
);

/**
 * Everything a human rep needs to take a prospect over (spec 001's handoff_packages): a snapshot of
 * the prospect and what the AI learned, written once. At most one per appointment. A pending package
 * past `expires_at` is expired by the `handoff-expiry` job.
 */
export const handoffPackages = pgTable(
  "handoff_packages",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: uuid().notNull(),
    /** The conversation it came from; a copy of its context is kept, so no foreign key holds it. */
    conversationId: uuid(),
    prospectId: uuid().notNull(),
    appointmentId: uuid(),
    prospectName: text().notNull(),
    prospectPhone: text(),
    prospectEmail: text(),
    prospectWhatsapp: text(),
    priority: text().$type<HandoffPriority>().notNull(),
    reason: text().notNull(),
    summary: text().notNull(),
    detectedNeeds: text().array().notNull().default(sql`'{}'::text[]`),
    /** Ranked suggestions: `{ id, name, city, type, bedrooms, priceMin, priceMax, currency }`. */
    suggestedProperties: jsonb().$type<Record<string, unknown>[]>().notNull().default([]),
    qualificationScore: jsonb().$type<Record<string, unknown>>().notNull(),
    conversationContext: text(),
    nextSteps: text().array().notNull().default(sql`'{}'::text[]`),
    status: text().$type<HandoffStatus>().notNull().default("pending"),
    claimedBy: uuid().references(() => users.id, { onDelete: "set null" }),
    claimedAt: timestamp({ withTimezone: true }),
    completedAt: timestamp({ withTimezone: true }),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    sourceChannel: text().$type<SalesChannel>(),
    suggestedFollowUpChannel: text().$type<SalesChannel>(),
    createdBy: uuid().references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    tenantKey(t),
    foreignKey({ columns: [t.tenantId, t.prospectId], foreignColumns: [prospects.tenantId, prospects.id] }).onDelete(
      "cascade",
    ),
    foreignKey({ columns: [t.tenantId, t.appointmentId], foreignColumns: [appointments.tenantId, appointments.id] }),
    uniqueIndex("handoff_packages_appointment_key").on(t.tenantId, t.appointmentId),
    oneOf("handoff_packages_priority_check", t.priority, HANDOFF_PRIORITIES),
    oneOf("handoff_packages_status_check", t.status, HANDOFF_STATUSES),
    oneOf("handoff_packages_source_channel_check", t.sourceChannel, SALES_CHANNELS),
    oneOf("handoff_packages_follow_up_channel_check", t.suggestedFollowUpChannel, SALES_CHANNELS),
    index().on(t.tenantId, t.createdAt, t.id),
    index().on(t.tenantId, t.status, t.createdAt, t.id),
    index().on(t.tenantId, t.claimedBy, t.createdAt, t.id),
    index().on(t.tenantId, t.prospectId),
    index("handoff_packages_pending_expiry_index").on(t.expiresAt).where(sql`${t.status} = 'pending'`),
  ],
);

/**
 * A connection to an outside system (CRM, telephony...). Its secrets are the platform credentials
 * store's (kind `integration`, named by the integration's id), sealed there and masked on read.
 */
export const integrations = pgTable(
  "integrations",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: tenantColumn(),
    name: text().notNull(),
    type: text().$type<(typeof INTEGRATION_TYPES)[number]>().notNull(),
    status: text().$type<(typeof INTEGRATION_STATUSES)[number]>().notNull().default("disconnected"),
    lastSync: timestamp({ withTimezone: true }),
    /** Non-secret settings (an account id, a calendar name). */
    config: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    tenantKey(t),
    unique().on(t.tenantId, t.name),
    oneOf("integrations_type_check", t.type, INTEGRATION_TYPES),
    oneOf("integrations_status_check", t.status, INTEGRATION_STATUSES),
    check("integrations_config_check", sql`jsonb_typeof(${t.config}) = 'object'`),
  ],
);
