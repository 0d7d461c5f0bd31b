import { emaOfCloses, firstDefinedBar, macdInto, smaInto } from './indicators.ts'
import { prepareSeries } from './series.ts'
import { assertCloses, parseBacktestOptions } from './spec.ts'
import { EngineInputError } from './errors.ts'
import type { BacktestOptions, Strategy } from './types.ts'

/** Buy at c[0] with the entry fee and hold; no exit fee (like an open trade at the end). */
export function buyAndHold(
  closes: Float64Array,
  o: Pick<BacktestOptions, 'fee' | 'initCash'>,
): { curve: Float64Array; returnPct: number } {
  assertCloses(closes)
  const n = closes.length
  const curve = new Float64Array(n)
  if (n === 0) return { curve, returnPct: 0 }
  const shares = o.initCash / (closes[0]! * (1 + o.fee))
  for (let t = 0; t < n; t++) curve[t] = shares * closes[t]!
  return { curve, returnPct: (curve[n - 1]! / o.initCash - 1) * 100 }
}

const CRYPTO = /-(USD|USDT|EUR|BTC)/i

/** 365 / 252 for daily bars, 8760 / 1638 for hourly; crypto when the ticker contains -USD, -USDT, -EUR or -BTC. */
export function annFactorFor(ticker: string, interval: '1d' | '1h'): number {
  const crypto = CRYPTO.test(ticker)
  if (interval === '1h') return crypto ? 365 * 24 : 252 * 6.5
  return crypto ? 365 : 252
}

/**
 * value[t] for one pair, bar by bar (for charts). Written literally rather than through the
 * sweep kernel, which never materialises the curve; tests check that the two agree.
 */
export function equityCurve(
  closes: Float64Array,
  strategy: Strategy,
  fast: number,
  slow: number,
  o: BacktestOptions,
): Float64Array {
  parseBacktestOptions(o)
  assertCloses(closes)
  if (!(Number.isInteger(fast) && Number.isInteger(slow) && fast >= 1 && fast < slow)) {
    throw new EngineInputError('invalid pair', [`(${fast}, ${slow}): need integers 1 <= fast < slow`])
  }
  const n = closes.length
  const curve = new Float64Array(n).fill(o.initCash)
  const t0 = firstDefinedBar(strategy, slow, o.signalPeriod)
  if (t0 >= n) return curve
  let a = new Float64Array(n)
  let b = new Float64Array(n)
  const s = prepareSeries(closes)
  if (strategy === 'SMA') {
    smaInto(a, s, fast)
    smaInto(b, s, slow)
  } else if (strategy === 'EMA') {
    emaOfCloses(a, s, fast)
    emaOfCloses(b, s, slow)
  } else {
    const line = new Float64Array(n)
    const signal = new Float64Array(n)
    macdInto(line, signal, emaOfCloses(a, s, fast), emaOfCloses(b, s, slow), slow, o.signalPeriod)
    a = line
    b = signal
  }
  let cash = o.initCash
  let shares = 0
  for (let t = t0 + 1; t < n; t++) {
    const above = a[t]! > b[t]!
    const wasAbove = a[t - 1]! > b[t - 1]!
    if (above && !wasAbove && shares === 0) {
      shares = cash / (closes[t]! * (1 + o.fee))
      cash = 0
    } else if (!above && wasAbove && shares > 0) {
      cash = shares * closes[t]! * (1 - o.fee)
      shares = 0
    }
    curve[t] = shares > 0 ? shares * closes[t]! : cash
  }
  return curve
}
