// Public types of the engine. Field names of ResultRow are the wire names of SCORE.md on purpose:
// rows go straight into JSON and Postgres without a mapping layer.

export type Strategy = 'SMA' | 'EMA' | 'MACD'

export interface BacktestOptions {
  fee: number
  initCash: number
  annFactor: number
  signalPeriod: number
  barUnit: 'days' | 'bars'
}

export interface ResultRow {
  fast_period: number
  slow_period: number
  score: number
  sharpe_ratio: number
  sortino_ratio: number
  calmar_ratio: number
  total_return_pct: number
  annualized_return: number
  max_drawdown_pct: number
  /** "N days" or "N bars" */
  max_drawdown_duration: string
  win_rate_pct: number
  profit_factor: number | null
  expectancy_per_trade: number
  total_trades: number
  total_closed_trades: number
  trades_per_month: number
  /** "5.2 days" or "5.2 bars", one decimal */
  avg_trade_duration: string
  beats_bnh_pct: number
  rank_for_ticker: number | null
}

export interface SweepSpec extends BacktestOptions {
  strategy: Strategy
  pairs: ReadonlyArray<readonly [number, number]>
  minTrades: number
}

export interface SweepRunOptions {
  signal?: AbortSignal
  onProgress?: (done: number, total: number) => void
}
