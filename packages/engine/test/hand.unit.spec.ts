import { describe, expect, it } from 'vitest'
import { runSweep, type ResultRow, type Strategy } from '../src/index.ts'

// Ten-bar series worked out by hand (exact fractions in the comments; fee 0.001, cash 1000).

const opts = { fee: 0.001, initCash: 1000, annFactor: 252, signalPeriod: 2, barUnit: 'days' as const, minTrades: 0 }

function one(closes: number[], strategy: Strategy, fast: number, slow: number): ResultRow {
  return runSweep(Float64Array.from(closes), { ...opts, strategy, pairs: [[fast, slow]] })[0]!
}

// Shared by the SMA and EMA cases below, which both buy at t=3 (close 12) and sell at t=6 (close 11):
//   shares = 1000 / (12 * 1.001);  value: t3 = 1000/1.001 = 999.000999, t4 = 14*shares = 1165.501166,
//   t5 = 13*shares = 1082.251082, t6 = 11*0.999*shares = 10989/12.012 = 914.835165, then flat.
//   pnl = 914.835165 - 1000 = -85.164835 (a loss: 0 wins, win rate 0, profit factor 0/85.16 = 0)
//   returns r: t3 = 1/1.001 - 1, t4 = 14/12 - 1, t5 = 13/14 - 1, t6 = 11*0.999/13 - 1, all others 0 (9 returns)
//   drawdown: peak 1165.50 at t4, trough 914.84 -> 1 - 10989/14000 = 21.507143 %, never recovered:
//   5 bars (t4 -> t9); the earlier dip t2 -> t4 (999.0 < 1000) lasted 2.
//   buy and hold: 1000/(10*1.001) shares * 9 -> -10.089910 %
const r = [0, 0, 1 / 1.001 - 1, 14 / 12 - 1, 13 / 14 - 1, (11 * 0.999) / 13 - 1, 0, 0, 0]
const mean = r.reduce((a, b) => a + b) / 9
const std = Math.sqrt(r.reduce((a, x) => a + (x - mean) ** 2, 0) / 8)
const downside = Math.sqrt(r.reduce((a, x) => a + Math.min(x, 0) ** 2, 0) / 9)
const totalReturn = (10989 / 12.012 / 1000 - 1) * 100
const bnh = (9 / 10.01 - 1) * 100

function expectTheRoundTrip(row: ResultRow): void {
  expect(row.total_trades).toBe(1)
  expect(row.total_closed_trades).toBe(1)
  expect(row.total_return_pct).toBeCloseTo(-8.5164835, 6)
  expect(row.total_return_pct).toBeCloseTo(totalReturn, 10)
  expect(row.annualized_return).toBeCloseTo(((10989 / 12012) ** (252 / 9) - 1) * 100, 9)
  expect(row.sharpe_ratio).toBeCloseTo((mean / std) * Math.sqrt(252), 9)
  expect(row.sortino_ratio).toBeCloseTo((mean / downside) * Math.sqrt(252), 9)
  expect(row.max_drawdown_pct).toBeCloseTo((1 - 10989 / 14000) * 100, 9)
  expect(row.max_drawdown_duration).toBe('5 days')
  expect(row.win_rate_pct).toBe(0)
  expect(row.profit_factor).toBe(0)
  expect(row.expectancy_per_trade).toBeCloseTo(-8.5164835, 6)
  expect(row.avg_trade_duration).toBe('3.0 days')
  expect(row.trades_per_month).toBeCloseTo(1 / ((9 / 252) * 12), 12)
  expect(row.beats_bnh_pct).toBeCloseTo(totalReturn - bnh, 9)
  // score: N = 1, 0 wins -> Wilson bound 0 -> W = 0; T = 0.2 + 0.8/50; P = 0 (pf 0); E = 0 (loss);
  // B = 1 + (beats)/2.5 (about 1.629); S = 2.618 / (1 + e^-(sortino - 1.5)); confidence(1) = 0.1 + 0.4/8000
  const S = 2.618 / (1 + Math.exp(-((mean / downside) * Math.sqrt(252) - 1.5)))
  const B = 1 + (totalReturn - bnh) / 2.5
  const base = (1.5 * (0.2 + 0.8 / 50) + 1.2 * S + 0.6 * B) / 8
  expect(row.score).toBe(Math.round(base * (0.1 + 0.4 / 8000) * 1e4) / 1e4)
}

