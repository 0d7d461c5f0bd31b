import { z } from 'zod'

/** One combination's metrics, named exactly as in SCORE.md, plus its rank within the job. */
export const SweepResultRow = z.object({
  fast_period: z.number().int(),
  slow_period: z.number().int(),
  score: z.number(),
  sharpe_ratio: z.number(),
  sortino_ratio: z.number(),
  calmar_ratio: z.number(),
  total_return_pct: z.number(),
  annualized_return: z.number(),
  max_drawdown_pct: z.number(),
  max_drawdown_duration: z.string(),
  win_rate_pct: z.number(),
  profit_factor: z.number().nullable(),
  expectancy_per_trade: z.number(),
  total_trades: z.number().int(),
  total_closed_trades: z.number().int(),
  trades_per_month: z.number(),
  avg_trade_duration: z.string(),
  beats_bnh_pct: z.number(),
  /** 1 = best score among combinations with at least `min_trades` closed trades; null below it. */
  rank_for_ticker: z.number().int().min(1).nullable(),
})
export type SweepResultRow = z.infer<typeof SweepResultRow>

/** Every SCORE.md metric field, in the order results are exported. */
export const RESULT_FIELDS = [
  'fast_period',
  'slow_period',
  'score',
  'sharpe_ratio',
  'sortino_ratio',
  'calmar_ratio',
  'total_return_pct',
  'annualized_return',
  'max_drawdown_pct',
  'max_drawdown_duration',
  'win_rate_pct',
  'profit_factor',
  'expectancy_per_trade',
  'total_trades',
  'total_closed_trades',
  'trades_per_month',
  'avg_trade_duration',
  'beats_bnh_pct',
  'rank_for_ticker',
] as const satisfies ReadonlyArray<keyof SweepResultRow>

/** Metrics a result list can be sorted by. */
export const SortableResultField = z.enum([
  'score',
  'sharpe_ratio',
  'sortino_ratio',
  'calmar_ratio',
  'total_return_pct',
  'annualized_return',
  'max_drawdown_pct',
  'win_rate_pct',
  'profit_factor',
  'expectancy_per_trade',
  'total_trades',
  'total_closed_trades',
  'trades_per_month',
  'beats_bnh_pct',
  'fast_period',
  'slow_period',
  'rank_for_ticker',
])
export type SortableResultField = z.infer<typeof SortableResultField>
