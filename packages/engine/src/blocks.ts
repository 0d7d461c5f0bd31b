// Block summaries (min / max over 8 consecutive bars) let the kernel skip a whole block with two
// compares when its outcome is certain: fast and slow do not cross inside it, and (in a position)
// the value neither makes a new peak nor a new maximum drawdown. Skipping is exact, not a
// heuristic: x -> fl(shares * x) is monotone, so fl(shares * max c) is the block's max value.

export const SHIFT = 3
export const BLOCK = 1 << SHIFT

export function blockCount(n: number): number {
  return (n + BLOCK - 1) >> SHIFT
}

/** An indicator series with its block minima and maxima (NaN bars are ignored). */
export interface Indicator {
  readonly v: Float64Array
  readonly lo: Float64Array
  readonly hi: Float64Array
}

export function allocIndicator(n: number): Indicator {
  const nb = blockCount(n)
  return { v: new Float64Array(n), lo: new Float64Array(nb), hi: new Float64Array(nb) }
}

export function summarise(ind: Indicator): Indicator {
  const { v, lo, hi } = ind
  const n = v.length
  for (let b = 0, t = 0; t < n; b++) {
    let min = Infinity
    let max = -Infinity
    const end = Math.min(n, t + BLOCK)
    for (; t < end; t++) {
      const x = v[t]!
      if (x < min) min = x
      if (x > max) max = x
    }
    lo[b] = min
    hi[b] = max
  }
  return ind
}

export interface PriceBlocks {
  readonly cLoB: Float64Array
  readonly cHiB: Float64Array
  /** last bar of the block holding the block maximum, or -1 when the block must be walked bar by bar */
  readonly lastMax: Int32Array
}

/**
 * lastMax is where a new peak inside the block ends up. It is only trusted when no other close in
 * the block is within 1e-12 of the maximum (then fl(shares * x) cannot tie with the maximum).
 */
export function priceBlocks(c: Float64Array): PriceBlocks {
  const n = c.length
  const ind = summarise({ v: c, lo: new Float64Array(blockCount(n)), hi: new Float64Array(blockCount(n)) })
  const lastMax = new Int32Array(blockCount(n))
  for (let b = 0; b < lastMax.length; b++) {
    const max = ind.hi[b]!
    let at = -1
    let near = false
    for (let t = b * BLOCK; t < Math.min(n, b * BLOCK + BLOCK); t++) {
      if (c[t] === max) at = t
      else if (c[t]! >= max * (1 - 1e-12)) near = true
    }
    lastMax[b] = near ? -1 : at
  }
  return { cLoB: ind.lo, cHiB: ind.hi, lastMax }
}
