import { F, SLOTS } from './metrics.ts'
import type { ResultRow } from './types.ts'

/** Ranks by score descending, then (fast, slow), then index; returns rank per index (0 = unranked). */
function ranksOf(
  count: number,
  eligible: (i: number) => boolean,
  score: (i: number) => number,
  fast: (i: number) => number,
  slow: (i: number) => number,
): Int32Array {
  const idx: number[] = []
  for (let i = 0; i < count; i++) if (eligible(i)) idx.push(i)
  idx.sort((i, j) => score(j) - score(i) || fast(i) - fast(j) || slow(i) - slow(j) || i - j)
  const ranks = new Int32Array(count)
  idx.forEach((i, k) => (ranks[i] = k + 1))
  return ranks
}

/**
 * Sets rank_for_ticker: 1 = best score among rows with total_closed_trades >= minTrades, ties
 * broken by (fast, slow) ascending (then input order, for duplicate pairs); null for the others.
 * Pure: returns new row objects in the input order.
 */
export function rankResults(rows: ResultRow[], minTrades: number): ResultRow[] {
  const ranks = ranksOf(
    rows.length,
    (i) => rows[i]!.total_closed_trades >= minTrades,
    (i) => rows[i]!.score,
    (i) => rows[i]!.fast_period,
    (i) => rows[i]!.slow_period,
  )
  return rows.map((r, i) => ({ ...r, rank_for_ticker: ranks[i]! > 0 ? ranks[i]! : null }))
}

/** The same ranking straight from a packed buffer (row i = pairs[i]), without building rows twice. */
export function rankPacked(packed: Float64Array, pairs: ReadonlyArray<readonly [number, number]>, minTrades: number): Int32Array {
  return ranksOf(
    pairs.length,
    (i) => packed[i * SLOTS + F.closedTrades]! >= minTrades,
    (i) => packed[i * SLOTS + F.score]!,
    (i) => pairs[i]![0],
    (i) => pairs[i]![1],
  )
}
