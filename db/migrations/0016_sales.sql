CREATE TABLE "agent_actions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"conversation_id" uuid NOT NULL,
	"prospect_id" uuid NOT NULL,
	"type" text NOT NULL,
	"description" text,
	"payload" jsonb,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "agent_plan_steps" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"conversation_id" uuid NOT NULL,
	"prospect_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"description" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "agent_plan_steps_conversationId_position_unique" UNIQUE("conversation_id","position"),
	CONSTRAINT "agent_plan_steps_status_check" CHECK ("agent_plan_steps"."status" in ('pending', 'in_progress', 'completed', 'skipped', 'failed')),
	CONSTRAINT "agent_plan_steps_position_check" CHECK ("agent_plan_steps"."position" >= 0)
);
--> statement-breakpoint
CREATE TABLE "appointments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"prospect_id" uuid NOT NULL,
	"property_id" uuid,
	"assigned_rep_id" uuid,
	"conversation_id" uuid,
	"scheduled_at" timestamp with time zone NOT NULL,
	"duration_minutes" integer DEFAULT 60 NOT NULL,
	"location" text,
	"status" text DEFAULT 'scheduled' NOT NULL,
	"notes" text,
	"source_channel" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "appointments_tenantId_id_unique" UNIQUE("tenant_id","id"),
	CONSTRAINT "appointments_status_check" CHECK ("appointments"."status" in ('scheduled', 'completed', 'no_show', 'rescheduled')),
	CONSTRAINT "appointments_source_channel_check" CHECK ("appointments"."source_channel" in ('phone', 'whatsapp', 'sms', 'email')),
	CONSTRAINT "appointments_duration_check" CHECK ("appointments"."duration_minutes" between 5 and 1440)
);
--> statement-breakpoint
CREATE TABLE "campaign_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"campaign_id" uuid NOT NULL,
	"status" text DEFAULT 'running' NOT NULL,
	"started_by" uuid,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "campaign_runs_tenantId_id_unique" UNIQUE("tenant_id","id"),
	CONSTRAINT "campaign_runs_status_check" CHECK ("campaign_runs"."status" in ('running', 'completed'))
);
--> statement-breakpoint
CREATE TABLE "campaigns" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" text NOT NULL,
	"segment" text,
	"status" text DEFAULT 'draft' NOT NULL,
	"channels" text[] DEFAULT '{}'::text[] NOT NULL,
	"max_attempts" integer DEFAULT 3 NOT NULL,
	"retry_delay_minutes" integer DEFAULT 60 NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "campaigns_tenantId_id_unique" UNIQUE("tenant_id","id"),
	CONSTRAINT "campaigns_status_check" CHECK ("campaigns"."status" in ('draft', 'active', 'paused', 'completed')),
	CONSTRAINT "campaigns_attempts_check" CHECK ("campaigns"."max_attempts" between 1 and 20),
	CONSTRAINT "campaigns_retry_delay_check" CHECK ("campaigns"."retry_delay_minutes" between 1 and 43200)
);
--> statement-breakpoint
CREATE TABLE "detected_entities" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"conversation_id" uuid NOT NULL,
	"prospect_id" uuid NOT NULL,
	"type" text NOT NULL,
	"value" text NOT NULL,
	"confidence" double precision,
	"detected_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "detected_entities_type_check" CHECK ("detected_entities"."type" in ('budget', 'timeline', 'city', 'property_type', 'bedrooms', 'name', 'email', 'other')),
	CONSTRAINT "detected_entities_confidence_check" CHECK ("detected_entities"."confidence" between 0 and 1)
);
--> statement-breakpoint
CREATE TABLE "handoff_packages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"conversation_id" uuid,
	"prospect_id" uuid NOT NULL,
	"appointment_id" uuid,
	"prospect_name" text NOT NULL,
	"prospect_phone" text,
	"prospect_email" text,
	"prospect_whatsapp" text,
	"priority" text NOT NULL,
	"reason" text NOT NULL,
	"summary" text NOT NULL,
	"detected_needs" text[] DEFAULT '{}'::text[] NOT NULL,
	"suggested_properties" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"qualification_score" jsonb NOT NULL,
	"conversation_context" text,
	"next_steps" text[] DEFAULT '{}'::text[] NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"claimed_by" uuid,
	"claimed_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"expires_at" timestamp with time zone NOT NULL,
	"source_channel" text,
	"suggested_follow_up_channel" text,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "handoff_packages_tenantId_id_unique" UNIQUE("tenant_id","id"),
	CONSTRAINT "handoff_packages_priority_check" CHECK ("handoff_packages"."priority" in ('high', 'medium', 'low')),
	CONSTRAINT "handoff_packages_status_check" CHECK ("handoff_packages"."status" in ('pending', 'claimed', 'completed', 'expired')),
	CONSTRAINT "handoff_packages_source_channel_check" CHECK ("handoff_packages"."source_channel" in ('phone', 'whatsapp', 'sms', 'email')),
	CONSTRAINT "handoff_packages_follow_up_channel_check" CHECK ("handoff_packages"."suggested_follow_up_channel" in ('phone', 'whatsapp', 'sms', 'email'))
);
--> statement-breakpoint
CREATE TABLE "integrations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"status" text DEFAULT 'disconnected' NOT NULL,
	"last_sync" timestamp with time zone,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "integrations_tenantId_id_unique" UNIQUE("tenant_id","id"),
	CONSTRAINT "integrations_tenantId_name_unique" UNIQUE("tenant_id","name"),
	CONSTRAINT "integrations_type_check" CHECK ("integrations"."type" in ('crm', 'telephony', 'calendar', 'messaging', 'email')),
	CONSTRAINT "integrations_status_check" CHECK ("integrations"."status" in ('connected', 'disconnected', 'error')),
	CONSTRAINT "integrations_config_check" CHECK (jsonb_typeof("integrations"."config") = 'object')
);
--> statement-breakpoint
CREATE TABLE "properties" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" text NOT NULL,
	"city" text NOT NULL,
	"price_min" numeric(14, 2) NOT NULL,
	"price_max" numeric(14, 2),
	"currency" text DEFAULT 'USD' NOT NULL,
	"bedrooms" integer NOT NULL,
	"type" text NOT NULL,
	"status" text DEFAULT 'available' NOT NULL,
	"image_url" text,
	"description" text,
	"features" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"search_vector" "tsvector" GENERATED ALWAYS AS (to_tsvector('english'::regconfig, name || ' ' || city || ' ' || coalesce(description, '')) || to_tsvector('english'::regconfig, features)) STORED NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "properties_tenantId_id_unique" UNIQUE("tenant_id","id"),
	CONSTRAINT "properties_type_check" CHECK ("properties"."type" in ('villa', 'apartment', 'penthouse', 'townhouse')),
	CONSTRAINT "properties_status_check" CHECK ("properties"."status" in ('available', 'reserved', 'sold')),
	CONSTRAINT "properties_price_check" CHECK ("properties"."price_min" >= 0 and ("properties"."price_max" is null or "properties"."price_max" >= "properties"."price_min")),
	CONSTRAINT "properties_bedrooms_check" CHECK ("properties"."bedrooms" between 0 and 100),
	CONSTRAINT "properties_currency_check" CHECK ("properties"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "properties_features_check" CHECK (jsonb_typeof("properties"."features") = 'array')
);
--> statement-breakpoint
CREATE TABLE "prospect_conversations" (
	"conversation_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"prospect_id" uuid NOT NULL,
	"campaign_id" uuid,
	"campaign_run_id" uuid,
	"queued_lead_id" uuid,
	"is_live" boolean DEFAULT true NOT NULL,
	"stage" text,
	"state" jsonb,
	"ended_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "prospect_conversations_tenantId_conversationId_unique" UNIQUE("tenant_id","conversation_id")
);
--> statement-breakpoint
CREATE TABLE "prospects" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" text NOT NULL,
	"email" text,
	"phone" text,
	"whatsapp" text,
	"budget" numeric(14, 2),
	"city" text,
	"timeline" text,
	"preferred_property_type" text,
	"bedrooms" integer,
	"status" text DEFAULT 'new' NOT NULL,
	"assigned_to" uuid,
	"routing_rule_id" uuid,
	"preferred_channel" text,
	"search_vector" "tsvector" GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, name || ' ' || coalesce(email, '') || ' ' || coalesce(replace(email, '@', ' '), '') || ' ' || coalesce(regexp_replace(phone, '[^0-9]', '', 'g'), '') || ' ' || coalesce(regexp_replace(whatsapp, '[^0-9]', '', 'g'), ''))) STORED NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "prospects_tenantId_id_unique" UNIQUE("tenant_id","id"),
	CONSTRAINT "prospects_status_check" CHECK ("prospects"."status" in ('new', 'contacted', 'qualified', 'appointment_set', 'closed', 'lost')),
	CONSTRAINT "prospects_preferred_channel_check" CHECK ("prospects"."preferred_channel" in ('phone', 'whatsapp', 'sms', 'email')),
	CONSTRAINT "prospects_property_type_check" CHECK ("prospects"."preferred_property_type" in ('villa', 'apartment', 'penthouse', 'townhouse')),
	CONSTRAINT "prospects_budget_check" CHECK ("prospects"."budget" >= 0),
	CONSTRAINT "prospects_bedrooms_check" CHECK ("prospects"."bedrooms" between 0 and 100)
);
--> statement-breakpoint
CREATE TABLE "qualification_scores" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"conversation_id" uuid NOT NULL,
	"prospect_id" uuid NOT NULL,
	"overall" integer NOT NULL,
	"budget" integer,
	"timeline" integer,
	"intent" integer,
	"engagement" integer,
	"notes" text,
	"scored_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "qualification_scores_range_check" CHECK ("qualification_scores"."overall" between 0 and 100 and coalesce("qualification_scores"."budget", 0) between 0 and 100 and coalesce("qualification_scores"."timeline", 0) between 0 and 100 and coalesce("qualification_scores"."intent", 0) between 0 and 100 and coalesce("qualification_scores"."engagement", 0) between 0 and 100)
);
--> statement-breakpoint
CREATE TABLE "queued_leads" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"campaign_id" uuid NOT NULL,
	"prospect_id" uuid NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"claimed_until" timestamp with time zone,
	"run_id" uuid,
	"last_attempt_at" timestamp with time zone,
	"result" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "queued_leads_tenantId_id_unique" UNIQUE("tenant_id","id"),
	CONSTRAINT "queued_leads_campaignId_prospectId_unique" UNIQUE("campaign_id","prospect_id"),
	CONSTRAINT "queued_leads_status_check" CHECK ("queued_leads"."status" in ('queued', 'contacting', 'done', 'exhausted', 'removed')),
	CONSTRAINT "queued_leads_result_check" CHECK ("queued_leads"."result" in ('connected', 'qualified', 'appointment_booked', 'callback_requested', 'not_interested', 'voicemail', 'no_answer', 'busy', 'wrong_number', 'failed')),
	CONSTRAINT "queued_leads_attempts_check" CHECK ("queued_leads"."attempts" >= 0)
);
--> statement-breakpoint
CREATE TABLE "routing_rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"name" text NOT NULL,
	"priority" integer DEFAULT 100 NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"cities" text[] DEFAULT '{}'::text[] NOT NULL,
	"min_budget" numeric(14, 2),
	"max_budget" numeric(14, 2),
	"channels" text[] DEFAULT '{}'::text[] NOT NULL,
	"rep_ids" uuid[] NOT NULL,
	"assignment_count" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "routing_rules_tenantId_id_unique" UNIQUE("tenant_id","id"),
	CONSTRAINT "routing_rules_budget_check" CHECK ("routing_rules"."min_budget" is null or "routing_rules"."max_budget" is null or "routing_rules"."min_budget" <= "routing_rules"."max_budget")
);
--> statement-breakpoint
CREATE TABLE "sales_reps" (
	"tenant_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sales_reps_tenant_id_user_id_pk" PRIMARY KEY("tenant_id","user_id")
);
--> statement-breakpoint
ALTER TABLE "agent_actions" ADD CONSTRAINT "agent_actions_tenant_id_conversation_id_prospect_conversations_tenant_id_conversation_id_fk" FOREIGN KEY ("tenant_id","conversation_id") REFERENCES "public"."prospect_conversations"("tenant_id","conversation_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_actions" ADD CONSTRAINT "agent_actions_tenant_id_prospect_id_prospects_tenant_id_id_fk" FOREIGN KEY ("tenant_id","prospect_id") REFERENCES "public"."prospects"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_plan_steps" ADD CONSTRAINT "agent_plan_steps_tenant_id_conversation_id_prospect_conversations_tenant_id_conversation_id_fk" FOREIGN KEY ("tenant_id","conversation_id") REFERENCES "public"."prospect_conversations"("tenant_id","conversation_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_plan_steps" ADD CONSTRAINT "agent_plan_steps_tenant_id_prospect_id_prospects_tenant_id_id_fk" FOREIGN KEY ("tenant_id","prospect_id") REFERENCES "public"."prospects"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_assigned_rep_id_users_id_fk" FOREIGN KEY ("assigned_rep_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_tenant_id_prospect_id_prospects_tenant_id_id_fk" FOREIGN KEY ("tenant_id","prospect_id") REFERENCES "public"."prospects"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_tenant_id_property_id_properties_tenant_id_id_fk" FOREIGN KEY ("tenant_id","property_id") REFERENCES "public"."properties"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "appointments" ADD CONSTRAINT "appointments_tenant_id_conversation_id_prospect_conversations_tenant_id_conversation_id_fk" FOREIGN KEY ("tenant_id","conversation_id") REFERENCES "public"."prospect_conversations"("tenant_id","conversation_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_runs" ADD CONSTRAINT "campaign_runs_started_by_users_id_fk" FOREIGN KEY ("started_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_runs" ADD CONSTRAINT "campaign_runs_tenant_id_campaign_id_campaigns_tenant_id_id_fk" FOREIGN KEY ("tenant_id","campaign_id") REFERENCES "public"."campaigns"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "detected_entities" ADD CONSTRAINT "detected_entities_tenant_id_conversation_id_prospect_conversations_tenant_id_conversation_id_fk" FOREIGN KEY ("tenant_id","conversation_id") REFERENCES "public"."prospect_conversations"("tenant_id","conversation_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "detected_entities" ADD CONSTRAINT "detected_entities_tenant_id_prospect_id_prospects_tenant_id_id_fk" FOREIGN KEY ("tenant_id","prospect_id") REFERENCES "public"."prospects"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "handoff_packages" ADD CONSTRAINT "handoff_packages_claimed_by_users_id_fk" FOREIGN KEY ("claimed_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "handoff_packages" ADD CONSTRAINT "handoff_packages_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "handoff_packages" ADD CONSTRAINT "handoff_packages_tenant_id_prospect_id_prospects_tenant_id_id_fk" FOREIGN KEY ("tenant_id","prospect_id") REFERENCES "public"."prospects"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "handoff_packages" ADD CONSTRAINT "handoff_packages_tenant_id_appointment_id_appointments_tenant_id_id_fk" FOREIGN KEY ("tenant_id","appointment_id") REFERENCES "public"."appointments"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "integrations" ADD CONSTRAINT "integrations_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "properties" ADD CONSTRAINT "properties_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prospect_conversations" ADD CONSTRAINT "prospect_conversations_tenant_id_conversation_id_conversations_tenant_id_id_fk" FOREIGN KEY ("tenant_id","conversation_id") REFERENCES "public"."conversations"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prospect_conversations" ADD CONSTRAINT "prospect_conversations_tenant_id_prospect_id_prospects_tenant_id_id_fk" FOREIGN KEY ("tenant_id","prospect_id") REFERENCES "public"."prospects"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prospect_conversations" ADD CONSTRAINT "prospect_conversations_tenant_id_campaign_id_campaigns_tenant_id_id_fk" FOREIGN KEY ("tenant_id","campaign_id") REFERENCES "public"."campaigns"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prospect_conversations" ADD CONSTRAINT "prospect_conversations_tenant_id_campaign_run_id_campaign_runs_tenant_id_id_fk" FOREIGN KEY ("tenant_id","campaign_run_id") REFERENCES "public"."campaign_runs"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prospect_conversations" ADD CONSTRAINT "prospect_conversations_tenant_id_queued_lead_id_queued_leads_tenant_id_id_fk" FOREIGN KEY ("tenant_id","queued_lead_id") REFERENCES "public"."queued_leads"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prospects" ADD CONSTRAINT "prospects_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prospects" ADD CONSTRAINT "prospects_assigned_to_users_id_fk" FOREIGN KEY ("assigned_to") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "qualification_scores" ADD CONSTRAINT "qualification_scores_tenant_id_conversation_id_prospect_conversations_tenant_id_conversation_id_fk" FOREIGN KEY ("tenant_id","conversation_id") REFERENCES "public"."prospect_conversations"("tenant_id","conversation_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "qualification_scores" ADD CONSTRAINT "qualification_scores_tenant_id_prospect_id_prospects_tenant_id_id_fk" FOREIGN KEY ("tenant_id","prospect_id") REFERENCES "public"."prospects"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "queued_leads" ADD CONSTRAINT "queued_leads_tenant_id_campaign_id_campaigns_tenant_id_id_fk" FOREIGN KEY ("tenant_id","campaign_id") REFERENCES "public"."campaigns"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "queued_leads" ADD CONSTRAINT "queued_leads_tenant_id_prospect_id_prospects_tenant_id_id_fk" FOREIGN KEY ("tenant_id","prospect_id") REFERENCES "public"."prospects"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "queued_leads" ADD CONSTRAINT "queued_leads_tenant_id_run_id_campaign_runs_tenant_id_id_fk" FOREIGN KEY ("tenant_id","run_id") REFERENCES "public"."campaign_runs"("tenant_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "routing_rules" ADD CONSTRAINT "routing_rules_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sales_reps" ADD CONSTRAINT "sales_reps_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sales_reps" ADD CONSTRAINT "sales_reps_tenant_id_user_id_users_tenant_id_id_fk" FOREIGN KEY ("tenant_id","user_id") REFERENCES "public"."users"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "agent_actions_tenant_id_conversation_id_occurred_at_index" ON "agent_actions" USING btree ("tenant_id","conversation_id","occurred_at");--> statement-breakpoint
CREATE INDEX "appointments_tenant_id_scheduled_at_id_index" ON "appointments" USING btree ("tenant_id","scheduled_at","id");--> statement-breakpoint
CREATE INDEX "appointments_tenant_id_prospect_id_scheduled_at_index" ON "appointments" USING btree ("tenant_id","prospect_id","scheduled_at");--> statement-breakpoint
CREATE INDEX "appointments_tenant_id_assigned_rep_id_scheduled_at_index" ON "appointments" USING btree ("tenant_id","assigned_rep_id","scheduled_at");--> statement-breakpoint
CREATE INDEX "appointments_tenant_id_status_scheduled_at_index" ON "appointments" USING btree ("tenant_id","status","scheduled_at");--> statement-breakpoint
CREATE INDEX "appointments_tenant_id_conversation_id_index" ON "appointments" USING btree ("tenant_id","conversation_id");--> statement-breakpoint
CREATE UNIQUE INDEX "campaign_runs_one_running_key" ON "campaign_runs" USING btree ("campaign_id") WHERE "campaign_runs"."status" = 'running';--> statement-breakpoint
CREATE INDEX "campaign_runs_tenant_id_campaign_id_started_at_index" ON "campaign_runs" USING btree ("tenant_id","campaign_id","started_at");--> statement-breakpoint
CREATE INDEX "campaigns_tenant_id_created_at_id_index" ON "campaigns" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "campaigns_tenant_id_status_created_at_id_index" ON "campaigns" USING btree ("tenant_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "detected_entities_tenant_id_prospect_id_type_detected_at_index" ON "detected_entities" USING btree ("tenant_id","prospect_id","type","detected_at");--> statement-breakpoint
CREATE INDEX "detected_entities_tenant_id_conversation_id_index" ON "detected_entities" USING btree ("tenant_id","conversation_id");--> statement-breakpoint
CREATE UNIQUE INDEX "handoff_packages_appointment_key" ON "handoff_packages" USING btree ("tenant_id","appointment_id");--> statement-breakpoint
CREATE INDEX "handoff_packages_tenant_id_created_at_id_index" ON "handoff_packages" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "handoff_packages_tenant_id_status_created_at_id_index" ON "handoff_packages" USING btree ("tenant_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "handoff_packages_tenant_id_claimed_by_created_at_id_index" ON "handoff_packages" USING btree ("tenant_id","claimed_by","created_at","id");--> statement-breakpoint
CREATE INDEX "handoff_packages_tenant_id_prospect_id_index" ON "handoff_packages" USING btree ("tenant_id","prospect_id");--> statement-breakpoint
CREATE INDEX "handoff_packages_pending_expiry_index" ON "handoff_packages" USING btree ("expires_at") WHERE "handoff_packages"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "properties_tenant_id_created_at_id_index" ON "properties" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "properties_tenant_id_status_created_at_id_index" ON "properties" USING btree ("tenant_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "properties_tenant_city_index" ON "properties" USING btree ("tenant_id",lower("city"),"created_at","id");--> statement-breakpoint
CREATE INDEX "properties_tenant_city_status_index" ON "properties" USING btree ("tenant_id",lower("city"),"status","price_min","city");--> statement-breakpoint
CREATE INDEX "properties_tenant_id_price_min_bedrooms_price_max_index" ON "properties" USING btree ("tenant_id","price_min","bedrooms","price_max");--> statement-breakpoint
CREATE INDEX "properties_search_index" ON "properties" USING gin ("search_vector");--> statement-breakpoint
CREATE INDEX "prospect_conversations_tenant_id_prospect_id_created_at_conversation_id_index" ON "prospect_conversations" USING btree ("tenant_id","prospect_id","created_at","conversation_id");--> statement-breakpoint
CREATE INDEX "prospect_conversations_tenant_id_campaign_id_index" ON "prospect_conversations" USING btree ("tenant_id","campaign_id");--> statement-breakpoint
CREATE INDEX "prospect_conversations_tenant_id_campaign_run_id_index" ON "prospect_conversations" USING btree ("tenant_id","campaign_run_id");--> statement-breakpoint
CREATE UNIQUE INDEX "prospects_tenant_email_key" ON "prospects" USING btree ("tenant_id",lower("email"));--> statement-breakpoint
CREATE INDEX "prospects_tenant_id_created_at_id_index" ON "prospects" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "prospects_tenant_id_status_created_at_id_index" ON "prospects" USING btree ("tenant_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "prospects_tenant_id_assigned_to_created_at_id_index" ON "prospects" USING btree ("tenant_id","assigned_to","created_at","id");--> statement-breakpoint
CREATE INDEX "prospects_tenant_city_index" ON "prospects" USING btree ("tenant_id",lower("city"),"created_at","id");--> statement-breakpoint
CREATE INDEX "prospects_search_index" ON "prospects" USING gin ("search_vector");--> statement-breakpoint
CREATE INDEX "qualification_scores_tenant_id_prospect_id_scored_at_index" ON "qualification_scores" USING btree ("tenant_id","prospect_id","scored_at");--> statement-breakpoint
CREATE INDEX "queued_leads_tenant_id_campaign_id_status_next_attempt_at_index" ON "queued_leads" USING btree ("tenant_id","campaign_id","status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "queued_leads_tenant_id_campaign_id_next_attempt_at_id_index" ON "queued_leads" USING btree ("tenant_id","campaign_id","next_attempt_at","id");--> statement-breakpoint
CREATE INDEX "queued_leads_tenant_id_prospect_id_index" ON "queued_leads" USING btree ("tenant_id","prospect_id");--> statement-breakpoint
CREATE INDEX "routing_rules_tenant_id_priority_id_index" ON "routing_rules" USING btree ("tenant_id","priority","id");