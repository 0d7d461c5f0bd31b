import { describe, expect, it } from 'vitest'
import { rankResults, type ResultRow } from '../src/index.ts'

function row(fast: number, slow: number, score: number, closed: number): ResultRow {
  return {
    fast_period: fast, slow_period: slow, score, sharpe_ratio: 0, sortino_ratio: 0, calmar_ratio: 0,
    total_return_pct: 0, annualized_return: 0, max_drawdown_pct: 0, max_drawdown_duration: '0 days',
    win_rate_pct: 0, profit_factor: null, expectancy_per_trade: 0, total_trades: closed,
    total_closed_trades: closed, trades_per_month: 0, avg_trade_duration: '0.0 days', beats_bnh_pct: 0,
    rank_for_ticker: 7,
  }
}

describe('rankResults', () => {
  const rows = [row(10, 30, 1.2, 60), row(5, 20, 1.9, 49), row(8, 40, 1.2, 50), row(3, 50, 0.4, 80), row(8, 30, 1.2, 51)]

  it('ranks only rows with at least min_trades closed trades, best score first', () => {
    const ranked = rankResults(rows, 50)
    expect(ranked.map((r) => r.rank_for_ticker)).toEqual([3, null, 2, 4, 1])
  })

  it('breaks score ties by (fast, slow) ascending', () => {
    const ranked = rankResults(rows, 50).filter((r) => r.score === 1.2)
    expect(ranked.map((r) => [r.fast_period, r.slow_period, r.rank_for_ticker])).toEqual([
      [10, 30, 3],
      [8, 40, 2],
      [8, 30, 1],
    ])
  })

  it('never reports a row below min_trades as the best, even with the top score', () => {
    expect(rankResults(rows, 50).find((r) => r.rank_for_ticker === 1)?.score).toBe(1.2)
    expect(rankResults(rows, 0).find((r) => r.rank_for_ticker === 1)?.fast_period).toBe(5)
  })

  it('is pure: input rows are not modified and keep their order', () => {
    const copy = structuredClone(rows)
    const ranked = rankResults(rows, 50)
    expect(rows).toEqual(copy)
    expect(ranked.map((r) => r.fast_period)).toEqual(rows.map((r) => r.fast_period))
    expect(ranked[0]).not.toBe(rows[0])
  })

  it('gives every row null when none reaches min_trades', () => {
    expect(rankResults(rows, 1000).every((r) => r.rank_for_ticker === null)).toBe(true)
  })
})
