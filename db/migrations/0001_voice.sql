CREATE TABLE "sync_state" (
	"tenant_id" uuid NOT NULL,
	"job" text NOT NULL,
	"scope" text DEFAULT '' NOT NULL,
	"cursor" bigint,
	"resume_from" bigint,
	"lease_until" timestamp with time zone,
	"last_started_at" timestamp with time zone,
	"last_finished_at" timestamp with time zone,
	"last_status" text,
	"last_result" jsonb,
	"last_error" text,
	"last_duration_ms" integer,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sync_state_tenant_id_job_scope_pk" PRIMARY KEY("tenant_id","job","scope")
);
--> statement-breakpoint
CREATE TABLE "agents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"agent_id" text NOT NULL,
	"agent_name" text,
	"status" text DEFAULT 'ACTIVE' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "agents_tenantId_agentId_unique" UNIQUE("tenant_id","agent_id")
);
--> statement-breakpoint
CREATE TABLE "calls" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"call_id" text NOT NULL,
	"agent_id" text NOT NULL,
	"agent_version" integer,
	"call_type" text NOT NULL,
	"direction" text,
	"from_number" text,
	"to_number" text,
	"call_status" text NOT NULL,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"duration_ms" integer,
	"cost_cents" double precision,
	"transcript" text,
	"transcript_object" jsonb,
	"recording_url" text,
	"public_log_url" text,
	"disconnection_reason" text,
	"analyzed" boolean DEFAULT false NOT NULL,
	"call_summary" text,
	"user_sentiment" text,
	"call_successful" boolean,
	"in_voicemail" boolean,
	"custom_analysis_data" jsonb,
	"metadata" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "calls_tenantId_callId_unique" UNIQUE("tenant_id","call_id")
);
--> statement-breakpoint
ALTER TABLE "sync_state" ADD CONSTRAINT "sync_state_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calls" ADD CONSTRAINT "calls_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calls" ADD CONSTRAINT "calls_tenant_id_agent_id_agents_tenant_id_agent_id_fk" FOREIGN KEY ("tenant_id","agent_id") REFERENCES "public"."agents"("tenant_id","agent_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "agents_agent_id_index" ON "agents" USING btree ("agent_id");--> statement-breakpoint
CREATE INDEX "calls_tenant_id_agent_id_started_at_index" ON "calls" USING btree ("tenant_id","agent_id","started_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "calls_tenant_id_started_at_index" ON "calls" USING btree ("tenant_id","started_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "calls_unsettled_idx" ON "calls" USING btree ("tenant_id","started_at") WHERE ("calls"."call_status" in ('registered', 'ongoing') or ("calls"."call_status" = 'ended' and (not "calls"."analyzed" or "calls"."transcript" is null)));