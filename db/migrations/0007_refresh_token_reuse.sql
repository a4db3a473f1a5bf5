ALTER TABLE "refresh_tokens" ADD COLUMN "spent_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "refresh_tokens_user_id_index" ON "refresh_tokens" USING btree ("user_id");