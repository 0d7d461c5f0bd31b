import { type SweepEvent, type SweepResultRow } from '@zixly/contracts'
import { appendMessage, type JetStreamClient } from '@zixly/platform'
import type { Names } from '@zixly/contracts'
import { seedParams } from '../../../test/support/fixtures.ts'

export const params = seedParams({ min_trades: 0 })

export function row(fast: number, slow: number, score: number): SweepResultRow {
  return {
    fast_period: fast,
    slow_period: slow,
    score,
    sharpe_ratio: 1.1,
    sortino_ratio: 1.5,
    calmar_ratio: 0.7,
    total_return_pct: 120.5,
    annualized_return: 12.25,
    max_drawdown_pct: 33.3,
    max_drawdown_duration: '120 days',
    win_rate_pct: 45,
    profit_factor: null,
    expectancy_per_trade: 3.2,
    total_trades: 20,
    total_closed_trades: 19,
    trades_per_month: 0.4,
    avg_trade_duration: '12.5 days',
    beats_bnh_pct: -10.5,
    rank_for_ticker: score > 1 ? 1 : null,
  }
}

/** The events of one job's happy life: requested, dispatched, started, two result rows, completed. */
export function lifecycle(jobId: string, tenantId: string, t0: number): SweepEvent[] {
  const at = (i: number) => new Date(t0 + i * 1000).toISOString()
  const meta = (i: number) => ({ tenantId, correlationId: jobId, causationId: `c${i}`, occurredAt: at(i) })
  const rows = [row(10, 20, 1.5), row(15, 30, 0.5)]
  return [
    { id: `SweepRequested:${jobId}`, type: 'SweepRequested', version: 2, data: { job_id: jobId, params }, metadata: meta(0) },
    { id: `SweepDispatched:${jobId}:1`, type: 'SweepDispatched', version: 1, data: { job_id: jobId, attempt: 1, command_id: `RunSweep:${jobId}:1` }, metadata: meta(1) },
    { id: `SweepStarted:${jobId}:1:1`, type: 'SweepStarted', version: 1, data: { job_id: jobId, attempt: 1, executor_id: 'x', combinations: 2, bars: 100 }, metadata: meta(2) },
    { id: `SweepResultsRecorded:${jobId}:1:1:0`, type: 'SweepResultsRecorded', version: 1, data: { job_id: jobId, attempt: 1, chunk: 0, chunks: 1, rows }, metadata: meta(3) },
    {
      id: `SweepCompleted:${jobId}:1:1`,
      type: 'SweepCompleted',
      version: 1,
      data: { job_id: jobId, attempt: 1, total_combinations: 2, ranked_combinations: 1, result_chunks: 1, best: rows[0]!, bnh_return_pct: 130, bars: 100, duration_ms: 20, results_uri: null },
      metadata: meta(4),
    },
  ]
}

/** A failed attempt (retryable, as an unreachable Trading API is). */
export function failedAttempt(jobId: string, tenantId: string, at: number, attempt: number): SweepEvent {
  return {
    id: `SweepAttemptFailed:${jobId}:${attempt}`,
    type: 'SweepAttemptFailed',
    version: 1,
    data: { job_id: jobId, attempt, error: { code: 'TRADING_API_UNAVAILABLE', message: 'connection refused', retryable: true } },
    metadata: { tenantId, correlationId: jobId, causationId: `f${attempt}`, occurredAt: new Date(at).toISOString() },
  }
}

/** Appends events to their job subjects, `parallel` jobs in flight at once (each job's events in order). */
export async function appendAll(js: JetStreamClient, n: Names, events: SweepEvent[], parallel = 50): Promise<void> {
  const byJob = new Map<string, SweepEvent[]>()
  for (const e of events) byJob.set(e.data.job_id, [...(byJob.get(e.data.job_id) ?? []), e])
  const jobs = [...byJob.values()]
  for (let i = 0; i < jobs.length; i += parallel)
    await Promise.all(
      jobs.slice(i, i + parallel).map(async (evs) => {
        for (const e of evs) await appendMessage(js, n.eventSubject(e.metadata.tenantId, e.data.job_id), e)
      }),
    )
}
