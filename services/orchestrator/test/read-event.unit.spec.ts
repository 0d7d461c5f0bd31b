import { InvalidEventError, parseEvent, type SweepEvent, type SweepResultRow } from '@zixly/contracts'
import { describe, expect, it } from 'vitest'
import { readEvent } from '../src/read-event.ts'
import { evolve } from '../src/sweep/state.ts'
import { iso, JOB, requested, T0 } from './scenario.ts'

// The orchestrator reads a SweepResultsRecorded without validating its rows (readEvent); everything
// else it reads exactly as parseEvent does.

const row = (i: number): SweepResultRow => ({
  fast_period: 10 + i,
  slow_period: 40 + i,
  score: 1.25,
  sharpe_ratio: 0.5,
  sortino_ratio: 0.7,
  calmar_ratio: 0.3,
  total_return_pct: 12.5,
  annualized_return: 3.4,
  max_drawdown_pct: -20.1,
  max_drawdown_duration: '120 days',
  win_rate_pct: 45.5,
  profit_factor: 1.3,
  expectancy_per_trade: 2.1,
  total_trades: 60,
  total_closed_trades: 59,
  trades_per_month: 0.5,
  avg_trade_duration: '20 days',
  beats_bnh_pct: 0,
  rank_for_ticker: i + 1,
})
const metadata = { tenantId: 'acme', correlationId: JOB, causationId: 'test', occurredAt: iso(T0) }
const results = (rows: unknown[] = [0, 1, 2, 3].map(row)) => ({
  id: `SweepResultsRecorded:${JOB}:1:1:0`,
  type: 'SweepResultsRecorded',
  version: 1,
  data: { job_id: JOB, attempt: 1, chunk: 0, chunks: 1, rows },
  metadata,
})
const completed = {
  id: `SweepCompleted:${JOB}:1:1`,
  type: 'SweepCompleted',
  version: 1,
  data: { job_id: JOB, attempt: 1, total_combinations: 4, ranked_combinations: 4, result_chunks: 1, best: row(0), bnh_return_pct: 100, bars: 8000, duration_ms: 3, results_uri: null },
  metadata,
}

describe('readEvent', () => {
  it('reads every other event as parseEvent does', () => {
    for (const e of [requested(), completed]) expect(readEvent(JSON.parse(JSON.stringify(e)))).toEqual(parseEvent(e))
  })

  it('reads a SweepResultsRecorded with every field but its rows, which come back as an empty list', () => {
    const full = parseEvent(results())
    expect(readEvent(results())).toEqual({ ...full, data: { ...full.data, rows: [] } })
  })

  it('does not refuse a chunk for rows it does not look at', () => {
    expect(() => parseEvent(results([{ fast_period: 'x' }]))).toThrow(InvalidEventError)
    expect(readEvent(results([{ fast_period: 'x' }])).type).toBe('SweepResultsRecorded')
  })

  it('refuses a SweepResultsRecorded whose envelope or position is invalid, as parseEvent does', () => {
    expect(() => readEvent({ ...results(), data: { ...results().data, job_id: 'not-a-uuid' } })).toThrow(InvalidEventError)
    expect(() => readEvent({ ...results(), data: { ...results().data, chunks: 0 } })).toThrow(InvalidEventError)
    expect(() => readEvent({ ...results(), metadata: { ...metadata, occurredAt: 'yesterday' } })).toThrow(InvalidEventError)
  })

  it('leaves a job in the state the full event leaves it in', () => {
    const start = evolve({ status: 'initial' }, requested(), 1)
    const read = readEvent(results()) as SweepEvent
    expect(evolve(start, read, 5)).toEqual(evolve(start, parseEvent(results()) as SweepEvent, 5))
  })
})
