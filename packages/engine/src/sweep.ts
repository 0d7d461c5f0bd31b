import { AbortError } from './errors.ts'
import { computeRange, prepareJob, releaseJob } from './job.ts'
import { SLOTS } from './metrics.ts'
import { rankedRows } from './rows.ts'
import { assertCloses, parseSweepSpec } from './spec.ts'
import type { ResultRow, SweepRunOptions, SweepSpec } from './types.ts'

/** Copies chunk rows (row k-start = order[k]) to their pair's slot in packed. */
export function scatter(packed: Float64Array, chunk: Float64Array, order: Int32Array, start: number, end: number): void {
  for (let k = start; k < end; k++) {
    const to = order[k]! * SLOTS
    const from = (k - start) * SLOTS
    for (let j = 0; j < SLOTS; j++) packed[to + j] = chunk[from + j]!
  }
}

/** How many pairs between progress reports / abort checks. */
export function chunkSize(total: number, parts: number): number {
  return Math.min(1024, Math.max(16, Math.ceil(total / Math.max(1, parts))))
}

/**
 * Evaluates the grid into a packed buffer (row i = spec.pairs[i]); the pool's workers run the very
 * same code over slices of `order`.
 */
export function sweepPacked(closes: Float64Array, spec: SweepSpec, opts: SweepRunOptions = {}): Float64Array {
  const job = prepareJob(closes, spec)
  const total = spec.pairs.length
  const packed = new Float64Array(total * SLOTS)
  const step = chunkSize(total, 32)
  const chunk = new Float64Array(step * SLOTS)
  try {
    for (let start = 0; start < total; start += step) {
      if (opts.signal?.aborted === true) throw new AbortError(opts.signal.reason)
      const end = Math.min(total, start + step)
      computeRange(job, start, end, chunk)
      scatter(packed, chunk, job.order, start, end)
      opts.onProgress?.(end, total)
    }
  } finally {
    releaseJob(job)
  }
  return packed
}

/** Single thread; returns rows in the order of spec.pairs, already ranked (rank_for_ticker set). */
export function runSweep(closes: Float64Array, spec: SweepSpec, opts: SweepRunOptions = {}): ResultRow[] {
  const valid = parseSweepSpec(spec)
  assertCloses(closes)
  const packed = sweepPacked(closes, valid, opts)
  return rankedRows(packed, valid)
}
