-- Moves every provider credential into the platform's credentials store (0004): each non-null
-- tenant_settings section becomes the tenant's credential of that kind, named 'default', and each
-- provider_configs row a credential of its provider's kind, named by its config_name, keeping its id.
-- A secret is a top-level field holding a sealed value ({ sealed, hint }), copied as it is (under the
-- key that sealed it, without a key id; `npm run secrets:rotate` re-seals it): in a settings section
-- every sealed field, in a provider config a sealed field whose name is a secret's (apiKey, *secret,
-- *token, *password, ignoring case, '_' and '-'), exactly what each read revealed as a secret before.
-- 0006 then drops tenant_settings and provider_configs.
INSERT INTO "credentials" ("tenant_id", "kind", "name", "data", "secrets", "is_active", "created_at", "updated_at")
SELECT
	s."tenant_id",
	section.kind,
	'default',
	coalesce((SELECT jsonb_object_agg(f.key, f.value) FROM jsonb_each(section.value) AS f
		WHERE NOT (jsonb_typeof(f.value) = 'object' AND f.value ? 'sealed' AND f.value ? 'hint')), '{}'::jsonb),
	coalesce((SELECT jsonb_object_agg(f.key, f.value) FROM jsonb_each(section.value) AS f
		WHERE jsonb_typeof(f.value) = 'object' AND f.value ? 'sealed' AND f.value ? 'hint'), '{}'::jsonb),
	true,
	s."updated_at",
	s."updated_at"
FROM "tenant_settings" AS s
CROSS JOIN LATERAL (VALUES
	('whatsappConfig', s."whatsapp_config"),
	('webhookConfig', s."webhook_config"),
	('retellConfig', s."retell_config")
) AS section(kind, value)
WHERE jsonb_typeof(section.value) = 'object';
--> statement-breakpoint
INSERT INTO "credentials" ("id", "tenant_id", "kind", "name", "data", "secrets", "is_active", "created_at", "updated_at")
SELECT
	p."id",
	p."tenant_id",
	p."provider",
	p."config_name",
	coalesce((SELECT jsonb_object_agg(f.key, f.value) FROM jsonb_each(p."config_data") AS f
		WHERE NOT (lower(regexp_replace(f.key, '[_-]', '', 'g')) ~ '(apikey|secret|token|password)$'
			AND jsonb_typeof(f.value) = 'object' AND f.value ? 'sealed' AND f.value ? 'hint')), '{}'::jsonb),
	coalesce((SELECT jsonb_object_agg(f.key, f.value) FROM jsonb_each(p."config_data") AS f
		WHERE lower(regexp_replace(f.key, '[_-]', '', 'g')) ~ '(apikey|secret|token|password)$'
			AND jsonb_typeof(f.value) = 'object' AND f.value ? 'sealed' AND f.value ? 'hint'), '{}'::jsonb),
	p."is_active",
	p."created_at",
	p."updated_at"
FROM "provider_configs" AS p;
