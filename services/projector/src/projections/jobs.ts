import { RESULT_FIELDS, type SweepEvent } from '@zixly/contracts'
import { summarize } from './summary.ts'

/** One parameterised SQL statement. */
export interface Statement {
  readonly text: string
  readonly values: readonly unknown[]
}

const TERMINAL = `('COMPLETED','FAILED','CANCELLED')`

/** Position of an event in the log. */
export interface Position {
  readonly seq: number
}

const attemptOf = (e: SweepEvent): number | null => ('attempt' in e.data ? e.data.attempt : null)

/** Timeline row; the bulky result rows are left out of `data` (they live in their own table). */
function timeline(e: SweepEvent, pos: Position): Statement {
  const data = e.type === 'SweepResultsRecorded' ? { ...e.data, rows: undefined, row_count: e.data.rows.length } : e.data
  return {
    text: `INSERT INTO job_events (seq, job_id, tenant_id, event_id, type, version, attempt, occurred_at, summary, data)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT (seq) DO NOTHING`,
    values: [pos.seq, e.data.job_id, e.metadata.tenantId, e.id, e.type, e.version, attemptOf(e), e.metadata.occurredAt, summarize(e), data],
  }
}

/** Updates a job only with an event newer than the last one it has seen and only while it is not finished. */
function updateJob(set: string, values: unknown[], e: SweepEvent, pos: Position, opts: { terminal?: boolean } = {}): Statement {
  const n = values.length
  return {
    text: `UPDATE pipeline_jobs SET ${set}, updated_at = $${n + 3}, last_seq = $${n + 2}
           WHERE id = $${n + 1} AND last_seq < $${n + 2}${opts.terminal === false ? '' : ` AND status NOT IN ${TERMINAL}`}`,
    values: [...values, e.data.job_id, pos.seq, e.metadata.occurredAt],
  }
}

const RESULT_COLUMNS = RESULT_FIELDS.map((f) => f)
const RESULT_TYPES: Record<string, string> = {
  fast_period: 'int',
  slow_period: 'int',
  total_trades: 'int',
  total_closed_trades: 'int',
  rank_for_ticker: 'int',
  max_drawdown_duration: 'text',
  avg_trade_duration: 'text',
}

/** The jobs, attempts, results and timeline read models: one event → the SQL that applies it. Pure. */
export function projectJobs(e: SweepEvent, pos: Position): Statement[] {
  const out: Statement[] = [timeline(e, pos)]
  const t = e.metadata.occurredAt
  switch (e.type) {
    case 'SweepRequested': {
      const p = e.data.params
      out.push(
        { text: `INSERT INTO tenants (id, name) VALUES ($1, $1) ON CONFLICT (id) DO NOTHING`, values: [e.metadata.tenantId] },
        {
          text: `INSERT INTO pipeline_jobs (id, tenant_id, status, parameters, ticker, strategy_type, priority, max_attempts,
                   idempotency_key, created_at, updated_at, last_seq)
                 VALUES ($1,$2,'QUEUED',$3,$4,$5,$6,$7,$8,$9,$9,$10) ON CONFLICT (id) DO NOTHING`,
          values: [e.data.job_id, e.metadata.tenantId, p, p.ticker, p.strategy_type, p.priority, p.max_attempts, e.data.idempotency_key ?? null, t, pos.seq],
        },
      )
      break
    }
    case 'SweepDispatched':
      out.push(
        {
          text: `INSERT INTO job_attempts (job_id, attempt, status, dispatched_at) VALUES ($1,$2,'DISPATCHED',$3)
                 ON CONFLICT (job_id, attempt) DO NOTHING`,
          values: [e.data.job_id, e.data.attempt, t],
        },
        updateJob(`attempts = GREATEST(attempts, $1)`, [e.data.attempt], e, pos),
      )
      break
    case 'SweepStarted':
      out.push(
        {
          text: `UPDATE job_attempts SET status = 'RUNNING', executor_id = $3, started_at = COALESCE(started_at, $4)
                 WHERE job_id = $1 AND attempt = $2 AND status IN ('DISPATCHED','RUNNING')`,
          values: [e.data.job_id, e.data.attempt, e.data.executor_id, t],
        },
        updateJob(
          `status = 'RUNNING', started_at = COALESCE(started_at, $1), attempts = GREATEST(attempts, $2), progress_total = $3, progress_done = 0`,
          [t, e.data.attempt, e.data.combinations],
          e,
          pos,
        ),
      )
      break
    case 'SweepProgressed':
      out.push(updateJob(`progress_done = GREATEST(progress_done, $1), progress_total = $2`, [e.data.done, e.data.total], e, pos))
      break
    case 'SweepResultsRecorded':
      if (e.data.rows.length > 0)
        out.push({
          text: `INSERT INTO trading_sweep_results (job_id, tenant_id, ticker, strategy_type, attempt, ${RESULT_COLUMNS.join(', ')})
                 SELECT j.id, j.tenant_id, j.ticker, j.strategy_type, $2, ${RESULT_COLUMNS.map((c) => `r.${c}`).join(', ')}
                 FROM pipeline_jobs j, jsonb_to_recordset($3::jsonb) AS r(${RESULT_COLUMNS.map((c) => `${c} ${RESULT_TYPES[c] ?? 'double precision'}`).join(', ')})
                 WHERE j.id = $1
                 ON CONFLICT (job_id, fast_period, slow_period) DO NOTHING`,
          values: [e.data.job_id, e.data.attempt, JSON.stringify(e.data.rows)],
        })
      break
    case 'SweepCompleted':
      out.push(
        {
          text: `UPDATE job_attempts SET status = 'SUCCEEDED', finished_at = $3 WHERE job_id = $1 AND attempt = $2`,
          values: [e.data.job_id, e.data.attempt, t],
        },
        updateJob(
          `status = 'COMPLETED', completed_at = $1, total_combinations = $2, ranked_combinations = $3, best = $4,
           bnh_return_pct = $5, results_uri = $6, progress_done = $2, progress_total = $2, error_message = NULL`,
          [t, e.data.total_combinations, e.data.ranked_combinations, e.data.best, e.data.bnh_return_pct, e.data.results_uri],
          e,
          pos,
        ),
      )
      break
    case 'SweepAttemptFailed':
      out.push(
        {
          text: `UPDATE job_attempts SET status = 'FAILED', finished_at = $3, error = $4 WHERE job_id = $1 AND attempt = $2`,
          values: [e.data.job_id, e.data.attempt, t, e.data.error],
        },
        updateJob(`status = 'RETRYING', error_message = $1`, [e.data.error.message], e, pos),
      )
      break
    case 'SweepFailed':
      out.push(updateJob(`status = 'FAILED', completed_at = $1, error_message = $2`, [t, e.data.reason], e, pos))
      break
    case 'SweepCancelled':
      out.push(updateJob(`status = 'CANCELLED', completed_at = $1, error_message = $2`, [t, e.data.reason], e, pos))
      break
  }
  return out
}
