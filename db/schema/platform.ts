import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import type { SealedField } from "../../shared/crypto/secrets";
import { createdAt, oneOf, updatedAt } from "./columns";

export const ROLES = [
  "owner",
  "admin",
  "sales_manager",
  "sales_rep",
  "agent",
  "qa_supervisor",
  "compliance_officer",
  "operations",
] as const;
export type Role = (typeof ROLES)[number];

/** What an API key may do. `ai-agent` is spec 000's "service role" for AI agents. */
export const API_KEY_SCOPES = ["read", "write", "sync", "ai-agent"] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export const AUDIT_ACTOR_TYPES = ["user", "api_key", "public", "system"] as const;
export const JOB_STATUSES = ["ok", "partial", "error"] as const;

/** The business: spec 000's business (profiles.business_id), spec 003's tenant. */
export const tenants = pgTable("tenants", {
  id: uuid().primaryKey().defaultRandom(),
  name: text().notNull(),
  website: text(),
  subscriptionPlan: text().notNull().default("free"),
  onboarded: boolean().notNull().default(false),
  /** The last `events.seq` given out: bumped in each event's own statement (services/platform/events.ts). */
  lastEventSeq: bigint({ mode: "number" }).notNull().default(0),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** Every tenant-owned row's `tenant_id`: its rows go when the tenant does. */
export const tenantColumn = () =>
  uuid()
    .notNull()
    .references(() => tenants.id, { onDelete: "cascade" });

export const users = pgTable(
  "users",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: tenantColumn(),
    // Login is by email alone, so an address belongs to one user across all tenants.
    email: text().notNull(),
    name: text().notNull(),
    role: text().$type<Role>().notNull(),
    passwordHash: text().notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("users_email_key").on(sql`lower(${t.email})`),
    // Lets a module's rows reference (tenant_id, user_id): never a user of another tenant.
    unique().on(t.tenantId, t.id),
    index().on(t.tenantId, t.createdAt, t.id),
    oneOf("users_role_check", t.role, ROLES),
  ],
);

/**
 * Refresh tokens are stored hashed; each login starts a family, each refresh rotates within it.
 * `spentAt` is when a refresh used the token (it then works only for the reuse interval);
 * `revokedAt` ends it for good (signout, reuse past the interval, password change).
 */
export const refreshTokens = pgTable(
  "refresh_tokens",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: tenantColumn(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    familyId: uuid().notNull(),
    tokenHash: text().notNull().unique(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    spentAt: timestamp({ withTimezone: true }),
    revokedAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
  },
  // By user: a password change revokes their tokens, and removing them cascades to their tokens.
  (t) => [index().on(t.familyId), index().on(t.userId)],
);

export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: tenantColumn(),
    name: text().notNull(),
    /** The first characters of the key, shown in lists so people can tell keys apart. */
    prefix: text().notNull(),
    keyHash: text().notNull().unique(),
    scopes: text().array().$type<ApiKeyScope[]>().notNull(),
    createdBy: uuid().references(() => users.id, { onDelete: "set null" }),
    lastUsedAt: timestamp({ withTimezone: true }),
    expiresAt: timestamp({ withTimezone: true }),
    revokedAt: timestamp({ withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    index().on(t.tenantId, t.createdAt, t.id),
    check(
      "api_keys_scopes_check",
      sql`${t.scopes} <@ array[${sql.raw(API_KEY_SCOPES.map((scope) => `'${scope}'`).join(", "))}]::text[]`,
    ),
  ],
);

/**
 * Every provider credential of a tenant, whichever module it serves (services/platform/credentials.ts):
 * settings sections, returns' call-provider configs, and the channel tokens and integrations to come.
 * `kind` says what it is for and is an open set each module names and documents (validated by zod, so
 * no CHECK); `name` tells a tenant's credentials of one kind apart. `data` holds the plain fields and
 * `secrets` the secret ones, each sealed under the key whose id it names: `{ keyId, sealed, hint }`.
 */
export const credentials = pgTable(
  "credentials",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: tenantColumn(),
    kind: text().notNull(),
    name: text().notNull(),
    data: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    secrets: jsonb().$type<Record<string, SealedField>>().notNull().default({}),
    isActive: boolean().notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique().on(t.tenantId, t.kind, t.name),
    // The job runner's "tenants with a Retell key" and the webhooks' lookups go by kind across tenants.
    index().on(t.kind),
    // GET /api/webhook finds a WhatsApp number by its verify token's hash (services/inbox/whatsapp/numbers.ts),
    // unauthenticated: an index, so no caller can make it read every channel's credential.
    index("credentials_verify_token_hash_index")
      .on(sql`(${t.data}->>'verifyTokenHash')`)
      .where(sql`${t.kind} = 'channel'`),
    check("credentials_data_check", sql`jsonb_typeof(${t.data}) = 'object'`),
    check("credentials_secrets_check", sql`jsonb_typeof(${t.secrets}) = 'object'`),
  ],
);

export const userPreferences = pgTable("user_preferences", {
  userId: uuid()
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  tenantId: tenantColumn(),
  preferences: jsonb().$type<Record<string, unknown>>().notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const auditLog = pgTable(
  "audit_log",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    tenantId: tenantColumn(),
    actorType: text().$type<(typeof AUDIT_ACTOR_TYPES)[number]>().notNull(),
    actorId: text(),
    action: text().notNull(),
    entityType: text().notNull(),
    entityId: text().notNull(),
    before: jsonb(),
    after: jsonb(),
    requestId: text(),
    createdAt: createdAt(),
  },
  (t) => [
    index().on(t.tenantId, t.createdAt, t.id),
    oneOf("audit_log_actor_type_check", t.actorType, AUDIT_ACTOR_TYPES),
  ],
);

/** Fixed-window counters for the Postgres-backed limiter (login, register, public writes). */
export const rateLimits = pgTable("rate_limits", {
  key: text().primaryKey(),
  hits: integer().notNull(),
  windowStart: timestamp({ withTimezone: true }).notNull(),
});

/**
 * The cursor and last outcome of one background job for one tenant (DESIGN §6). `scope` narrows a
 * job to part of the tenant's data (an agent id for a per-agent Retell sync); '' is the whole tenant.
 */
export const syncState = pgTable(
  "sync_state",
  {
    tenantId: tenantColumn(),
    job: text().notNull(),
    scope: text().notNull().default(""),
    /** How far the job has read upstream; its meaning belongs to the job (Retell: a start timestamp in ms). */
    cursor: bigint({ mode: "number" }),
    /** Set while a run was cut short (deadline or upstream error): the next run continues from here. */
    resumeFrom: bigint({ mode: "number" }),
    /** A run holds the lease until this time, so two runs of the same job and scope never overlap. */
    leaseUntil: timestamp({ withTimezone: true }),
    lastStartedAt: timestamp({ withTimezone: true }),
    lastFinishedAt: timestamp({ withTimezone: true }),
    lastStatus: text().$type<(typeof JOB_STATUSES)[number]>(),
    lastResult: jsonb().$type<Record<string, unknown>>(),
    lastError: text(),
    lastDurationMs: integer(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.job, t.scope] }),
    oneOf("sync_state_last_status_check", t.lastStatus, JOB_STATUSES),
  ],
);

