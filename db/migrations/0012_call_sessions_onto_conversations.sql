ALTER TABLE "call_sessions" DROP CONSTRAINT "call_sessions_tenant_id_chat_session_id_chat_sessions_tenant_id_id_fk";
--> statement-breakpoint
ALTER TABLE "call_sessions" ADD CONSTRAINT "call_sessions_tenant_id_chat_session_id_conversations_tenant_id_id_fk" FOREIGN KEY ("tenant_id","chat_session_id") REFERENCES "public"."conversations"("tenant_id","id") ON DELETE cascade ON UPDATE no action;