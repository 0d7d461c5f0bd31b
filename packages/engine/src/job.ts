import { allocIndicator, summarise, type Indicator } from './blocks.ts'
import { Acc, simulate } from './kernel.ts'
import { emaOfCloses, firstDefinedBar, macdInto, smaInto } from './indicators.ts'
import { buyAndHoldReturnPct, computeMetrics, SLOTS, type MetricsContext } from './metrics.ts'
import { sharedSeries, type Series } from './series.ts'
import type { Strategy, SweepSpec } from './types.ts'

// A job = one series + one validated spec. Both runSweep and the pool workers evaluate pairs
// through `computeRange`, so the numbers cannot depend on how the grid was split.

// Indicator buffers outlive their job: a worker runs job after job on series of the same length,
// and allocating ~100 MB of fresh typed arrays per job made garbage collection ~15% of worker time.
// Per thread, capped; contents are always fully overwritten before use.
const spare = new Map<number, Indicator[]>()
let spareBytes = 0
const SPARE_LIMIT = 128 * 1024 * 1024

function takeIndicator(n: number): Indicator {
  const list = spare.get(n)
  const hit = list?.pop()
  if (hit === undefined) return allocIndicator(n)
  spareBytes -= 10 * n
  return hit
}

function giveIndicator(ind: Indicator): void {
  const n = ind.v.length
  if (spareBytes + 10 * n > SPARE_LIMIT) return
  spareBytes += 10 * n
  const list = spare.get(n)
  if (list === undefined) spare.set(n, [ind])
  else list.push(ind)
}

/** Indicator arrays of one job, kept for reuse across pairs; least recently used evicted beyond a budget. */
export class IndicatorCache {
  private readonly map = new Map<number, { ind: Indicator; used: number }>()
  private readonly capacity: number
  private clock = 0

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
      hit.used = ++this.clock
      return hit.ind
    }
    let ind: Indicator
    if (this.map.size >= this.capacity) {
      // a miss happens once per window: a linear scan for the oldest entry is fine
      let oldest = key
      let oldestUse = Infinity
      for (const [k, e] of this.map) {
        if (e.used < oldestUse) {
          oldest = k
          oldestUse = e.used
        }
      }
      ind = this.map.get(oldest)!.ind
      this.map.delete(oldest)
    } else {
      ind = takeIndicator(this.series.n)
    }
    if (kind === 'SMA') smaInto(ind.v, this.series, w)
    else emaOfCloses(ind.v, this.series, w)
    this.map.set(key, { ind: summarise(ind), used: ++this.clock })
    return ind
  }

  /** Hands the buffers back for the next job; the cache must not be used afterwards. */
  release(): void {
    for (const e of this.map.values()) giveIndicator(e.ind)
    this.map.clear()
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
  const series = sharedSeries(closes)
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
    line: macd ? takeIndicator(series.n) : allocIndicator(0),
    signal: macd ? takeIndicator(series.n) : allocIndicator(0),
  }
}

/** Returns the job's reusable buffers; call once, when no more pairs of the job will run. */
export function releaseJob(job: Job): void {
  job.cache.release()
  if (job.line.v.length > 0) {
    giveIndicator(job.line)
    giveIndicator(job.signal)
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