/**
 * The tenant's append-only feed of changes (DESIGN §7: what replaces spec 003's Socket.io), written
 * in the transaction of the change it reports. `seq` counts up per tenant with no gaps, in commit
 * order: taking the next number locks the tenant's row until the transaction ends, so a reader
 * that has seen `seq` n never later finds an n - 1 committed behind it.
 */
export const events = pgTable(
  "events",
  {
    tenantId: tenantColumn(),
    seq: bigint({ mode: "number" }).notNull(),
    /** Spec 003's event names: `message:new`, `message:status`, `conversation:updated`, ... */
    type: text().notNull(),
    resourceType: text().notNull(),
    resourceId: text().notNull(),
    payload: jsonb().$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.seq] }), index().on(t.createdAt)],
);

/**
 * Retried writes (DESIGN §3, Stripe's semantics): the first answer to a tenant's `Idempotency-Key`
 * on an operation, kept 24 hours, stored in the transaction of the write it answers.
 */
export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    tenantId: tenantColumn(),
    key: text().notNull(),
    /** "POST /api/orders": a key names one request to one operation. */
    operation: text().notNull(),
    /** SHA-256 of the request's body, so a retry with another body is told apart. */
    requestHash: text().notNull(),
    responseStatus: integer(),
    responseBody: jsonb(),
    createdAt: createdAt(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.key] }), index().on(t.expiresAt)],
);
