DROP INDEX "api_keys_tenant_id_index";--> statement-breakpoint
DROP INDEX "audit_log_tenant_id_created_at_index";--> statement-breakpoint
DROP INDEX "users_tenant_id_index";--> statement-breakpoint
DROP INDEX "call_analytics_tenant_id_call_session_id_index";--> statement-breakpoint
DROP INDEX "call_sessions_tenant_id_created_at_index";--> statement-breakpoint
DROP INDEX "call_transcripts_tenant_id_call_session_id_timestamp_seconds_index";--> statement-breakpoint
DROP INDEX "chat_messages_tenant_id_session_id_created_at_index";--> statement-breakpoint
DROP INDEX "chat_sessions_tenant_id_updated_at_index";--> statement-breakpoint
DROP INDEX "policies_tenant_id_created_at_index";--> statement-breakpoint
DROP INDEX "return_requests_tenant_id_created_at_index";--> statement-breakpoint
DROP INDEX "return_requests_tenant_id_status_created_at_index";--> statement-breakpoint
DROP INDEX "calls_tenant_id_agent_id_started_at_index";--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "call_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "api_keys_tenant_id_created_at_id_index" ON "api_keys" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "audit_log_tenant_id_created_at_id_index" ON "audit_log" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "users_tenant_id_created_at_id_index" ON "users" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "call_analytics_tenant_id_call_session_id_created_at_id_index" ON "call_analytics" USING btree ("tenant_id","call_session_id","created_at","id");--> statement-breakpoint
CREATE INDEX "call_sessions_tenant_id_created_at_id_index" ON "call_sessions" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "call_transcripts_call_order_idx" ON "call_transcripts" USING btree ("tenant_id","call_session_id","timestamp_seconds","created_at","id");--> statement-breakpoint
CREATE INDEX "chat_messages_tenant_id_session_id_created_at_id_index" ON "chat_messages" USING btree ("tenant_id","session_id","created_at","id");--> statement-breakpoint
CREATE INDEX "chat_sessions_tenant_id_updated_at_id_index" ON "chat_sessions" USING btree ("tenant_id","updated_at","id");--> statement-breakpoint
CREATE INDEX "policies_tenant_id_created_at_id_index" ON "policies" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "return_requests_tenant_id_created_at_id_index" ON "return_requests" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "return_requests_tenant_id_status_created_at_id_index" ON "return_requests" USING btree ("tenant_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "calls_tenant_id_agent_id_started_at_id_index" ON "calls" USING btree ("tenant_id","agent_id","started_at","id");--> statement-breakpoint
CREATE INDEX "calls_tenant_id_agent_id_duration_ms_id_index" ON "calls" USING btree ("tenant_id","agent_id","duration_ms","id");--> statement-breakpoint
CREATE INDEX "calls_tenant_id_agent_id_cost_cents_id_index" ON "calls" USING btree ("tenant_id","agent_id","cost_cents","id");