import { quoteIdent, type Pool } from '@zixly/platform'

/**
 * The peer baseline's tables, as the seed's services keep them: a job row updated in place and the
 * results inserted next to it. Same result columns as Zixly's `trading_sweep_results`.
 */
export async function createBaselineTables(pool: Pool, schema: string): Promise<void> {
  const s = quoteIdent(schema)
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${s}`)
  await pool.query(`
    CREATE TABLE IF NOT EXISTS ${s}.bq_jobs (
      id            uuid PRIMARY KEY,
      tenant_id     text NOT NULL,
      status        text NOT NULL CHECK (status IN ('QUEUED','RUNNING','COMPLETED','FAILED')),
      parameters    jsonb NOT NULL,
      ticker        text NOT NULL,
      total_combinations int,
      error_message text,
      created_at    timestamptz NOT NULL,
      started_at    timestamptz,
      completed_at  timestamptz,
      updated_at    timestamptz NOT NULL
    );
    CREATE INDEX IF NOT EXISTS bq_jobs_status ON ${s}.bq_jobs (status);
    CREATE TABLE IF NOT EXISTS ${s}.bq_results (
      job_id                uuid NOT NULL REFERENCES ${s}.bq_jobs(id) ON DELETE CASCADE,
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
      PRIMARY KEY (job_id, fast_period, slow_period)
    );`)
}

/** Result columns in insert order (the ResultRow field names). */
export const RESULT_COLUMNS = [
  'fast_period', 'slow_period', 'score', 'sharpe_ratio', 'sortino_ratio', 'calmar_ratio', 'total_return_pct',
  'annualized_return', 'max_drawdown_pct', 'max_drawdown_duration', 'win_rate_pct', 'profit_factor',
  'expectancy_per_trade', 'total_trades', 'total_closed_trades', 'trades_per_month', 'avg_trade_duration',
  'beats_bnh_pct', 'rank_for_ticker',
] as const

/** Queue name and Redis key prefix of one baseline run. */
export const QUEUE = 'sweeps'
