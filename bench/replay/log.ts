// The replay benchmark's log: realistic sweep lifecycles across many jobs, appended as fast as the
// server takes them (2,000 publishes in flight). Shared by run.ts and profile.ts.
import { randomUUID } from 'node:crypto'
import type { Names, SweepEvent, SweepResultRow } from '@zixly/contracts'
import type { JetStreamClient } from '@zixly/platform'

const row = (f: number, s: number): SweepResultRow => ({
  fast_period: f, slow_period: s, score: (f * 7 + s) % 13 / 5, sharpe_ratio: 1.1, sortino_ratio: 1.5, calmar_ratio: 0.7,
  total_return_pct: 120.5, annualized_return: 12.25, max_drawdown_pct: 33.3, max_drawdown_duration: '120 days', win_rate_pct: 45,
  profit_factor: 1.4, expectancy_per_trade: 3.2, total_trades: 60, total_closed_trades: 59, trades_per_month: 0.9,
  avg_trade_duration: '12.5 days', beats_bnh_pct: -10.5, rank_for_ticker: null,
})

/** One job's life: requested, dispatched, started, 5 progress, 3 result chunks of 10 rows, completed; every 10th fails once first. */
export function job(i: number, t0: number): SweepEvent[] {
  const jobId = randomUUID()
  let k = 0
  const meta = () => ({ tenantId: `tenant${i % 20}`, correlationId: jobId, causationId: `c${k}`, occurredAt: new Date(t0 + 1000 * k++).toISOString() })
  const params = { ticker: i % 2 ? 'BTC-USD' : 'ETH-USD', strategy_type: 'SMA' as const, fast_range: [5, 14] as [number, number], slow_range: [20, 40] as [number, number], step: 1, min_trades: 50, signal_period: 9, interval: '1d' as const, fee: 0.001, init_cash: 1000, priority: 5, max_attempts: 3 }
  const out: SweepEvent[] = [{ id: `SweepRequested:${jobId}`, type: 'SweepRequested', version: 2, data: { job_id: jobId, params }, metadata: meta() }]
  const attempt = (a: number, fail: boolean) => {
    out.push({ id: `SweepDispatched:${jobId}:${a}`, type: 'SweepDispatched', version: 1, data: { job_id: jobId, attempt: a, command_id: `RunSweep:${jobId}:${a}` }, metadata: meta() })
    out.push({ id: `SweepStarted:${jobId}:${a}:1`, type: 'SweepStarted', version: 1, data: { job_id: jobId, attempt: a, executor_id: 'x1', combinations: 30, bars: 3000 }, metadata: meta() })
    if (fail) {
      out.push({ id: `SweepAttemptFailed:${jobId}:${a}`, type: 'SweepAttemptFailed', version: 1, data: { job_id: jobId, attempt: a, error: { code: 'TRADING_API_UNAVAILABLE', message: 'refused', retryable: true } }, metadata: meta() })
      return
    }
    for (let p = 1; p <= 5; p++) out.push({ id: `SweepProgressed:${jobId}:${a}:${p}`, type: 'SweepProgressed', version: 1, data: { job_id: jobId, attempt: a, done: p * 6, total: 30 }, metadata: meta() })
    for (let c = 0; c < 3; c++)
      out.push({ id: `SweepResultsRecorded:${jobId}:${a}:${c}`, type: 'SweepResultsRecorded', version: 1, data: { job_id: jobId, attempt: a, chunk: c, chunks: 3, rows: Array.from({ length: 10 }, (_, r) => row(5 + c * 3 + (r % 3), 20 + r)) }, metadata: meta() })
    out.push({ id: `SweepCompleted:${jobId}:${a}:1`, type: 'SweepCompleted', version: 1, data: { job_id: jobId, attempt: a, total_combinations: 30, ranked_combinations: 30, result_chunks: 3, best: row(5, 20), bnh_return_pct: 130, bars: 3000, duration_ms: 2000, results_uri: null }, metadata: meta() })
  }
  if (i % 10 === 0) attempt(1, true)
  attempt(i % 10 === 0 ? 2 : 1, false)
  return out
}

/**
 * Appends `count` events: jobs interleaved `interleave` at a time (job i's events go out round-robin
 * with the others of its group, as concurrent jobs' events do), each job's events in order.
 */
export async function append(js: JetStreamClient, n: Names, count: number, t0: number, interleave = 50): Promise<number> {
  let appended = 0
  let pending: Array<Promise<unknown>> = []
  for (let g = 0; appended < count; g += interleave) {
    const lives = Array.from({ length: interleave }, (_, j) => job(g + j, t0 + (g + j) * 60_000))
    for (let step = 0; appended < count && lives.some((l) => step < l.length); step++)
      for (const l of lives) {
        const e = l[step]
        if (!e || appended >= count) continue
        pending.push(js.publish(n.eventSubject(e.metadata.tenantId, e.data.job_id), JSON.stringify(e), { msgID: e.id }))
        appended++
        if (pending.length >= 2000) {
          await Promise.all(pending)
          pending = []
        }
      }
  }
  await Promise.all(pending)
  return appended
}
