ALTER TABLE "users" ALTER COLUMN "role" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_scopes_check" CHECK ("api_keys"."scopes" <@ array['read', 'write', 'sync', 'ai-agent']::text[]);--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_actor_type_check" CHECK ("audit_log"."actor_type" in ('user', 'api_key', 'public', 'system'));--> statement-breakpoint
ALTER TABLE "sync_state" ADD CONSTRAINT "sync_state_last_status_check" CHECK ("sync_state"."last_status" in ('ok', 'partial', 'error'));--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_role_check" CHECK ("users"."role" in ('owner', 'admin', 'sales_manager', 'sales_rep', 'agent', 'qa_supervisor', 'compliance_officer', 'operations'));--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_status_check" CHECK ("agents"."status" in ('ACTIVE', 'INACTIVE'));--> statement-breakpoint
ALTER TABLE "calls" ADD CONSTRAINT "calls_call_type_check" CHECK ("calls"."call_type" in ('web_call', 'phone_call'));--> statement-breakpoint
ALTER TABLE "calls" ADD CONSTRAINT "calls_direction_check" CHECK ("calls"."direction" in ('inbound', 'outbound'));--> statement-breakpoint
ALTER TABLE "calls" ADD CONSTRAINT "calls_call_status_check" CHECK ("calls"."call_status" in ('registered', 'ongoing', 'not_connected', 'ended', 'error'));--> statement-breakpoint
DROP TYPE "public"."user_role";