import { describe, expect, it } from 'vitest'
import { annFactorFor, prepareSeries, runSweep, type Strategy, type SweepSpec } from '../src/index.ts'
import { rowDiffs } from './support/compare.ts'
import { DAILY_TICKERS, loadCloses } from './support/prices.ts'
import { mulberry32, randomPairs } from './support/prng.ts'
import { referenceRow } from './support/reference.ts'

// Golden tests: the engine against the plain reference implementation (test/support/reference.ts)
// on every bundled daily series, 50 seeded random (fast, slow) points per ticker and strategy.

const STRATEGIES: Strategy[] = ['SMA', 'EMA', 'MACD']

describe('engine matches the plain SCORE.md reference on real daily data', () => {
  for (const ticker of DAILY_TICKERS) {
    const closes = loadCloses(ticker)
    for (const [k, strategy] of STRATEGIES.entries()) {
      it(`${ticker} ${strategy}: 50 random grid points agree to 1e-9, counts and strings exactly`, () => {
        const seed = 1000 * (DAILY_TICKERS.indexOf(ticker) + 1) + k
        const spec: SweepSpec = {
          strategy,
          pairs: randomPairs(seed, 50),
          minTrades: 0,
          fee: 0.001,
          initCash: 1000,
          annFactor: annFactorFor(ticker, '1d'),
          signalPeriod: 9,
          barUnit: 'days',
        }
        const rows = runSweep(closes, spec)
        const failures: string[] = []
        let trades = 0
        for (const row of rows) {
          const want = referenceRow(closes, strategy, row.fast_period, row.slow_period, spec)
          const diffs = rowDiffs({ ...row, rank_for_ticker: null }, want)
          if (diffs.length > 0) failures.push(`(${row.fast_period}, ${row.slow_period}) ${diffs.join(', ')}`)
          trades += row.total_trades
        }
        expect(failures).toEqual([])
        expect(trades).toBeGreaterThan(0) // the sample exercises real trading, not just flat curves
      })
    }
  }
})

describe('engine matches the reference on full-precision prices (not short decimals)', () => {
  // A seeded random walk whose closes need all 17 digits: the SMA path cannot use exact decimal
  // sums and falls back to correctly rounded means of the doubles (double-double prefix sums).
  const rand = mulberry32(99)
  let price = 100
  const closes = Float64Array.from({ length: 3000 }, () => (price *= Math.exp((rand() - 0.495) * 0.04)))
  for (const strategy of STRATEGIES) {
    it(`${strategy}: 50 random grid points agree`, () => {
      const spec: SweepSpec = {
        strategy, pairs: randomPairs(4242, 50), minTrades: 0, fee: 0.001, initCash: 1000, annFactor: 252, signalPeriod: 9, barUnit: 'bars',
      }
      const failures = runSweep(closes, spec).flatMap((row) => {
        const diffs = rowDiffs({ ...row, rank_for_ticker: null }, referenceRow(closes, strategy, row.fast_period, row.slow_period, spec))
        return diffs.length > 0 ? [`(${row.fast_period}, ${row.slow_period}) ${diffs.join(', ')}`] : []
      })
      expect(failures).toEqual([])
    })
  }
})

describe('engine matches the reference when closes nearly tie (bar-by-bar drawdown path)', () => {
  // Closes 1e-14 apart can give equal values shares*x for different x: the kernel must not trust a
  // block's last maximum there (PriceBlocks.lastMax = -1) and walks those blocks bar by bar.
  const rand = mulberry32(7)
  let price = 50
  const closes = Float64Array.from({ length: 1500 }, (_, t) => {
    if (t % 7 !== 3) price *= Math.exp((rand() - 0.49) * 0.05)
    return t % 7 === 3 ? price * (1 + 1e-14) : price
  })
  it('SMA and MACD: 50 random grid points agree', () => {
    expect(prepareSeries(closes).lastMax.some((at) => at < 0)).toBe(true)
    for (const strategy of ['SMA', 'MACD'] as const) {
      const spec: SweepSpec = {
        strategy, pairs: randomPairs(31, 50), minTrades: 0, fee: 0.001, initCash: 1000, annFactor: 252, signalPeriod: 9, barUnit: 'bars',
      }
      const failures = runSweep(closes, spec).flatMap((row) => {
        const diffs = rowDiffs({ ...row, rank_for_ticker: null }, referenceRow(closes, strategy, row.fast_period, row.slow_period, spec))
        return diffs.length > 0 ? [`(${row.fast_period}, ${row.slow_period}) ${diffs.join(', ')}`] : []
      })
      expect(failures).toEqual([])
    }
  })
})
