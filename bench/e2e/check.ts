import type { ResultRow } from '@zixly/engine'

const NUMERIC: ReadonlyArray<keyof ResultRow> = [
  'score', 'sharpe_ratio', 'sortino_ratio', 'calmar_ratio', 'total_return_pct', 'annualized_return', 'max_drawdown_pct',
  'win_rate_pct', 'profit_factor', 'expectancy_per_trade', 'trades_per_month', 'beats_bnh_pct',
]
const EXACT: ReadonlyArray<keyof ResultRow> = [
  'fast_period', 'slow_period', 'total_trades', 'total_closed_trades', 'max_drawdown_duration', 'avg_trade_duration', 'rank_for_ticker',
]

function close(a: unknown, b: unknown): boolean {
  if (a === null || b === null) return a === b
  const x = Number(a)
  const y = Number(b)
  return x === y || Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y))
}

/**
 * Compares the results of job i on both systems (the same request posted to each), row by row and
 * field by field: counts and labels exactly, numbers to 1e-9 relative. Returns the differences found
 * (at most `limit` described) and how many jobs and rows matched.
 */
export function compareResults(
  a: { ids: readonly string[]; rows: Map<string, ResultRow[]> },
  b: { ids: readonly string[]; rows: Map<string, ResultRow[]> },
  limit = 10,
): { jobs: number; rows: number; mismatches: number; examples: string[] } {
  let rows = 0
  let mismatches = 0
  const examples: string[] = []
  const differ = (what: string) => {
    mismatches++
    if (examples.length < limit) examples.push(what)
  }
  for (let i = 0; i < a.ids.length; i++) {
    const ra = a.rows.get(a.ids[i]!) ?? []
    const rb = b.rows.get(b.ids[i]!) ?? []
    if (ra.length === 0 || ra.length !== rb.length) {
      differ(`job #${i}: ${ra.length} rows vs ${rb.length}`)
      continue
    }
    for (let k = 0; k < ra.length; k++) {
      const x = ra[k]!
      const y = rb[k]!
      rows++
      for (const f of EXACT) if (String(x[f]) !== String(y[f])) differ(`job #${i} row ${k} ${f}: ${String(x[f])} vs ${String(y[f])}`)
      for (const f of NUMERIC) if (!close(x[f], y[f])) differ(`job #${i} row ${k} ${f}: ${String(x[f])} vs ${String(y[f])}`)
    }
  }
  return { jobs: a.ids.length, rows, mismatches, examples }
}
