CREATE TABLE "call_analytics" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"call_session_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"metrics" jsonb,
	"events" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "call_sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"chat_session_id" uuid,
	"call_type" text NOT NULL,
	"provider" text NOT NULL,
	"external_session_id" text,
	"status" text DEFAULT 'initiated' NOT NULL,
	"duration_seconds" integer DEFAULT 0 NOT NULL,
	"provider_data" jsonb,
	"elevenlabs_agent_id" text,
	"elevenlabs_conversation_id" text,
	"tavus_replica_id" text,
	"tavus_conversation_id" text,
	"session_url" text,
	"webhook_data" jsonb,
	"is_active" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"activated_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	CONSTRAINT "call_sessions_tenantId_id_unique" UNIQUE("tenant_id","id"),
	CONSTRAINT "call_sessions_type_check" CHECK ("call_sessions"."call_type" in ('voice', 'video', 'test')),
	CONSTRAINT "call_sessions_provider_check" CHECK ("call_sessions"."provider" in ('elevenlabs', 'tavus', 'test')),
	CONSTRAINT "call_sessions_status_check" CHECK ("call_sessions"."status" in ('initiated', 'connecting', 'active', 'ended', 'failed')),
	CONSTRAINT "call_sessions_duration_check" CHECK ("call_sessions"."duration_seconds" >= 0)
);
--> statement-breakpoint
CREATE TABLE "call_transcripts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"call_session_id" uuid NOT NULL,
	"speaker" text NOT NULL,
	"message" text NOT NULL,
	"timestamp_seconds" numeric,
	"confidence_score" numeric,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "call_transcripts_speaker_check" CHECK ("call_transcripts"."speaker" in ('user', 'agent', 'system'))
);
--> statement-breakpoint
CREATE TABLE "chat_messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"session_id" uuid NOT NULL,
	"sender" text NOT NULL,
	"message" text NOT NULL,
	"message_type" text DEFAULT 'text' NOT NULL,
	"metadata" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "chat_messages_sender_check" CHECK ("chat_messages"."sender" in ('user', 'agent', 'system')),
	CONSTRAINT "chat_messages_type_check" CHECK ("chat_messages"."message_type" in ('text', 'image', 'file', 'audio', 'video'))
);
--> statement-breakpoint
CREATE TABLE "chat_sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"user_id" uuid,
	"session_name" text DEFAULT 'Test Session' NOT NULL,
	"chat_mode" text DEFAULT 'normal' NOT NULL,
	"session_type" text DEFAULT 'test_mode' NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"metadata" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "chat_sessions_tenantId_id_unique" UNIQUE("tenant_id","id"),
	CONSTRAINT "chat_sessions_mode_check" CHECK ("chat_sessions"."chat_mode" in ('normal', 'messenger', 'whatsapp', 'shopify', 'woocommerce')),
	CONSTRAINT "chat_sessions_type_check" CHECK ("chat_sessions"."session_type" in ('test_mode', 'live_support'))
);
--> statement-breakpoint
CREATE TABLE "mock_orders" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "mock_orders_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"tenant_id" uuid NOT NULL,
	"order_id" text NOT NULL,
	"purchase_date" timestamp with time zone NOT NULL,
	"customer_email" text NOT NULL,
	"product_name" text NOT NULL,
	"product_category" text NOT NULL,
	"purchase_price" numeric(10, 2) DEFAULT 99.99 NOT NULL,
	"order_status" text DEFAULT 'delivered' NOT NULL,
	"quantity" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "mock_orders_tenantId_orderId_unique" UNIQUE("tenant_id","order_id")
);
--> statement-breakpoint
CREATE TABLE "policies" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "policies_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"tenant_id" uuid NOT NULL,
	"version" text NOT NULL,
	"is_active" boolean DEFAULT false NOT NULL,
	"effective_date" timestamp with time zone,
	"rules" jsonb NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "policies_tenantId_version_unique" UNIQUE("tenant_id","version")
);
--> statement-breakpoint
CREATE TABLE "provider_configs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"config_name" text NOT NULL,
	"config_data" jsonb NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "provider_configs_tenantId_provider_configName_unique" UNIQUE("tenant_id","provider","config_name"),
	CONSTRAINT "provider_configs_provider_check" CHECK ("provider_configs"."provider" in ('elevenlabs', 'tavus'))
);
--> statement-breakpoint
CREATE TABLE "return_requests" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "return_requests_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"public_id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"order_id" text NOT NULL,
	"customer_email" text NOT NULL,
	"reason_for_return" text NOT NULL,
	"reason_details" text,
	"product_category" text,
	"purchase_date" timestamp with time zone,
	"requested_resolution" text,
	"status" text DEFAULT 'pending_triage' NOT NULL,
	"evidence_urls" text[] DEFAULT '{}'::text[] NOT NULL,
	"conversation_log" jsonb,
	"ai_recommendation" text,
	"ai_confidence_score" double precision,
	"ai_evaluation" jsonb,
	"admin_notes" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "return_requests_publicId_unique" UNIQUE("public_id"),
	CONSTRAINT "return_requests_status_check" CHECK ("return_requests"."status" in ('pending_triage', 'pending_review', 'approved', 'denied', 'completed')),
	CONSTRAINT "return_requests_ai_confidence_check" CHECK ("return_requests"."ai_confidence_score" is null or ("return_requests"."ai_confidence_score" >= 0 and "return_requests"."ai_confidence_score" <= 1))
);
--> statement-breakpoint
ALTER TABLE "call_analytics" ADD CONSTRAINT "call_analytics_tenant_id_call_session_id_call_sessions_tenant_id_id_fk" FOREIGN KEY ("tenant_id","call_session_id") REFERENCES "public"."call_sessions"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "call_sessions" ADD CONSTRAINT "call_sessions_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "call_sessions" ADD CONSTRAINT "call_sessions_tenant_id_chat_session_id_chat_sessions_tenant_id_id_fk" FOREIGN KEY ("tenant_id","chat_session_id") REFERENCES "public"."chat_sessions"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "call_transcripts" ADD CONSTRAINT "call_transcripts_tenant_id_call_session_id_call_sessions_tenant_id_id_fk" FOREIGN KEY ("tenant_id","call_session_id") REFERENCES "public"."call_sessions"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chat_messages" ADD CONSTRAINT "chat_messages_tenant_id_session_id_chat_sessions_tenant_id_id_fk" FOREIGN KEY ("tenant_id","session_id") REFERENCES "public"."chat_sessions"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chat_sessions" ADD CONSTRAINT "chat_sessions_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chat_sessions" ADD CONSTRAINT "chat_sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mock_orders" ADD CONSTRAINT "mock_orders_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policies" ADD CONSTRAINT "policies_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policies" ADD CONSTRAINT "policies_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_configs" ADD CONSTRAINT "provider_configs_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "return_requests" ADD CONSTRAINT "return_requests_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "call_analytics_tenant_id_call_session_id_index" ON "call_analytics" USING btree ("tenant_id","call_session_id");--> statement-breakpoint
CREATE INDEX "call_sessions_tenant_id_created_at_index" ON "call_sessions" USING btree ("tenant_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "call_transcripts_tenant_id_call_session_id_timestamp_seconds_index" ON "call_transcripts" USING btree ("tenant_id","call_session_id","timestamp_seconds");--> statement-breakpoint
CREATE INDEX "chat_messages_tenant_id_session_id_created_at_index" ON "chat_messages" USING btree ("tenant_id","session_id","created_at");--> statement-breakpoint
CREATE INDEX "chat_sessions_tenant_id_updated_at_index" ON "chat_sessions" USING btree ("tenant_id","updated_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "policies_one_active_per_tenant" ON "policies" USING btree ("tenant_id") WHERE "policies"."is_active";--> statement-breakpoint
CREATE INDEX "policies_tenant_id_created_at_index" ON "policies" USING btree ("tenant_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "return_requests_tenant_id_created_at_index" ON "return_requests" USING btree ("tenant_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "return_requests_tenant_id_status_created_at_index" ON "return_requests" USING btree ("tenant_id","status","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "return_requests_tenant_email_idx" ON "return_requests" USING btree ("tenant_id",lower("customer_email"));