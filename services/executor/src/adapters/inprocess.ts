import { countPairs, gridPairs, type SweepParams } from '@zixly/contracts'
import { annFactorFor, buyAndHold, SweepPool } from '@zixly/engine'
import type { MarketData } from '@zixly/market-data'
import type { PreparedSweep, SweepRunner } from '../runner.ts'

/** The bundled engine in this process's worker threads (the default adapter). */
export function inProcessRunner(deps: { marketData: MarketData; workers?: number }): SweepRunner {
  const pool = new SweepPool(deps.workers === undefined ? {} : { workers: deps.workers })
  return {
    name: 'inprocess',
    async prepare(params: SweepParams): Promise<PreparedSweep> {
      const series = await deps.marketData.load(params.ticker, {
        interval: params.interval,
        ...(params.start === undefined ? {} : { start: params.start }),
        ...(params.end === undefined ? {} : { end: params.end }),
      })
      const closes = series.closes
      const options = {
        fee: params.fee,
        initCash: params.init_cash,
        annFactor: params.ann_factor ?? annFactorFor(params.ticker, params.interval),
        signalPeriod: params.signal_period,
        barUnit: params.interval === '1d' ? ('days' as const) : ('bars' as const),
      }
      return {
        bars: closes.length,
        combinations: countPairs(params.fast_range, params.slow_range, params.step),
        async run({ signal, onProgress }) {
          const pairs = gridPairs(params.fast_range, params.slow_range, params.step)
          const rows = await pool.run(
            closes,
            { ...options, strategy: params.strategy_type, pairs, minTrades: params.min_trades },
            { signal, onProgress },
          )
          return { rows, bnhReturnPct: buyAndHold(closes, options).returnPct }
        },
      }
    },
    close: () => pool.close(),
  }
}
