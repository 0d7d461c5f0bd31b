-- Tenant isolation in the database itself (issue 6). Every table holding tenant data gets row-level
-- security, ENABLEd and FORCEd, with one policy: a row is visible and writable only when its tenant is
-- the transaction's `app.tenant_id` (set with SET LOCAL by withTenant() in @zixly/platform). Ingest's
-- queries run as the role zixly_app, which has no BYPASSRLS, so a query that forgets its tenant filter
-- still sees one tenant. The projector and the migrations run as the owner, which must bypass RLS
-- (a superuser locally; a role with BYPASSRLS elsewhere): they write every tenant's rows.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'zixly_app') THEN
    BEGIN
      CREATE ROLE zixly_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- another schema's migration created it at the same moment
    END;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'zixly_app' AND (rolsuper OR rolbypassrls)) THEN
    RAISE EXCEPTION 'role zixly_app must be neither a superuser nor BYPASSRLS: row-level security would not apply';
  END IF;
END $$;

-- Protects one table. Later migrations that add a tenant table call it:
--   SELECT zixly_protect_tenant_table('my_table');              -- a table with a tenant_id column
--   SELECT zixly_protect_tenant_table('t', '<boolean condition>'); -- anything else
CREATE FUNCTION zixly_protect_tenant_table(tbl regclass, condition text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  cond text := coalesce(condition, 'tenant_id = current_setting(''app.tenant_id'', true)');
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
  EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %s', tbl);
  EXECUTE format('CREATE POLICY tenant_isolation ON %s USING (%s) WITH CHECK (%s)', tbl, cond, cond);
END $$;

-- Every table of this schema with a tenant_id column, whoever's migration created it.
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT c.oid::regclass AS tbl
    FROM pg_class c
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
    WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
  LOOP
    PERFORM zixly_protect_tenant_table(r.tbl);
  END LOOP;
END $$;

SELECT zixly_protect_tenant_table('tenants', 'id = current_setting(''app.tenant_id'', true)');
SELECT zixly_protect_tenant_table('job_attempts',
  'job_id IN (SELECT id FROM pipeline_jobs WHERE tenant_id = current_setting(''app.tenant_id'', true))');

-- What the application role may do: read every table (RLS decides which rows), manage its tenant's
-- users, keys and settings. Tables created later in this schema are readable too (and must be
-- protected by their migration: test/security checks that every tenant_id table is).
DO $$
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO zixly_app', current_schema());
  EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO zixly_app', current_schema());
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT ON TABLES TO zixly_app', current_schema());
END $$;
REVOKE ALL ON schema_migrations, projection_checkpoints FROM zixly_app;
GRANT INSERT, UPDATE, DELETE ON users, api_keys, tenant_settings TO zixly_app;
GRANT INSERT, UPDATE ON tenants TO zixly_app;
GRANT EXECUTE ON FUNCTION auth_api_key(text), auth_user_by_email(text) TO zixly_app;
