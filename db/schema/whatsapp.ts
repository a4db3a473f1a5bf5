import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgTable, text, timestamp, unique, uuid } from "drizzle-orm/pg-core";
import { z } from "zod";
import { createdAt, oneOf, updatedAt } from "./columns";
import { tenantColumn } from "./platform";
import { settingsSection } from "./settings-section";

/**
 * WhatsApp Business (spec 003), part of the inbox (DESIGN §1: the inbox owns templates and webhook
 * events). A WhatsApp number is an inbox channel of type `whatsapp` (platformSpecificId: Meta's phone
 * number id; accountId: its WhatsApp Business Account id), its access token, app secret and verify
 * token sealed in the platform credentials store; its conversations and messages are the inbox's.
 */

/** Meta's template categories, stored lower case. */
export const TEMPLATE_CATEGORIES = ["marketing", "utility", "authentication"] as const;
/**
 * Meta's template statuses, stored lower case. Not a CHECK: Meta adds statuses, and a template event
 * must never fail on one it has not seen before.
 */
export const TEMPLATE_STATUSES = [
  "pending",
  "approved",
  "rejected",
  "paused",
  "disabled",
  "in_appeal",
  "pending_deletion",
  "deleted",
  "limit_exceeded",
  "archived",
] as const;

/** A message template of one of the tenant's WhatsApp Business Accounts, as Meta holds it. */
export const whatsappTemplates = pgTable(
  "whatsapp_templates",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: tenantColumn(),
    /** The WhatsApp Business Account the template belongs to. */
    businessAccountId: text().notNull(),
    /** Meta's id of the template; what the refresh job and template webhooks match on. */
    metaTemplateId: text().notNull(),
    name: text().notNull(),
    language: text().notNull(),
    category: text().$type<(typeof TEMPLATE_CATEGORIES)[number]>().notNull(),
    status: text().notNull(),
    /** Meta's reason for a rejection (or a pause), as it gave it. */
    rejectedReason: text(),
    /** Meta's quality rating: green, yellow, red or unknown. */
    qualityScore: text(),
    components: jsonb().$type<Record<string, unknown>[]>().notNull(),
    parameterFormat: text(),
    /** Set when the template is gone upstream (deleted here or at Meta); the row is kept for its messages' history. */
    deletedAt: timestamp({ withTimezone: true }),
    /** When the refresh job last saw it at Meta: a full pass marks the templates it did not see as deleted. */
    seenAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique().on(t.tenantId, t.id),
    unique().on(t.tenantId, t.metaTemplateId),
    oneOf("whatsapp_templates_category_check", t.category, TEMPLATE_CATEGORIES),
    index().on(t.tenantId, t.createdAt, t.id),
    index().on(t.tenantId, t.status, t.createdAt, t.id),
    index().on(t.tenantId, t.businessAccountId, t.seenAt),
  ],
);

/**
 * What a stored webhook event has come to. `pending`: stored, not yet processed; `processed`;
 * `failed`: processing threw (the retry job tries again, up to its attempt limit, keeping the last
 * error); `unroutable`: no channel of any tenant matches its number or account (kept, never retried).
 */
export const WEBHOOK_EVENT_STATUSES = ["pending", "processed", "failed", "unroutable"] as const;
export type WebhookEventStatus = (typeof WEBHOOK_EVENT_STATUSES)[number];

/**
 * Every signed webhook POST Meta delivers, stored as received (the raw body, before any processing)
 * so that nothing Meta sent is lost when processing fails. Stored before it is known whose it is, so
 * not a tenant's row: `tenantIds` records the tenants it was routed to. No route reads it.
 */
export const webhookEvents = pgTable(
  "webhook_events",
  {
    id: uuid().primaryKey().defaultRandom(),
    provider: text().notNull(),
    rawBody: text().notNull(),
    status: text().$type<WebhookEventStatus>().notNull().default("pending"),
    attempts: integer().notNull().default(0),
    lastError: text(),
    tenantIds: uuid().array().notNull().default(sql`'{}'::uuid[]`),
    receivedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    processedAt: timestamp({ withTimezone: true }),
    updatedAt: updatedAt(),
  },
  (t) => [
    oneOf("webhook_events_status_check", t.status, WEBHOOK_EVENT_STATUSES),
    // The retry job's queue: only what still needs work is indexed.
    index("webhook_events_retry_index").on(t.receivedAt).where(sql`${t.status} in ('pending', 'failed')`),
    index().on(t.receivedAt),
  ],
);

/**
 * Spec 003's settings sections, the shortcut to a tenant's first WhatsApp number
 * (services/inbox/whatsapp/settings.ts applies them to that channel).
 */
export const whatsappSettings = settingsSection("whatsappConfig", {
  fields: {
    phoneNumberId: z.string().max(100),
    businessAccountId: z.string().max(100),
    apiVersion: z.string().regex(/^v\d+\.\d+$/, "A Graph API version such as v23.0"),
  },
  secrets: ["accessToken", "appSecret"],
});
export const webhookSettings = settingsSection("webhookConfig", {
  fields: { enabled: z.boolean() },
  secrets: ["verifyToken"],
});
