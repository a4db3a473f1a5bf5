-- Spec 000's chat sessions and messages become inbox conversations and messages, and its mock orders
-- commerce orders (DESIGN §1: the inbox owns every channel's conversations, commerce every order).
-- Ids are kept, so call sessions' chat_session_id still names the same conversation (0012 moves its foreign
-- key onto conversations); 0013 drops the old tables once nothing reads them.

-- A session's chat mode is its channel; `normal` is the returns desk's own web chat.
INSERT INTO "conversations" (
	"id", "tenant_id", "channel_type", "assignee_id", "subject", "status", "is_test", "metadata",
	"started_at", "last_message_at", "message_count", "created_at", "updated_at"
)
SELECT s."id", s."tenant_id",
	CASE s."chat_mode" WHEN 'normal' THEN 'webchat' WHEN 'messenger' THEN 'facebook' ELSE s."chat_mode" END,
	s."user_id", s."session_name",
	CASE WHEN s."is_active" THEN 'open' ELSE 'closed' END,
	s."session_type" = 'test_mode', s."metadata", s."created_at",
	(SELECT max(m."created_at") FROM "chat_messages" m WHERE m."session_id" = s."id"),
	(SELECT count(*) FROM "chat_messages" m WHERE m."session_id" = s."id"),
	s."created_at", s."updated_at"
FROM "chat_sessions" s;
--> statement-breakpoint
-- The customer's messages come in, the agent's and the system's go out; the web chat shows them at once.
INSERT INTO "messages" (
	"id", "tenant_id", "conversation_id", "direction", "sender", "content_type", "text", "metadata",
	"status", "sent_at", "delivered_at", "timestamp", "created_at", "updated_at"
)
SELECT m."id", m."tenant_id", m."session_id",
	CASE m."sender" WHEN 'user' THEN 'inbound' ELSE 'outbound' END,
	CASE m."sender" WHEN 'user' THEN 'customer' ELSE m."sender" END,
	m."message_type", m."message", m."metadata",
	'delivered', m."created_at", m."created_at", m."created_at", m."created_at", m."created_at"
FROM "chat_messages" m;
--> statement-breakpoint
-- Each mock order's customer is one contact per tenant and email.
INSERT INTO "contacts" ("tenant_id", "email", "first_seen_at", "last_seen_at")
SELECT o."tenant_id", min(o."customer_email"), min(o."purchase_date"), max(o."purchase_date")
FROM "mock_orders" o
GROUP BY o."tenant_id", lower(o."customer_email");
--> statement-breakpoint
-- One product per tenant, name and category, priced as it was last sold.
INSERT INTO "products" ("tenant_id", "name", "category", "price", "currency")
SELECT DISTINCT ON (o."tenant_id", o."product_name", o."product_category")
	o."tenant_id", o."product_name", o."product_category", o."purchase_price", 'USD'
FROM "mock_orders" o
ORDER BY o."tenant_id", o."product_name", o."product_category", o."purchase_date" DESC;
--> statement-breakpoint
INSERT INTO "orders" ("tenant_id", "customer_id", "platform_order_id", "status", "total_amount", "currency", "placed_at")
SELECT o."tenant_id", c."id", o."order_id",
	CASE WHEN o."order_status" IN ('pending', 'processing', 'shipped', 'delivered', 'cancelled', 'refunded')
		THEN o."order_status" ELSE 'delivered' END,
	o."purchase_price" * greatest(o."quantity", 1), 'USD', o."purchase_date"
FROM "mock_orders" o
JOIN "contacts" c ON c."tenant_id" = o."tenant_id" AND lower(c."email") = lower(o."customer_email");
--> statement-breakpoint
INSERT INTO "order_items" ("tenant_id", "order_id", "product_id", "quantity", "price_at_purchase", "currency_at_purchase")
SELECT o."tenant_id", co."id", p."id", greatest(o."quantity", 1), o."purchase_price", 'USD'
FROM "mock_orders" o
JOIN "orders" co ON co."tenant_id" = o."tenant_id" AND co."platform_order_id" = o."order_id"
JOIN "products" p ON p."tenant_id" = o."tenant_id" AND p."name" = o."product_name" AND p."category" = o."product_category";