describe('hand-checked ten-bar backtests', () => {
  it('SMA(2,3): enters on the cross at t3, exits at t6; equal means at t2 and t9 are not crossings', () => {
    // c      = 10   10   10   12   14    13    11     9     9    9
    // SMA2   =  -   10   10   11   13   13.5   12    10     9    9
    // SMA3   =  -    -   10 10.667 12    13  12.667  11  9.667    9
    // above  =            F    T    T    T     F     F     F    F   (t2 and t9 are exact ties -> F)
    expectTheRoundTrip(one([10, 10, 10, 12, 14, 13, 11, 9, 9, 9], 'SMA', 2, 3))
  })

  it('EMA(2,3): same round trip; EMA2 seeded at t1 with 10.5, EMA3 at t2 with 10.333', () => {
    // c      = 10   11    10      12      14      13      11      9      10      9
    // EMA2   =  -  10.5 10.1667 11.3889 13.1296 13.0432 11.6811  9.8937  9.9646  9.3215   alpha 2/3
    // EMA3   =  -    -  10.3333 11.1667 12.5833 12.7917 11.8958 10.4479 10.2240  9.6120   alpha 1/2
    // above  =            F       T       T       T       F       F       F       F
    expectTheRoundTrip(one([10, 11, 10, 12, 14, 13, 11, 9, 10, 9], 'EMA', 2, 3))
  })

  it('MACD(2,3,signal 2): the first defined bar is above (no signal), re-entry at t8 stays open', () => {
    // line   = EMA2 - EMA3 from t2:  -0.1667  0.2222  0.5463  0.2515 -0.2148 -0.5542 -0.2594 -0.2905
    // signal = EMA2 of the line seeded at t3 with (-0.1667 + 0.2222)/2 = 0.0278:
    //                                   0.0278  0.3735  0.2922 -0.0458 -0.3847 -0.3012 -0.2940
    // above  (from t3)                 T       T       F       F       F       T       T
    // t3 is the first defined bar (no entry); t5 is an exit with no position; t8 buys at 10 and
    // the position is still open at t9: valued at 9 without exit fee, an open trade only.
    const row = one([10, 11, 10, 12, 14, 13, 11, 9, 10, 9], 'MACD', 2, 3)
    expect(row.total_trades).toBe(1)
    expect(row.total_closed_trades).toBe(0)
    expect(row.total_return_pct).toBeCloseTo((9 / 10.01 - 1) * 100, 10) // same as buy and hold
    expect(row.beats_bnh_pct).toBeCloseTo(0, 10)
    expect(row.profit_factor).toBeNull()
    expect(row.win_rate_pct).toBe(0)
    expect(row.expectancy_per_trade).toBe(0)
    expect(row.avg_trade_duration).toBe('0.0 days')
    // value 1000 until t7, 999.000999 at t8 (entry fee), 899.100899 at t9: one drawdown from t7
    expect(row.max_drawdown_pct).toBeCloseTo((1 - 9 / 10.01) * 100, 9)
    expect(row.max_drawdown_duration).toBe('2 days')
    // score: W = 0, T = 0.2, P = 0 (no closed trade), E = 0, B = 1 (beats 0), confidence(0) = 0.1
    const r8 = 1 / 1.001 - 1
    const r9 = 9 / 10 - 1
    const sortino = ((r8 + r9) / 9 / Math.sqrt((r8 * r8 + r9 * r9) / 9)) * Math.sqrt(252)
    expect(row.sortino_ratio).toBeCloseTo(sortino, 9)
    const S = 2.618 / (1 + Math.exp(-(sortino - 1.5)))
    expect(row.score).toBe(Math.round(((1.5 * 0.2 + 1.2 * S + 0.6 * 1) / 8) * 0.1 * 1e4) / 1e4)
  })
})
