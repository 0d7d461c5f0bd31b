-- Authentication and tenancy (issue 6). Unlike the read models, these tables are NOT rebuilt from the
-- log: a schema rebuild (replay) must carry tenants, users, api_keys and tenant_settings over.

ALTER TABLE tenants ADD COLUMN IF NOT EXISTS disabled_at timestamptz;

ALTER TABLE users ADD COLUMN IF NOT EXISTS password_hash text;
ALTER TABLE users ADD COLUMN IF NOT EXISTS last_login_at timestamptz;
ALTER TABLE users ADD COLUMN IF NOT EXISTS disabled_at timestamptz;
CREATE INDEX IF NOT EXISTS users_tenant ON users (tenant_id, created_at);

-- An API key: the public id (also inside the key) finds the row; only the SHA-256 of the key is kept.
CREATE TABLE api_keys (
  id                    text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{12}$'),
  tenant_id             text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name                  text NOT NULL,
  role                  text NOT NULL CHECK (role IN ('ADMIN', 'EDITOR', 'VIEWER')),
  key_hash              text NOT NULL,
  rate_limit_per_minute int CHECK (rate_limit_per_minute > 0),
  created_by            uuid,
  created_at            timestamptz NOT NULL DEFAULT now(),
  last_used_at          timestamptz,
  revoked_at            timestamptz
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at DESC);

-- Per-tenant security settings; a tenant without a row gets the defaults.
CREATE TABLE tenant_settings (
  tenant_id                  text PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  rate_limit_per_minute      int NOT NULL DEFAULT 100 CHECK (rate_limit_per_minute > 0),
  read_rate_limit_per_minute int NOT NULL DEFAULT 1000 CHECK (read_rate_limit_per_minute > 0),
  -- When set, API-key requests to webhook routes must carry X-Zixly-Signature made with it.
  signing_secret             text,
  updated_at                 timestamptz NOT NULL DEFAULT now()
);

-- The two lookups that must cross tenants (which tenant does this key / this email belong to?) are
-- SECURITY DEFINER functions: they run as the migration's owner, which bypasses row-level security,
-- and return exactly one row by an exact key. Everything else runs as the application role under RLS.
CREATE FUNCTION auth_api_key(p_id text)
RETURNS TABLE (id text, tenant_id text, role text, key_hash text, revoked_at timestamptz, key_rate_limit int,
               rate_limit_per_minute int, read_rate_limit_per_minute int, signing_secret text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
  SELECT k.id, k.tenant_id, k.role, k.key_hash, coalesce(k.revoked_at, t.disabled_at), k.rate_limit_per_minute,
         s.rate_limit_per_minute, s.read_rate_limit_per_minute, s.signing_secret
  FROM api_keys k JOIN tenants t ON t.id = k.tenant_id LEFT JOIN tenant_settings s ON s.tenant_id = k.tenant_id
  WHERE k.id = p_id
$$;

CREATE FUNCTION auth_user_by_email(p_email text)
RETURNS TABLE (id uuid, tenant_id text, email text, role text, password_hash text, disabled_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
  SELECT u.id, u.tenant_id, u.email, u.role, u.password_hash, coalesce(u.disabled_at, t.disabled_at)
  FROM users u JOIN tenants t ON t.id = u.tenant_id
  WHERE u.email = lower(p_email)
$$;

REVOKE ALL ON FUNCTION auth_api_key(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION auth_user_by_email(text) FROM PUBLIC;
