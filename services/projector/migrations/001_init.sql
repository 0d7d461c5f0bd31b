-- Read models built from the EVENTS stream. Every table here can be rebuilt from the log.

CREATE TABLE tenants (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id          uuid PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants(id),
  email       text NOT NULL UNIQUE,
  role        text NOT NULL CHECK (role IN ('ADMIN', 'EDITOR', 'VIEWER')),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE pipeline_jobs (
  id                  uuid PRIMARY KEY,
  tenant_id           text NOT NULL,
  job_type            text NOT NULL DEFAULT 'trading_sweep',
  status              text NOT NULL CHECK (status IN ('QUEUED','RUNNING','RETRYING','COMPLETED','FAILED','CANCELLED')),
  parameters          jsonb NOT NULL,
  ticker              text NOT NULL,
  strategy_type       text NOT NULL,
  priority            int NOT NULL,
  max_attempts        int NOT NULL,
  attempts            int NOT NULL DEFAULT 0,
  progress_done       int NOT NULL DEFAULT 0,
  progress_total      int NOT NULL DEFAULT 0,
  total_combinations  int,
  ranked_combinations int,
  best                jsonb,
  bnh_return_pct      double precision,
  results_uri         text,
  error_message       text,
  idempotency_key     text,
  created_at          timestamptz NOT NULL,
  started_at          timestamptz,
  completed_at        timestamptz,
  updated_at          timestamptz NOT NULL,
  last_seq            bigint NOT NULL
);
CREATE INDEX pipeline_jobs_tenant_created ON pipeline_jobs (tenant_id, created_at DESC, id DESC);
CREATE INDEX pipeline_jobs_tenant_status ON pipeline_jobs (tenant_id, status);

CREATE TABLE job_attempts (
  job_id        uuid NOT NULL REFERENCES pipeline_jobs(id) ON DELETE CASCADE,
  attempt       int NOT NULL,
  status        text NOT NULL CHECK (status IN ('DISPATCHED','RUNNING','SUCCEEDED','FAILED')),
  executor_id   text,
  dispatched_at timestamptz,
  started_at    timestamptz,
  finished_at   timestamptz,
  error         jsonb,
  PRIMARY KEY (job_id, attempt)
);

CREATE TABLE trading_sweep_results (
  job_id                uuid NOT NULL REFERENCES pipeline_jobs(id) ON DELETE CASCADE,
  tenant_id             text NOT NULL,
  ticker                text NOT NULL,
  strategy_type         text NOT NULL,
  fast_period           int NOT NULL,
  slow_period           int NOT NULL,
  score                 double precision NOT NULL,
  sharpe_ratio          double precision NOT NULL,
  sortino_ratio         double precision NOT NULL,
  calmar_ratio          double precision NOT NULL,
  total_return_pct      double precision NOT NULL,
  annualized_return     double precision NOT NULL,
  max_drawdown_pct      double precision NOT NULL,
  max_drawdown_duration text NOT NULL,
  win_rate_pct          double precision NOT NULL,
  profit_factor         double precision,
  expectancy_per_trade  double precision NOT NULL,
  total_trades          int NOT NULL,
  total_closed_trades   int NOT NULL,
  trades_per_month      double precision NOT NULL,
  avg_trade_duration    text NOT NULL,
  beats_bnh_pct         double precision NOT NULL,
  rank_for_ticker       int,
  attempt               int NOT NULL,
  PRIMARY KEY (job_id, fast_period, slow_period)
);
CREATE INDEX trading_sweep_results_score ON trading_sweep_results (job_id, score DESC);

CREATE TABLE job_events (
  seq          bigint PRIMARY KEY,
  job_id       uuid NOT NULL,
  tenant_id    text NOT NULL,
  event_id     text NOT NULL,
  type         text NOT NULL,
  version      int NOT NULL,
  attempt      int,
  occurred_at  timestamptz NOT NULL,
  summary      text NOT NULL,
  data         jsonb
);
CREATE INDEX job_events_job ON job_events (job_id, seq);

CREATE TABLE projection_checkpoints (
  name        text PRIMARY KEY,
  seq         bigint NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
