import type { SweepParams, SweepResultRow } from '@zixly/contracts'
import type { TerminalEvent } from '../src/outcome.ts'
import { seedParams } from '../../../test/support/fixtures.ts'

export const JOB_ID = '0b6f1c5e-9a51-4f0e-8b7e-2f5b1d3c4a10'

export const params: SweepParams = seedParams()

export const best: SweepResultRow = {
  fast_period: 10,
  slow_period: 30,
  score: 1.23456,
  sharpe_ratio: 1.4321,
  sortino_ratio: 2.1,
  calmar_ratio: 0.9,
  total_return_pct: 345.678,
  annualized_return: 40.1,
  max_drawdown_pct: 28.5,
  max_drawdown_duration: '120 days',
  win_rate_pct: 55.5,
  profit_factor: 2.75,
  expectancy_per_trade: 3.2,
  total_trades: 61,
  total_closed_trades: 60,
  trades_per_month: 1.1,
  avg_trade_duration: '12.3 days',
  beats_bnh_pct: -12.5,
  rank_for_ticker: 1,
}

const meta = (tenantId = 'local') => ({
  tenantId,
  correlationId: JOB_ID,
  causationId: 'test',
  occurredAt: '2026-01-02T03:04:05.000Z',
})

export function completed(
  over: { jobId?: string; tenantId?: string; best?: SweepResultRow | null } = {},
): TerminalEvent {
  const jobId = over.jobId ?? JOB_ID
  return {
    id: `SweepCompleted:${jobId}:1`,
    type: 'SweepCompleted',
    version: 1,
    data: {
      job_id: jobId,
      attempt: 1,
      total_combinations: 8,
      ranked_combinations: 5,
      result_chunks: 1,
      best: over.best === undefined ? best : over.best,
      bnh_return_pct: 358.2,
      bars: 3000,
      duration_ms: 1234,
      results_uri: null,
    },
    metadata: { ...meta(over.tenantId), correlationId: jobId },
  }
}

export function failed(over: { jobId?: string; tenantId?: string } = {}): TerminalEvent {
  const jobId = over.jobId ?? JOB_ID
  return {
    id: `SweepFailed:${jobId}`,
    type: 'SweepFailed',
    version: 1,
    data: {
      job_id: jobId,
      attempts: 3,
      reason: 'every attempt failed',
      errors: [
        { attempt: 3, code: 'NOT_ENOUGH_BARS', message: 'the data cut leaves 4 bars', retryable: false },
      ],
    },
    metadata: { ...meta(over.tenantId), correlationId: jobId },
  }
}

export function cancelled(over: { jobId?: string; tenantId?: string } = {}): TerminalEvent {
  const jobId = over.jobId ?? JOB_ID
  return {
    id: `SweepCancelled:${jobId}`,
    type: 'SweepCancelled',
    version: 1,
    data: { job_id: jobId, reason: 'cancelled by ops@acme.test', cancelled_by: 'ops@acme.test' },
    metadata: { ...meta(over.tenantId), correlationId: jobId },
  }
}
