-- Dead letters (issue 4), rebuilt from the log like every read model: jobs that failed for good
-- (`SweepFailed`) and commands taken out of circulation (`SweepCommandDeadLettered`,
-- `MessageDeadLettered`). A job's dead letters are resolved when the job is retried.

CREATE TABLE dead_letters (
  id          text PRIMARY KEY,   -- id of the event that recorded it
  seq         bigint NOT NULL,
  tenant_id   text NOT NULL,
  source      text NOT NULL CHECK (source IN ('job_failed', 'invalid_command', 'max_deliveries')),
  job_id      uuid,
  attempts    int,
  reason      text NOT NULL,
  errors      jsonb NOT NULL DEFAULT '[]',
  subject     text,
  stream_seq  bigint,
  payload     text,
  created_at  timestamptz NOT NULL,
  resolved_at timestamptz
);
CREATE INDEX dead_letters_tenant ON dead_letters (tenant_id, seq DESC);
CREATE INDEX dead_letters_job ON dead_letters (job_id) WHERE job_id IS NOT NULL;

-- Row-level security: in a fresh schema 021 protects every tenant_id table; in one where 021 already
-- ran, this migration runs after it and protects its own table.
DO $$
BEGIN
  IF to_regproc('zixly_protect_tenant_table') IS NOT NULL THEN
    PERFORM zixly_protect_tenant_table('dead_letters');
    EXECUTE format('GRANT SELECT ON dead_letters TO zixly_app');
  END IF;
END $$;
