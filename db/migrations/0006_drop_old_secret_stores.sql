DROP TABLE "tenant_settings" CASCADE;--> statement-breakpoint
DROP TABLE "provider_configs" CASCADE;