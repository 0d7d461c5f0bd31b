import { F, SLOTS } from './metrics.ts'
import { rankPacked } from './rank.ts'
import type { ResultRow, SweepSpec } from './types.ts'

/** Formats a bar count the way SCORE.md writes durations: "N days" / "N bars". */
export function formatBars(count: number, unit: 'days' | 'bars'): string {
  return `${count} ${unit}`
}

/** Mean holding time with one decimal ("5.2 days"), JS toFixed rounding (ties away from zero). */
export function formatAvgBars(mean: number, unit: 'days' | 'bars'): string {
  return `${mean.toFixed(1)} ${unit}`
}

export function toRow(
  packed: Float64Array,
  o: number,
  fast: number,
  slow: number,
  unit: 'days' | 'bars',
): ResultRow {
  const pf = packed[o + F.profitFactor]!
  return {
    fast_period: fast,
    slow_period: slow,
    score: packed[o + F.score]!,
    sharpe_ratio: packed[o + F.sharpe]!,
    sortino_ratio: packed[o + F.sortino]!,
    calmar_ratio: packed[o + F.calmar]!,
    total_return_pct: packed[o + F.totalReturn]!,
    annualized_return: packed[o + F.annualized]!,
    max_drawdown_pct: packed[o + F.mddPct]!,
    max_drawdown_duration: formatBars(packed[o + F.mddDur]!, unit),
    win_rate_pct: packed[o + F.winRate]!,
    profit_factor: Number.isNaN(pf) ? null : pf,
    expectancy_per_trade: packed[o + F.expectancy]!,
    total_trades: packed[o + F.totalTrades]!,
    total_closed_trades: packed[o + F.closedTrades]!,
    trades_per_month: packed[o + F.tradesPerMonth]!,
    avg_trade_duration: formatAvgBars(packed[o + F.avgDur]!, unit),
    beats_bnh_pct: packed[o + F.beatsBnh]!,
    rank_for_ticker: null,
  }
}

/** Rows in pair order from a buffer whose row i belongs to pairs[i]; ranks[i] 0 = null. */
export function materialize(
  packed: Float64Array,
  pairs: ReadonlyArray<readonly [number, number]>,
  unit: 'days' | 'bars',
  ranks?: Int32Array,
): ResultRow[] {
  return pairs.map(([fast, slow], i) => {
    const row = toRow(packed, i * SLOTS, fast, slow, unit)
    const rank = ranks?.[i] ?? 0
    if (rank > 0) row.rank_for_ticker = rank
    return row
  })
}

/** Ranked rows from a packed sweep result (what runSweep and SweepPool.run return). */
export function rankedRows(packed: Float64Array, spec: SweepSpecLike): ResultRow[] {
  return materialize(packed, spec.pairs, spec.barUnit, rankPacked(packed, spec.pairs, spec.minTrades))
}

type SweepSpecLike = Pick<SweepSpec, 'pairs' | 'barUnit' | 'minTrades'>
