import { describe, expect, it } from 'vitest'
import { annFactorFor, prepareSeries, sweepPacked, type SweepSpec } from '../src/index.ts'
import { seriesCache } from '../src/series.ts'
import { loadCloses } from './support/prices.ts'
import { randomPairs } from './support/prng.ts'

// The engine remembers the prepared series of recent jobs (series.ts, seriesCache): jobs of one
// ticker arrive with equal closes in fresh arrays.

const closes = loadCloses('SPY')

describe('seriesCache', () => {
  it('gives a job the series prepared for an earlier job with the same closes in another array', () => {
    const cached = seriesCache(4)
    const first = cached(closes.slice())
    expect(cached(closes.slice())).toBe(first)
  })

  it('holds exactly what prepareSeries derives from the closes', () => {
    const fresh = prepareSeries(closes)
    const cached = seriesCache(4)
    cached(closes.slice())
    const hit = cached(closes.slice())
    for (const k of ['c', 'cHi', 'cLo', 'r1Hi', 'r1Lo', 'r2Hi', 'r2Lo', 'rdHi', 'rdLo', 'cLoB', 'cHiB', 'lastMax'] as const)
      expect(hit[k], k).toEqual(fresh[k])
    expect(hit.decimal).toEqual(fresh.decimal)
  })

  it('prepares anew when one close in the middle differs, even by its sign bit', () => {
    const cached = seriesCache(4)
    const a = cached(closes.slice())
    const b = closes.slice()
    b[b.length >> 1] = b[b.length >> 1]! * (1 + Number.EPSILON)
    expect(cached(b)).not.toBe(a)
    const zero = new Float64Array([1, 0, 2])
    const negativeZero = new Float64Array([1, -0, 2])
    expect(cached(negativeZero)).not.toBe(cached(zero))
  })

  it('is not changed by a caller writing to its closes after the job', () => {
    const cached = seriesCache(4)
    const mine = closes.slice()
    const s = cached(mine)
    mine[0] = 12345
    expect(s.c[0]).toBe(closes[0])
    expect(cached(closes.slice())).toBe(s)
  })

  it('forgets the least recently used series beyond its capacity', () => {
    const cached = seriesCache(2)
    const series = [1, 2, 3].map((k) => closes.map((x) => x * k))
    const s1 = cached(series[0]!)
    const s2 = cached(series[1]!)
    expect(cached(series[0]!)).toBe(s1) // 1 is now the most recent, 2 the oldest
    cached(series[2]!)
    expect(cached(series[0]!)).toBe(s1)
    expect(cached(series[1]!)).not.toBe(s2)
  })
})

describe('sweeps through the remembered series', () => {
  it('pack the same bits as the first sweep of those closes', () => {
    const spec: SweepSpec = {
      strategy: 'SMA',
      pairs: randomPairs(7, 20),
      minTrades: 0,
      fee: 0.001,
      initCash: 1000,
      annFactor: annFactorFor('SPY', '1d'),
      signalPeriod: 9,
      barUnit: 'days',
    }
    // a series no other test in this thread used, so the first sweep prepares it
    const own = closes.map((x) => x * 3)
    const first = sweepPacked(own.slice(), spec)
    const second = sweepPacked(own.slice(), spec)
    expect(new Uint8Array(second.buffer)).toEqual(new Uint8Array(first.buffer))
  })
})
