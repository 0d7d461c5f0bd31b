import { allocIndicator, summarise, type Indicator } from './blocks.ts'
import { Acc, simulate } from './kernel.ts'
import { emaOfCloses, firstDefinedBar, macdInto, smaInto } from './indicators.ts'
import { buyAndHoldReturnPct, computeMetrics, SLOTS, type MetricsContext } from './metrics.ts'
import { prepareSeries, type Series } from './series.ts'
import type { Strategy, SweepSpec } from './types.ts'

// A job = one series + one validated spec. Both runSweep and the pool workers evaluate pairs
// through `computeRange`, so the numbers cannot depend on how the grid was split.

/** Keeps indicator arrays for reuse across pairs, evicting the least recently used beyond a byte budget. */
export class IndicatorCache {
  private readonly map = new Map<number, Indicator>()
  private readonly capacity: number
  /**
   * Pairs arrive sorted by (slow, fast), so the working set is the distinct fast windows plus the
   * current slow one; the default budget holds ~100 windows of a 40k-bar series (~45 MB).
   */
  constructor(
    private readonly series: Series,
    budgetBytes = 48 * 1024 * 1024,
  ) {
    this.capacity = Math.max(8, Math.floor(budgetBytes / (10 * Math.max(1, series.n))))
  }

  get(kind: 'SMA' | 'EMA', w: number): Indicator {
    const key = kind === 'SMA' ? w : -w
    const hit = this.map.get(key)
    if (hit !== undefined) {
      this.map.delete(key) // re-insert: Map order is the LRU order
      this.map.set(key, hit)
      return hit
    }
    let out: Indicator
    if (this.map.size >= this.capacity) {
      const oldest = this.map.keys().next().value as number
      out = this.map.get(oldest)! // recycle the evicted buffers
      this.map.delete(oldest)
    } else {
      out = allocIndicator(this.series.n)
    }
    if (kind === 'SMA') smaInto(out.v, this.series, w)
    else emaOfCloses(out.v, this.series, w)
    this.map.set(key, summarise(out))
    return out
  }
}

export interface Job {
  readonly series: Series
  readonly spec: SweepSpec
  readonly metrics: MetricsContext
  /** pair indices sorted by (slow, fast): consecutive pairs share the slow indicator */
  readonly order: Int32Array
  readonly cache: IndicatorCache
  readonly acc: Acc
  readonly line: Indicator
  readonly signal: Indicator
}

/** Pair indices sorted by (slow, fast, index): buckets by slow, then small sorts by fast. */
export function sortedOrder(pairs: ReadonlyArray<readonly [number, number]>): Int32Array {
  const bySlow = new Map<number, number[]>()
  pairs.forEach(([, slow], i) => {
    const bucket = bySlow.get(slow)
    if (bucket === undefined) bySlow.set(slow, [i])
    else bucket.push(i)
  })
  const order = new Int32Array(pairs.length)
  let k = 0
  for (const slow of [...bySlow.keys()].sort((a, b) => a - b)) {
    const bucket = bySlow.get(slow)!
    bucket.sort((i, j) => pairs[i]![0] - pairs[j]![0] || i - j)
    for (const i of bucket) order[k++] = i
  }
  return order
}

export function prepareJob(closes: Float64Array, spec: SweepSpec, order?: Int32Array): Job {
  const series = prepareSeries(closes)
  const macd = spec.strategy === 'MACD'
  return {
    series,
    spec,
    metrics: {
      n: series.n,
      initCash: spec.initCash,
      annFactor: spec.annFactor,
      bnhReturnPct: buyAndHoldReturnPct(closes, spec.fee, spec.initCash),
    },
    order: order ?? sortedOrder(spec.pairs),
    cache: new IndicatorCache(series),
    acc: new Acc(),
    line: allocIndicator(macd ? series.n : 0),
    signal: allocIndicator(macd ? series.n : 0),
  }
}

/** Runs one pair and writes its packed metrics at out[o..o+SLOTS). */
export function runPair(job: Job, fast: number, slow: number, out: Float64Array, o: number): void {
  const { spec, series, cache } = job
  const strategy: Strategy = spec.strategy
  const t0 = firstDefinedBar(strategy, slow, spec.signalPeriod)
  let a: Indicator
  let b: Indicator
  if (t0 >= series.n) {
    a = b = job.line // never read: the kernel stops before the first defined bar
  } else if (strategy === 'MACD') {
    macdInto(job.line.v, job.signal.v, cache.get('EMA', fast).v, cache.get('EMA', slow).v, slow, spec.signalPeriod)
    a = summarise(job.line)
    b = summarise(job.signal)
  } else {
    a = cache.get(strategy, fast)
    b = cache.get(strategy, slow)
  }
  simulate(series, a, b, t0, spec.fee, spec.initCash, job.acc)
  computeMetrics(job.acc, job.metrics, out, o)
}

/**
 * Evaluates job.order[start..end) into out (row k of out is order[start + k]).
 * `shouldStop` is polled between pairs; returns false when it stopped early.
 */
export function computeRange(
  job: Job,
  start: number,
  end: number,
  out: Float64Array,
  shouldStop?: () => boolean,
): boolean {
  const pairs = job.spec.pairs
  for (let k = start; k < end; k++) {
    if (shouldStop !== undefined && shouldStop()) return false
    const pair = pairs[job.order[k]!]!
    runPair(job, pair[0], pair[1], out, (k - start) * SLOTS)
  }
  return true
}
