import { describe, expect, it } from 'vitest'
import {
  annFactorFor,
  buyAndHold,
  buyAndHoldReturnPct,
  EngineInputError,
  equityCurve,
  runSweep,
  type Strategy,
  type SweepSpec,
} from '../src/index.ts'
import { expectFiniteRow } from './support/compare.ts'
import { DAILY_TICKERS, loadCloses } from './support/prices.ts'
import { randomPairs } from './support/prng.ts'

const base = { fee: 0.001, initCash: 1000, annFactor: 365, signalPeriod: 9, barUnit: 'days' as const, minTrades: 0 }
const grid: Array<[number, number]> = []
for (let f = 2; f <= 20; f += 3) for (let s = f + 1; s <= 60; s += 7) grid.push([f, s])

function spec(strategy: Strategy, pairs: Array<[number, number]>, extra: Partial<SweepSpec> = {}): SweepSpec {
  return { ...base, strategy, pairs, ...extra }
}

describe('series without a crossover', () => {
  const rising = Float64Array.from({ length: 300 }, (_, t) => 100 + t)
  const falling = Float64Array.from({ length: 300 }, (_, t) => 400 - t)
  for (const [name, closes] of [['strictly rising', rising], ['strictly falling', falling]] as const) {
    for (const strategy of ['SMA', 'EMA'] as const) {
      it(`${name} ${strategy}: every pair has 0 trades, 0 return and the metrics of a flat 1000 curve`, () => {
        for (const row of runSweep(closes, spec(strategy, grid))) {
          expect(row.total_trades).toBe(0)
          expect(row.total_return_pct).toBe(0)
          expect(row.annualized_return).toBe(0)
          expect(row.sharpe_ratio).toBe(0)
          expect(row.sortino_ratio).toBe(0)
          expect(row.max_drawdown_pct).toBe(0)
          expect(row.max_drawdown_duration).toBe('0 days')
          expect(row.profit_factor).toBeNull()
          expect(row.avg_trade_duration).toBe('0.0 days')
        }
      })
    }
  }

  it('a constant series (every mean ties) never trades', () => {
    const flat = new Float64Array(200).fill(0.1)
    for (const strategy of ['SMA', 'EMA', 'MACD'] as const) {
      expect(runSweep(flat, spec(strategy, grid)).every((r) => r.total_trades === 0)).toBe(true)
    }
  })
})

describe('fees and trades', () => {
  // down, up, down: SMA(2,4) buys once on the way up and sells once on the way down
  const vee = Float64Array.from([10, 9, 8, 7, 6, 7, 8, 9, 10, 11, 12, 11, 10, 9, 8, 7, 6, 5])

  it('with fee 0 and exactly one round trip, the return is exactly the price ratio', () => {
    const row = runSweep(vee, spec('SMA', [[2, 4]], { fee: 0 }))[0]!
    expect(row.total_closed_trades).toBe(1)
    expect(row.total_trades).toBe(1)
    // crossing up at t=6 (SMA2 7.5 > SMA4 7.0), down at t=12 (10.5 < 11.0)
    expect(row.total_return_pct).toBeCloseTo((10 / 8 - 1) * 100, 12)
    expect(row.expectancy_per_trade).toBeCloseTo((10 / 8 - 1) * 100, 12)
    expect(row.avg_trade_duration).toBe('6.0 days')
    expect(row.profit_factor).toBeNull() // no losing trade
  })

  it('the fee is paid on both sides: return = ratio * (1 - fee) / (1 + fee)', () => {
    const row = runSweep(vee, spec('SMA', [[2, 4]], { fee: 0.01 }))[0]!
    expect(row.total_return_pct).toBeCloseTo(((10 / 8) * (0.99 / 1.01) - 1) * 100, 12)
  })

  it('equityCurve ends at the sweep total return and has the sweep max drawdown', () => {
    const closes = loadCloses('ETH-USD')
    const o = { ...base, annFactor: 365 }
    for (const strategy of ['SMA', 'EMA', 'MACD'] as const) {
      for (const row of runSweep(closes, spec(strategy, randomPairs(7, 10)))) {
        const curve = equityCurve(closes, strategy, row.fast_period, row.slow_period, o)
        expect((curve[curve.length - 1]! / 1000 - 1) * 100).toBeCloseTo(row.total_return_pct, 9)
        let peak = -Infinity
        let mdd = 0
        for (const v of curve) {
          peak = Math.max(peak, v)
          mdd = Math.max(mdd, 1 - v / peak)
        }
        expect(mdd * 100).toBeCloseTo(row.max_drawdown_pct, 9)
      }
    }
  })

  it('buyAndHold buys at c[0] with the entry fee and keeps the position', () => {
    const { curve, returnPct } = buyAndHold(Float64Array.from([10, 20, 15]), { fee: 0.001, initCash: 1000 })
    expect(curve[0]).toBeCloseTo(1000 / 1.001, 12)
    expect(returnPct).toBeCloseTo((15 / 10 / 1.001 - 1) * 100, 12)
  })

  it('buyAndHoldReturnPct (no curve) is buyAndHold\'s returnPct to the bit on every bundled daily series', () => {
    for (const ticker of DAILY_TICKERS) {
      const closes = loadCloses(ticker)
      for (const o of [{ fee: 0.001, initCash: 1000 }, { fee: 0.0025, initCash: 12345.67 }])
        expect(Object.is(buyAndHoldReturnPct(closes, o.fee, o.initCash), buyAndHold(closes, o).returnPct), `${ticker} ${o.fee}`).toBe(true)
    }
    expect(buyAndHoldReturnPct(new Float64Array(0), 0.001, 1000)).toBe(buyAndHold(new Float64Array(0), { fee: 0.001, initCash: 1000 }).returnPct)
  })
})

