// Per-series precomputation, done once per job and shared by every pair.
//
// Prefix sums are kept as double-double (hi + lo) so that a window sum taken as a difference of
// two prefixes is exact for real price data (see twoSum): this is what lets SMA crossovers be
// decided on the true means, and lets the kernel add a whole in-position stretch of returns in O(1).

/** Error-free sum: s + e === a + b exactly (Knuth). */
export function twoSumInto(out: Float64Array, a: number, b: number): void {
  const s = a + b
  const bb = s - a
  out[0] = s
  out[1] = a - (s - bb) + (b - bb)
}

import { priceBlocks, type PriceBlocks } from './blocks.ts'

export interface Series extends PriceBlocks {
  readonly c: Float64Array
  readonly n: number
  /**
   * Decimal prices: c[t] = ints[t] / 10^scale exactly as written, and dPrefix[k] = sum ints[0..k-1]
   * (exact integers below 2^53). null when the closes are not short decimals (then cHi/cLo are used).
   */
  readonly decimal: { readonly scale: number; readonly prefix: Float64Array } | null
  /** prefix of closes: sum c[0..k-1] = cHi[k] + cLo[k] (exact for real data) */
  readonly cHi: Float64Array
  readonly cLo: Float64Array
  /** prefix of bar returns R[t] = c[t]/c[t-1] - 1 over t = 1..k (index k), R, R^2 and min(R,0)^2 */
  readonly r1Hi: Float64Array
  readonly r1Lo: Float64Array
  readonly r2Hi: Float64Array
  readonly r2Lo: Float64Array
  readonly rdHi: Float64Array
  readonly rdLo: Float64Array
}

/**
 * hi[k] + lo[k] = hi[k-1] + lo[k-1] + x (TwoSum, then renormalise so |lo| stays below half an ulp
 * of hi; lo + e is then exact for real prices). Inlined by hand: this runs once per job per array.
 */
function prefixStep(hi: Float64Array, lo: Float64Array, k: number, x: number): void {
  const a = hi[k - 1]!
  const s = a + x
  const bb = s - a
  const e = a - (s - bb) + (x - bb)
  const l = lo[k - 1]! + e
  const h = s + l
  hi[k] = h
  lo[k] = l - (h - s)
}

const MAX_DECIMALS = 9

/**
 * Finds the common number of decimals d such that every close is the double nearest to a
 * d-decimal number (true for any CSV price), and the integer prefix sums stay exact.
 */
function decimalPrefix(c: Float64Array): Series['decimal'] {
  let scale = 0
  let pow = 1
  for (const x of c) {
    while (Math.round(x * pow) / pow !== x) {
      if (++scale > MAX_DECIMALS) return null
      pow *= 10
    }
  }
  const prefix = new Float64Array(c.length + 1)
  for (let i = 0; i < c.length; i++) prefix[i + 1] = prefix[i]! + Math.round(c[i]! * pow)
  // every partial sum (and w * 10^scale, w <= 1e6) must be an exact integer
  if (!(prefix[c.length]! < 2 ** 53 / 4 && pow * 1e6 < 2 ** 53)) return null
  return { scale, prefix }
}

export function prepareSeries(c: Float64Array): Series {
  const n = c.length
  const cHi = new Float64Array(n + 1)
  const cLo = new Float64Array(n + 1)
  for (let k = 1; k <= n; k++) prefixStep(cHi, cLo, k, c[k - 1]!)
  // index k holds the sum over returns 1..k; index 0 (and 1 when n <= 1) stay 0
  const size = Math.max(n, 1)
  const r1Hi = new Float64Array(size)
  const r1Lo = new Float64Array(size)
  const r2Hi = new Float64Array(size)
  const r2Lo = new Float64Array(size)
  const rdHi = new Float64Array(size)
  const rdLo = new Float64Array(size)
  for (let k = 1; k < n; k++) {
    const r = c[k]! / c[k - 1]! - 1
    prefixStep(r1Hi, r1Lo, k, r)
    prefixStep(r2Hi, r2Lo, k, r * r)
    prefixStep(rdHi, rdLo, k, r < 0 ? r * r : 0)
  }
  return { c, n, decimal: decimalPrefix(c), cHi, cLo, r1Hi, r1Lo, r2Hi, r2Lo, rdHi, rdLo, ...priceBlocks(c) }
}

/** Bit-for-bit equality of two series of closes (NaN equals NaN, 0 differs from -0). */
function sameBits(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false
  const x = new Int32Array(a.buffer, a.byteOffset, a.length * 2)
  const y = new Int32Array(b.buffer, b.byteOffset, b.length * 2)
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false
  return true
}

/**
 * prepareSeries, remembered for the last `capacity` distinct series (most recently used first).
 * Jobs of the same ticker and range arrive with equal closes in fresh arrays (the price loader
 * slices a copy per job), so a hit is found by content: a few compares reject other series, one
 * pass over the bits confirms the match. That pass is what a hit costs instead of the five prefix
 * passes. The cache keeps its own copy of the closes, so a caller that writes to its array later
 * cannot change a cached series; callers must treat a returned Series as read-only (the engine does).
 */
export function seriesCache(capacity: number): (c: Float64Array) => Series {
  const entries: Series[] = []
  return (c) => {
    const n = c.length
    for (let i = 0; i < entries.length; i++) {
      const s = entries[i]!
      if (s.n !== n || !Object.is(s.c[n - 1], c[n - 1]) || !Object.is(s.c[0], c[0]) || !sameBits(s.c, c)) continue
      if (i > 0) {
        entries.splice(i, 1)
        entries.unshift(s)
      }
      return s
    }
    const s = prepareSeries(c.slice())
    entries.unshift(s)
    if (entries.length > capacity) entries.pop()
    return s
  }
}

/**
 * The series of this thread's jobs. A daily series of 10,000 bars takes ~0.9 MB here, an hourly one
 * of 44,000 ~4 MB: 16 of them stay well below the worker's indicator buffers.
 */
export const sharedSeries = seriesCache(16)
