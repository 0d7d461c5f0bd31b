-- Indexes of the read queries (services/projector/src/queries). Lists page by keyset on
-- (created_at, id) newest first, so each filter that narrows a tenant's jobs gets an index in that order.
DROP INDEX IF EXISTS pipeline_jobs_tenant_status;
CREATE INDEX pipeline_jobs_tenant_status_created ON pipeline_jobs (tenant_id, status, created_at DESC, id DESC);
CREATE INDEX pipeline_jobs_tenant_ticker_created ON pipeline_jobs (tenant_id, ticker, created_at DESC, id DESC);
-- Stats over 1 h / 24 h / 7 d windows of finished jobs.
CREATE INDEX pipeline_jobs_tenant_completed ON pipeline_jobs (tenant_id, completed_at) WHERE completed_at IS NOT NULL;
-- "Jobs changed since checkpoint N" (the dashboard's SSE resume).
CREATE INDEX pipeline_jobs_tenant_last_seq ON pipeline_jobs (tenant_id, last_seq);
