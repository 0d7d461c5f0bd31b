-- Row-level security on the notifier's tables (030), as 021 asks of every tenant table. The notifier
-- reads every tenant's channels and writes every tenant's deliveries, so like the projector it runs as
-- the owner role, which bypasses RLS (a superuser locally, BYPASSRLS elsewhere); zixly_app sees only
-- its own tenant's rows should an API read them later.
SELECT zixly_protect_tenant_table('notification_channels');
SELECT zixly_protect_tenant_table('notification_deliveries');
