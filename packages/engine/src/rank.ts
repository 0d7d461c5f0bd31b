import type { ResultRow } from './types.ts'

/**
 * Sets rank_for_ticker: 1 = best score among rows with total_closed_trades >= minTrades, ties
 * broken by (fast, slow) ascending (then input order, for duplicate pairs); null for the others.
 * Pure: returns new row objects in the input order.
 */
export function rankResults(rows: ResultRow[], minTrades: number): ResultRow[] {
  const eligible: number[] = []
  rows.forEach((r, i) => {
    if (r.total_closed_trades >= minTrades) eligible.push(i)
  })
  eligible.sort((i, j) => {
    const a = rows[i]!
    const b = rows[j]!
    return b.score - a.score || a.fast_period - b.fast_period || a.slow_period - b.slow_period || i - j
  })
  const rank = new Map<number, number>()
  eligible.forEach((i, k) => rank.set(i, k + 1))
  return rows.map((r, i) => ({ ...r, rank_for_ticker: rank.get(i) ?? null }))
}
