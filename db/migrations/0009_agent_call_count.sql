-- Keeps agents.call_count (0008) exact in the statement that writes the calls, so call history's
-- total is read off the agent row instead of counted on every page.
-- - Inserts and deletes: statement-level triggers over the transition tables, one UPDATE of the
--   agents a statement touched, whatever its number of rows. An INSERT ... ON CONFLICT DO UPDATE
--   (the Retell sync, the webhook) puts only the rows it inserted in the INSERT's transition table,
--   so a call synced again is not counted again.
-- - A call moved to another agent (the upsert takes the agent_id a later payload sends): a row
--   trigger whose WHEN passes only such a row, so other updates never run it.
-- The triggers are created before the backfill: creating them locks calls against writes until the
-- migration's transaction commits, so no call is written between the count and the triggers.
CREATE FUNCTION "agents_count_calls"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		UPDATE "agents" SET "call_count" = "agents"."call_count" + written.n
		FROM (SELECT "tenant_id", "agent_id", count(*)::int AS n FROM inserted_calls GROUP BY 1, 2) AS written
		WHERE "agents"."tenant_id" = written."tenant_id" AND "agents"."agent_id" = written."agent_id";
	ELSE
		UPDATE "agents" SET "call_count" = "agents"."call_count" - written.n
		FROM (SELECT "tenant_id", "agent_id", count(*)::int AS n FROM deleted_calls GROUP BY 1, 2) AS written
		WHERE "agents"."tenant_id" = written."tenant_id" AND "agents"."agent_id" = written."agent_id";
	END IF;
	RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "calls_counted_on_insert" AFTER INSERT ON "calls"
	REFERENCING NEW TABLE AS inserted_calls
	FOR EACH STATEMENT EXECUTE FUNCTION "agents_count_calls"();
--> statement-breakpoint
CREATE TRIGGER "calls_counted_on_delete" AFTER DELETE ON "calls"
	REFERENCING OLD TABLE AS deleted_calls
	FOR EACH STATEMENT EXECUTE FUNCTION "agents_count_calls"();
--> statement-breakpoint
CREATE FUNCTION "agents_count_moved_call"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE "agents" SET "call_count" = "call_count" - 1 WHERE "tenant_id" = OLD."tenant_id" AND "agent_id" = OLD."agent_id";
	UPDATE "agents" SET "call_count" = "call_count" + 1 WHERE "tenant_id" = NEW."tenant_id" AND "agent_id" = NEW."agent_id";
	RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "calls_counted_on_move" AFTER UPDATE OF "tenant_id", "agent_id" ON "calls"
	FOR EACH ROW WHEN (OLD."tenant_id" IS DISTINCT FROM NEW."tenant_id" OR OLD."agent_id" IS DISTINCT FROM NEW."agent_id")
	EXECUTE FUNCTION "agents_count_moved_call"();
--> statement-breakpoint
UPDATE "agents" SET "call_count" = counted.n
FROM (SELECT "tenant_id", "agent_id", count(*)::int AS n FROM "calls" GROUP BY 1, 2) AS counted
WHERE "agents"."tenant_id" = counted."tenant_id" AND "agents"."agent_id" = counted."agent_id";
