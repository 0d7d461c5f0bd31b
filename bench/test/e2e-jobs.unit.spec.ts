import { describe, expect, it } from 'vitest'
import { gridPairs, SweepRequestBody } from '@zixly/contracts'
import type { ResultRow } from '@zixly/engine'
import { compareResults } from '../e2e/check.ts'
import { smallSweeps } from '../e2e/jobs.ts'

describe('end-to-end workload', () => {
  it('is 10,000 valid sweep requests of exactly 4 pairs each, the same for the same seed', () => {
    const jobs = smallSweeps(10_000)
    for (const j of jobs) {
      expect(SweepRequestBody.safeParse(j).success).toBe(true)
      expect(gridPairs(j.fast_range, j.slow_range, j.step)).toHaveLength(4)
    }
    expect(smallSweeps(10_000)).toEqual(jobs)
    expect(new Set(jobs.map((j) => j.ticker)).size).toBeGreaterThan(3)
    expect(new Set(jobs.map((j) => j.strategy_type))).toEqual(new Set(['SMA', 'EMA', 'MACD']))
  })
})

describe('results check', () => {
  const row = (over: Partial<ResultRow> = {}): ResultRow => ({
    fast_period: 10, slow_period: 30, score: 1.2345, sharpe_ratio: 0.5, sortino_ratio: 0.7, calmar_ratio: 0.2,
    total_return_pct: 12.5, annualized_return: 3.1, max_drawdown_pct: 20, max_drawdown_duration: '100 days',
    win_rate_pct: 40, profit_factor: null, expectancy_per_trade: 1.5, total_trades: 12, total_closed_trades: 11,
    trades_per_month: 0.3, avg_trade_duration: '20.5 days', beats_bnh_pct: -3, rank_for_ticker: null, ...over,
  })
  const one = (id: string, rows: ResultRow[]) => ({ ids: [id], rows: new Map([[id, rows]]) })

  it('finds equal results equal, whatever the job ids of each system', () => {
    expect(compareResults(one('a', [row()]), one('b', [row()]))).toMatchObject({ jobs: 1, rows: 1, mismatches: 0 })
  })

  it('reports a number that differs, a missing row and a job without results', () => {
    expect(compareResults(one('a', [row()]), one('b', [row({ score: 1.2346 })])).examples[0]).toMatch(/score/)
    expect(compareResults(one('a', [row(), row()]), one('b', [row()])).mismatches).toBe(1)
    expect(compareResults(one('a', []), one('b', [])).mismatches).toBe(1)
  })
})
