import type {
  SweepResultRow,
  TradingApiBestResults,
  TradingApiJob,
  TradingApiProgressEvent,
  TradingApiSubmitted,
} from '@zixly/contracts'
import type { Job, SweepRun } from './jobs.ts'

// JSON bodies, each a superset of both dialects so either kind of client reads it unchanged.

export const statusUrl = (id: string) => `/api/v1/jobs/${id}`
export const streamUrl = (id: string) => `/api/v1/jobs/${id}/stream`

export function submittedBody(job: Job, bars: number): TradingApiSubmitted {
  const r = job.request
  return {
    job_id: job.id,
    status: job.status,
    created_at: job.createdAt,
    status_url: statusUrl(job.id),
    stream_url: streamUrl(job.id),
    message: `Sweep of ${job.combinations} combinations on ${r.ticker} (${r.strategy_type}) queued`,
    parameters: {
      ticker: r.ticker,
      fast_range: r.fast_range,
      slow_range: r.slow_range,
      step: r.step,
      combinations: job.combinations,
    },
    // About 20 million bar-combinations a second on one core, rounded up; a hint, not a promise.
    estimated_duration_seconds: Math.max(1, Math.ceil((job.combinations * bars) / 2e7)),
    webhook_url: r.webhook_url ?? null,
  }
}

export function resultData(job: Job) {
  if (job.status !== 'completed' || job.sweepRunId === null) return null
  return {
    sweep_run_id: job.sweepRunId,
    ticker: job.request.ticker,
    strategy_type: job.request.strategy_type,
    total_combinations: job.combinations,
    execution_time_seconds: job.executionTimeSeconds ?? 0,
    completed_at: job.completedAt ?? '',
  }
}

export function jobBody(job: Job): TradingApiJob & Record<string, unknown> {
  return {
    job_id: job.id,
    status: job.status,
    progress: job.progress,
    command_group: 'strategy',
    command_name: 'sweep',
    parameters: job.request,
    result_data: resultData(job),
    error_message: job.errorMessage,
    created_at: job.createdAt,
    started_at: job.startedAt,
    completed_at: job.completedAt,
    sweep_run_id: job.sweepRunId,
    webhook_sent_at: job.webhookSentAt,
    webhook_response_status: job.webhookResponseStatus,
  }
}

/**
 * The callback: the status body plus `webhook_sent_at` (real service) and, for the two outcomes
 * the seed worker knows, its `event_type` / `ticker` / `timestamp` — one body that both parse.
 */
export function callbackBody(job: Job, sentAt: string): Record<string, unknown> {
  const body: Record<string, unknown> = { ...jobBody(job), webhook_sent_at: sentAt }
  delete body.webhook_response_status
  if (job.status === 'completed' || job.status === 'failed') {
    body.event_type = `sweep.${job.status}`
    body.ticker = job.request.ticker
    body.timestamp = sentAt
  }
  return body
}

export function progressEvent(job: Job): TradingApiProgressEvent {
  const done = job.status === 'completed' || job.status === 'failed' || job.status === 'cancelled'
  const message =
    job.status === 'pending'
      ? 'Queued'
      : job.status === 'running'
        ? `Backtesting ${job.combinations} combinations`
        : job.status === 'completed'
          ? `Sweep complete: sweep_run_id ${job.sweepRunId ?? ''}`
          : job.status === 'failed'
            ? `Sweep failed: ${job.errorMessage ?? ''}`
            : 'Sweep cancelled'
  return {
    job_id: job.id,
    status: job.status,
    progress: job.progress,
    percent: job.progress,
    message,
    done,
    ...(job.status === 'failed' && { error: job.errorMessage ?? 'failed' }),
  }
}

/** A result row with the real service's extra columns. */
export function rowBody(run: SweepRun, row: SweepResultRow) {
  return {
    result_id: `${run.id}:${row.fast_period}-${row.slow_period}`,
    ticker: run.ticker,
    strategy_type: run.strategyType,
    signal_period: run.strategyType === 'MACD' ? run.signalPeriod : null,
    ...row,
  }
}

export function bestBody(run: SweepRun, rows: readonly SweepResultRow[], queriedAt: string): TradingApiBestResults {
  return {
    sweep_run_id: run.id,
    ticker: run.ticker,
    run_date: run.runDate,
    results: rows.map((r) => rowBody(run, r)),
    total_results: rows.length,
    returned: rows.length,
    query_timestamp: queriedAt,
  }
}
