import { countPairs, type SweepParams } from '@zixly/contracts'

/** A slot is counted in quarters: the smallest share of a slot a sweep can take. */
export const SLOT_UNITS = 4

/**
 * How much of a concurrency slot a sweep takes, in quarters of a slot. Pure. Without `slotPairs`
 * every sweep takes a whole slot. With it, a sweep of at least `slotPairs` pairs takes a whole slot
 * and a smaller one its share of `slotPairs`, rounded up to a quarter: with 16, a 4-pair sweep takes a
 * quarter, so four of them run in one slot. Small sweeps spend most of an attempt waiting on messages,
 * not computing, so a window counted in jobs leaves the machine idle when they are all small.
 */
export function slotUnits(params: Pick<SweepParams, 'fast_range' | 'slow_range' | 'step'>, slotPairs: number | undefined): number {
  if (slotPairs === undefined || slotPairs <= 0) return SLOT_UNITS
  const pairs = countPairs(params.fast_range, params.slow_range, params.step)
  if (pairs >= slotPairs) return SLOT_UNITS
  return Math.max(1, Math.ceil((SLOT_UNITS * pairs) / slotPairs))
}
