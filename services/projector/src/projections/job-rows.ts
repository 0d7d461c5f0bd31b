import type { SweepEvent } from '@zixly/contracts'
import type { ColumnTypes } from './sql.ts'
import type { JsonRow } from './types.ts'

// The rows of `pipeline_jobs` and `job_attempts` folded one event at a time. Pure: the batch
// projection (jobs.ts) loads the rows a run of events touches, folds the run here, and writes the
// result back with one set-based upsert per table.

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED'])

/** The columns of `pipeline_jobs` this read model owns (later migrations may add others), with their types. */
export const JOB_COLUMNS = {
  id: 'uuid',
  tenant_id: 'text',
  job_type: 'text',
  status: 'text',
  parameters: 'jsonb',
  ticker: 'text',
  strategy_type: 'text',
  priority: 'int',
  max_attempts: 'int',
  attempts: 'int',
  progress_done: 'int',
  progress_total: 'int',
  total_combinations: 'int',
  ranked_combinations: 'int',
  best: 'jsonb',
  bnh_return_pct: 'float8',
  results_uri: 'text',
  error_message: 'text',
  idempotency_key: 'text',
  created_at: 'timestamptz',
  started_at: 'timestamptz',
  completed_at: 'timestamptz',
  updated_at: 'timestamptz',
  last_seq: 'bigint',
} as const satisfies ColumnTypes

export const ATTEMPT_COLUMNS = {
  job_id: 'uuid',
  attempt: 'int',
  status: 'text',
  executor_id: 'text',
  dispatched_at: 'timestamptz',
  started_at: 'timestamptz',
  finished_at: 'timestamptz',
  error: 'jsonb',
} as const satisfies ColumnTypes

const num = (v: unknown): number => Number(v ?? 0)

/**
 * A job's row after one event at `seq`. An event at or below the row's `last_seq` (already applied)
 * or after a terminal status changes nothing, so replaying a range twice gives the same row.
 */
export function evolveJob(row: JsonRow | undefined, e: SweepEvent, seq: number): JsonRow | undefined {
  const t = e.metadata.occurredAt
  if (e.type === 'SweepRequested') {
    if (row) return row
    const p = e.data.params
    return {
      id: e.data.job_id,
      tenant_id: e.metadata.tenantId,
      job_type: 'trading_sweep',
      status: 'QUEUED',
      parameters: p,
      ticker: p.ticker,
      strategy_type: p.strategy_type,
      priority: p.priority,
      max_attempts: p.max_attempts,
      attempts: 0,
      progress_done: 0,
      progress_total: 0,
      total_combinations: null,
      ranked_combinations: null,
      best: null,
      bnh_return_pct: null,
      results_uri: null,
      error_message: null,
      idempotency_key: e.data.idempotency_key ?? null,
      created_at: t,
      started_at: null,
      completed_at: null,
      updated_at: t,
      last_seq: seq,
    }
  }
  if (!row || num(row.last_seq) >= seq || TERMINAL.has(row.status as string)) return row
  const next = (set: JsonRow): JsonRow => ({ ...row, ...set, updated_at: t, last_seq: seq })
  switch (e.type) {
    case 'SweepDispatched':
      return next({ attempts: Math.max(num(row.attempts), e.data.attempt) })
    case 'SweepStarted':
      return next({
        status: 'RUNNING',
        started_at: row.started_at ?? t,
        attempts: Math.max(num(row.attempts), e.data.attempt),
        progress_total: e.data.combinations,
        progress_done: 0,
      })
    case 'SweepProgressed':
      return next({ progress_done: Math.max(num(row.progress_done), e.data.done), progress_total: e.data.total })
    case 'SweepCompleted':
      return next({
        status: 'COMPLETED',
        completed_at: t,
        total_combinations: e.data.total_combinations,
        ranked_combinations: e.data.ranked_combinations,
        best: e.data.best,
        bnh_return_pct: e.data.bnh_return_pct,
        results_uri: e.data.results_uri,
        progress_done: e.data.total_combinations,
        progress_total: e.data.total_combinations,
        error_message: null,
      })
    case 'SweepAttemptFailed':
      return next({ status: 'RETRYING', error_message: e.data.error.message })
    case 'SweepFailed':
      return next({ status: 'FAILED', completed_at: t, error_message: e.data.reason })
    case 'SweepCancelled':
      return next({ status: 'CANCELLED', completed_at: t, error_message: e.data.reason })
    default:
      // Results chunks change no job column; events of other read models (control.ts) are theirs.
      return row
  }
}

/** An attempt's row after one event (the job must exist: attempts belong to a job). */
export function evolveAttempt(row: JsonRow | undefined, e: SweepEvent): JsonRow | undefined {
  const t = e.metadata.occurredAt
  switch (e.type) {
    case 'SweepDispatched':
      return (
        row ?? {
          job_id: e.data.job_id,
          attempt: e.data.attempt,
          status: 'DISPATCHED',
          executor_id: null,
          dispatched_at: t,
          started_at: null,
          finished_at: null,
          error: null,
        }
      )
    case 'SweepStarted':
      if (!row || (row.status !== 'DISPATCHED' && row.status !== 'RUNNING')) return row
      return { ...row, status: 'RUNNING', executor_id: e.data.executor_id, started_at: row.started_at ?? t }
    case 'SweepCompleted':
      return row && { ...row, status: 'SUCCEEDED', finished_at: t }
    case 'SweepAttemptFailed':
      return row && { ...row, status: 'FAILED', finished_at: t, error: e.data.error }
    default:
      return row
  }
}
