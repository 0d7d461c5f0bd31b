import { describe, expect, it } from 'vitest'
import type { SweepResultRow } from '@zixly/contracts'
import { bestPair, drawdownPct, sampleIndices, summarize, toCell } from '../src/lib/analysis.ts'

const row = (fast: number, slow: number, over: Partial<SweepResultRow> = {}): SweepResultRow => ({
  fast_period: fast,
  slow_period: slow,
  score: 1,
  sharpe_ratio: 1,
  sortino_ratio: 1,
  calmar_ratio: 1,
  total_return_pct: 10,
  annualized_return: 5,
  max_drawdown_pct: 20,
  max_drawdown_duration: '10 days',
  win_rate_pct: 50,
  profit_factor: 1.2,
  expectancy_per_trade: 1,
  total_trades: 60,
  total_closed_trades: 60,
  trades_per_month: 1,
  avg_trade_duration: '5.0 days',
  beats_bnh_pct: 0,
  rank_for_ticker: null,
  ...over,
})

describe('results at a glance', () => {
  const rows = [
    row(10, 20, { score: 2, sharpe_ratio: 0.5, total_return_pct: 50, max_drawdown_pct: 30, rank_for_ticker: 1 }),
    row(10, 25, { score: 1, sharpe_ratio: 1.5, total_return_pct: -10, max_drawdown_pct: 10, rank_for_ticker: 2 }),
    row(15, 20, { score: 0.5, sharpe_ratio: 1, total_return_pct: 20, max_drawdown_pct: 20 }),
  ]

  it('names the best pair of each metric and the lowest drawdown', () => {
    const s = summarize(rows)
    expect(s.best_score).toEqual({ value: 2, fast: 10, slow: 20 })
    expect(s.best_sharpe).toEqual({ value: 1.5, fast: 10, slow: 25 })
    expect(s.best_return).toEqual({ value: 50, fast: 10, slow: 20 })
    expect(s.lowest_drawdown).toEqual({ value: 10, fast: 10, slow: 25 })
    expect(s.avg_return).toBeCloseTo(20)
    expect(s.ranked).toBe(2)
    expect(summarize([]).best_score).toBeNull()
  })

  it('charts rank 1 as the best pair, or the top score when nothing is ranked', () => {
    expect(bestPair(rows)).toMatchObject({ ranked: true, row: { fast_period: 10, slow_period: 20 } })
    const unranked = rows.map((r) => ({ ...r, rank_for_ticker: null }))
    expect(bestPair(unranked)).toMatchObject({ ranked: false, row: { score: 2 } })
    expect(bestPair([])).toBeNull()
  })

  it('turns a row into a heat-map cell with every metric the map can show', () => {
    expect(toCell(rows[0]!)).toEqual([10, 20, 2, 0.5, 50, 30, 60, 1])
  })

  it('measures drawdown from the running peak', () => {
    expect(drawdownPct([100, 120, 90, 130])).toEqual([0, 0, -25, 0])
  })

  it('thins a long series but keeps its first and last points', () => {
    const idx = sampleIndices(10_000, 100)
    expect(idx).toHaveLength(100)
    expect(idx[0]).toBe(0)
    expect(idx.at(-1)).toBe(9999)
    expect(sampleIndices(5, 100)).toEqual([0, 1, 2, 3, 4])
  })
})
