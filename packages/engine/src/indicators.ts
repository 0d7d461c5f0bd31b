import { twoSumInto, type Series } from './series.ts'

// Indicator arrays are Float64Array(n); entries before the first defined bar are NaN and never read.

const SPLIT = 134217729 // 2^27 + 1, Dekker's splitter

/**
 * SMA_w as the correctly rounded mean of c[t-w+1..t], taking the prices as the decimals they were
 * written as. Two windows with equal means then get the same double, so a tie is never a
 * crossover. Old equity data is full of such ties (AAPL: 872 bar/pair ties on the default grid);
 * a float rolling or naive mean breaks 20-35% of them one way or the other at random.
 */
export function smaInto(out: Float64Array, s: Series, w: number): Float64Array {
  const { n, decimal } = s
  out.fill(NaN, 0, Math.min(w - 1, n))
  if (decimal !== null) {
    // exact integer window sum, one correctly rounded division
    const { prefix } = decimal
    const div = w * 10 ** decimal.scale
    for (let t = w - 1; t < n; t++) out[t] = (prefix[t + 1]! - prefix[t + 1 - w]!) / div
  } else {
    for (let t = w - 1; t < n; t++) out[t] = smaAt(s, w, t)
  }
  return out
}

/** SMA_w[t] (t >= w-1), see smaInto. */
export function smaAt(s: Series, w: number, t: number): number {
  if (s.decimal !== null) return (s.decimal.prefix[t + 1]! - s.decimal.prefix[t + 1 - w]!) / (w * 10 ** s.decimal.scale)
  // Not short decimals: the correctly rounded mean of the doubles themselves, from the
  // double-double prefix sums (exact window sum hi + lo, then q = hi/w and one correction step
  // with the exact remainder hi + lo - q*w).
  const t2 = new Float64Array(2)
  twoSumInto(t2, s.cHi[t + 1]!, -s.cHi[t + 1 - w]!)
  const lo0 = t2[1]! + (s.cLo[t + 1]! - s.cLo[t + 1 - w]!)
  const hi = t2[0]! + lo0
  const lo = lo0 - (hi - t2[0]!)
  const q = hi / w
  const p = q * w
  const qa = SPLIT * q
  const qh = qa - (qa - q)
  const ql = q - qh
  const pe = qh * w - p + ql * w // q*w = p + pe exactly (w < 2^26)
  return q + (hi - p - pe + lo) / w
}

/**
 * EMA_w of values[from..]: alpha = 2/(w+1), seeded at from+w-1 with `seed` (SMA_w there).
 * Written as prev + alpha*(x - prev), which equals SCORE.md's alpha*x + (1-alpha)*prev but keeps
 * a flat stretch exactly flat, so EMAs of a constant series tie instead of crossing on rounding
 * noise. On the bundled data both forms give identical crossovers on every bar and pair (the
 * smallest EMA gap there is 1e-11 relative, far above the 1e-16 difference between the forms).
 */
export function emaInto(out: Float64Array, values: Float64Array, w: number, from: number, seed: number): Float64Array {
  const n = values.length
  const seedAt = from + w - 1
  out.fill(NaN, 0, Math.min(seedAt, n))
  if (seedAt >= n) return out
  const alpha = 2 / (w + 1)
  let prev = seed
  out[seedAt] = prev
  for (let t = seedAt + 1; t < n; t++) {
    prev += alpha * (values[t]! - prev)
    out[t] = prev
  }
  return out
}

/** EMA_w of the closes, seeded with SMA_w[w-1]. */
export function emaOfCloses(out: Float64Array, s: Series, w: number): Float64Array {
  return emaInto(out, s.c, w, 0, w <= s.n ? smaAt(s, w, w - 1) : NaN)
}

/**
 * MACD line = EMA_fast - EMA_slow (defined from slow-1) and its signal line, the EMA_signalPeriod
 * of the line seeded with the mean of its first signalPeriod defined values.
 */
export function macdInto(
  line: Float64Array,
  signal: Float64Array,
  emaFast: Float64Array,
  emaSlow: Float64Array,
  slow: number,
  signalPeriod: number,
): void {
  const n = line.length
  const start = slow - 1
  line.fill(NaN, 0, Math.min(start, n))
  for (let t = start; t < n; t++) line[t] = emaFast[t]! - emaSlow[t]!
  // seed: left-to-right mean of the first signalPeriod line values (they are not prices)
  let sum = 0
  for (let t = start; t < Math.min(n, start + signalPeriod); t++) sum += line[t]!
  emaInto(signal, line, signalPeriod, start, sum / signalPeriod)
}

/** First bar where both sides of the crossover are defined. */
export function firstDefinedBar(strategy: 'SMA' | 'EMA' | 'MACD', slow: number, signalPeriod: number): number {
  return strategy === 'MACD' ? slow - 1 + signalPeriod - 1 : slow - 1
}
