CREATE TABLE "webhook_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"provider" text NOT NULL,
	"raw_body" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"tenant_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "webhook_events_status_check" CHECK ("webhook_events"."status" in ('pending', 'processed', 'failed', 'unroutable'))
);
--> statement-breakpoint
CREATE TABLE "whatsapp_templates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"business_account_id" text NOT NULL,
	"meta_template_id" text NOT NULL,
	"name" text NOT NULL,
	"language" text NOT NULL,
	"category" text NOT NULL,
	"status" text NOT NULL,
	"rejected_reason" text,
	"quality_score" text,
	"components" jsonb NOT NULL,
	"parameter_format" text,
	"deleted_at" timestamp with time zone,
	"seen_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "whatsapp_templates_tenantId_id_unique" UNIQUE("tenant_id","id"),
	CONSTRAINT "whatsapp_templates_tenantId_metaTemplateId_unique" UNIQUE("tenant_id","meta_template_id"),
	CONSTRAINT "whatsapp_templates_category_check" CHECK ("whatsapp_templates"."category" in ('marketing', 'utility', 'authentication'))
);
--> statement-breakpoint
ALTER TABLE "messages" DROP CONSTRAINT "messages_content_type_check";--> statement-breakpoint
ALTER TABLE "channels" ADD COLUMN "account_id" text;--> statement-breakpoint
ALTER TABLE "whatsapp_templates" ADD CONSTRAINT "whatsapp_templates_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "webhook_events_retry_index" ON "webhook_events" USING btree ("received_at") WHERE "webhook_events"."status" in ('pending', 'failed');--> statement-breakpoint
CREATE INDEX "webhook_events_received_at_index" ON "webhook_events" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "whatsapp_templates_tenant_id_created_at_id_index" ON "whatsapp_templates" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "whatsapp_templates_tenant_id_status_created_at_id_index" ON "whatsapp_templates" USING btree ("tenant_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "whatsapp_templates_tenant_id_business_account_id_seen_at_index" ON "whatsapp_templates" USING btree ("tenant_id","business_account_id","seen_at");--> statement-breakpoint
CREATE UNIQUE INDEX "channels_whatsapp_number_key" ON "channels" USING btree ("platform_specific_id") WHERE "channels"."type" = 'whatsapp';--> statement-breakpoint
CREATE INDEX "channels_type_account_id_index" ON "channels" USING btree ("type","account_id");--> statement-breakpoint
CREATE INDEX "credentials_verify_token_hash_index" ON "credentials" USING btree (("data"->>'verifyTokenHash')) WHERE "credentials"."kind" = 'channel';--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_content_type_check" CHECK ("messages"."content_type" in ('text', 'image', 'video', 'audio', 'file', 'document', 'location', 'sticker', 'contacts', 'template', 'interactive', 'button', 'reaction', 'unsupported'));