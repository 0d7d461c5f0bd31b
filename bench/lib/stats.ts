// Pure helpers for summarising repeated measurements (no I/O, so they are unit-tested directly).

/** The median of a non-empty list (mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of an empty list')
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

/** Nearest-rank percentile (p in 0..100) of a non-empty list: a value that was actually observed. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) throw new Error('percentile of an empty list')
  const s = [...xs].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * s.length)
  return s[Math.min(s.length, Math.max(1, rank)) - 1]!
}

/** How far the runs spread around their median, in percent: (max − min) / median × 100. */
export function spreadPct(xs: readonly number[]): number {
  const m = median(xs)
  return m === 0 ? 0 : ((Math.max(...xs) - Math.min(...xs)) / m) * 100
}

/** Medians of each numeric field over several runs of the same shape. */
export function medianOfRuns<K extends string>(runs: ReadonlyArray<Record<K, number>>): Record<K, number> {
  if (runs.length === 0) throw new Error('no runs')
  const out = {} as Record<K, number>
  for (const k of Object.keys(runs[0]!) as K[]) out[k] = median(runs.map((r) => r[k]))
  return out
}

/** Latency distribution of one run, in milliseconds. */
export function latencySummary(ms: readonly number[]): { p50: number; p99: number; max: number; count: number } {
  return { p50: percentile(ms, 50), p99: percentile(ms, 99), max: Math.max(...ms), count: ms.length }
}

/** A deterministic PRNG (mulberry32): the same seed gives both systems the very same jobs. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
