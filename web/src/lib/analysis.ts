// Pure summaries of a sweep's results for the job page: stat cards and heat-map cells.
import type { SweepResultRow } from '@zixly/contracts'

/** Metrics the heat map can colour by; `lowerIsBetter` flips the palette. */
export const HEAT_METRICS = [
  { key: 'score', label: 'Score', lowerIsBetter: false },
  { key: 'sharpe_ratio', label: 'Sharpe', lowerIsBetter: false },
  { key: 'total_return_pct', label: 'Return %', lowerIsBetter: false },
  { key: 'max_drawdown_pct', label: 'Max drawdown %', lowerIsBetter: true },
] as const
export type HeatMetric = (typeof HEAT_METRICS)[number]['key']

/** One cell: [fast, slow, score, sharpe, return %, drawdown %, closed trades, rank]. */
export type Cell = [number, number, number, number, number, number, number, number | null]
export const CELL_INDEX: Record<HeatMetric, number> = { score: 2, sharpe_ratio: 3, total_return_pct: 4, max_drawdown_pct: 5 }

export interface ResultStats {
  count: number
  ranked: number
  best_score: { value: number; fast: number; slow: number } | null
  best_sharpe: { value: number; fast: number; slow: number } | null
  best_return: { value: number; fast: number; slow: number } | null
  lowest_drawdown: { value: number; fast: number; slow: number } | null
  avg_score: number | null
  avg_sharpe: number | null
  avg_return: number | null
  avg_drawdown: number | null
  avg_win_rate: number | null
}

export const toCell = (r: SweepResultRow): Cell => [
  r.fast_period,
  r.slow_period,
  r.score,
  r.sharpe_ratio,
  r.total_return_pct,
  r.max_drawdown_pct,
  r.total_closed_trades,
  r.rank_for_ticker,
]

function extreme(rows: readonly SweepResultRow[], pick: (r: SweepResultRow) => number, lowest = false) {
  let best: SweepResultRow | undefined
  for (const r of rows) if (!best || (lowest ? pick(r) < pick(best) : pick(r) > pick(best))) best = r
  return best ? { value: pick(best), fast: best.fast_period, slow: best.slow_period } : null
}

const mean = (rows: readonly SweepResultRow[], pick: (r: SweepResultRow) => number) =>
  rows.length === 0 ? null : rows.reduce((s, r) => s + pick(r), 0) / rows.length

/** Stat cards over every combination (best by each metric, and averages). */
export function summarize(rows: readonly SweepResultRow[]): ResultStats {
  return {
    count: rows.length,
    ranked: rows.filter((r) => r.rank_for_ticker !== null).length,
    best_score: extreme(rows, (r) => r.score),
    best_sharpe: extreme(rows, (r) => r.sharpe_ratio),
    best_return: extreme(rows, (r) => r.total_return_pct),
    lowest_drawdown: extreme(rows, (r) => r.max_drawdown_pct, true),
    avg_score: mean(rows, (r) => r.score),
    avg_sharpe: mean(rows, (r) => r.sharpe_ratio),
    avg_return: mean(rows, (r) => r.total_return_pct),
    avg_drawdown: mean(rows, (r) => r.max_drawdown_pct),
    avg_win_rate: mean(rows, (r) => r.win_rate_pct),
  }
}

/** The pair the equity chart shows: rank 1, or (when nothing reached min_trades) the top score. */
export function bestPair(rows: readonly SweepResultRow[]): { row: SweepResultRow; ranked: boolean } | null {
  const ranked = rows.find((r) => r.rank_for_ticker === 1)
  if (ranked) return { row: ranked, ranked: true }
  let top: SweepResultRow | undefined
  for (const r of rows) if (!top || r.score > top.score) top = r
  return top ? { row: top, ranked: false } : null
}

/** Peak-to-date drawdown in percent (≤ 0) of an equity curve. */
export function drawdownPct(values: ArrayLike<number>): number[] {
  const out: number[] = []
  let peak = -Infinity
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    peak = Math.max(peak, v)
    out.push(peak > 0 ? (v / peak - 1) * 100 : 0)
  }
  return out
}

/** At most `max` evenly spaced indices of `n` points, always keeping the first and the last. */
export function sampleIndices(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i)
  const out: number[] = []
  const step = (n - 1) / (max - 1)
  for (let i = 0; i < max; i++) out.push(Math.round(i * step))
  return out
}