describe('degenerate inputs never produce NaN or Infinity', () => {
  const cases: Array<[string, number[]]> = [
    ['no bars', []],
    ['one bar', [5]],
    ['two bars', [5, 6]],
    ['shorter than the slow window', [1, 2, 3, 2, 1, 2, 3]],
    ['an explosive short series', [1, 1, 1, 1, 2, 1e6, 1e12, 1e18, 1e6, 1e300, 1e-300, 1e300]],
  ]
  for (const [name, closes] of cases) {
    it(`${name}: every metric is finite for every strategy`, () => {
      for (const strategy of ['SMA', 'EMA', 'MACD'] as const) {
        const rows = runSweep(Float64Array.from(closes), spec(strategy, [[2, 3], [3, 5], [5, 40]], { signalPeriod: 2 }))
        rows.forEach(expectFiniteRow)
        if (closes.length < 3) expect(rows.every((r) => r.total_trades === 0 && r.total_return_pct === 0)).toBe(true)
      }
    })
  }
})

describe('input validation', () => {
  it('rejects a non-positive or non-finite close', () => {
    for (const bad of [0, -1, NaN, Infinity]) {
      expect(() => runSweep(Float64Array.from([1, bad, 2]), spec('SMA', [[2, 3]]))).toThrow(EngineInputError)
    }
  })

  it('rejects fast >= slow, a fee of 100% and a non-integer window, naming each field', () => {
    const bad = { ...spec('SMA', [[5, 5], [2.5, 9]]), fee: 1 }
    expect(() => runSweep(Float64Array.from([1, 2]), bad)).toThrow(/pairs\.0.*fast must be < slow.*pairs\.1\.0.*fee|fee.*pairs/s)
  })
})

describe('annFactorFor', () => {
  it('uses 365 / 8760 for crypto pairs and 252 / 1638 otherwise', () => {
    expect(annFactorFor('BTC-USD', '1d')).toBe(365)
    expect(annFactorFor('ETH-USDT', '1h')).toBe(8760)
    expect(annFactorFor('ETH-BTC', '1d')).toBe(365)
    expect(annFactorFor('BTC-EUR', '1d')).toBe(365)
    expect(annFactorFor('AAPL', '1d')).toBe(252)
    expect(annFactorFor('EURUSD', '1d')).toBe(252)
    expect(annFactorFor('SPY', '1h')).toBe(1638)
  })
})

describe('runSweep', () => {
  it('returns rows in the order of spec.pairs, duplicates included', () => {
    const closes = loadCloses('GLD')
    const pairs: Array<[number, number]> = [[30, 90], [5, 10], [30, 90], [2, 200]]
    const rows = runSweep(closes, spec('EMA', pairs))
    expect(rows.map((r) => [r.fast_period, r.slow_period])).toEqual(pairs)
    expect({ ...rows[0], rank_for_ticker: 0 }).toEqual({ ...rows[2], rank_for_ticker: 0 })
  })

  it('reports progress per chunk, ending at the total', () => {
    const calls: Array<[number, number]> = []
    const pairs = randomPairs(3, 300)
    runSweep(loadCloses('SPY'), spec('SMA', pairs), { onProgress: (d, t) => calls.push([d, t]) })
    expect(calls.at(-1)).toEqual([300, 300])
    expect(calls.length).toBeLessThanOrEqual(40)
  })
})
