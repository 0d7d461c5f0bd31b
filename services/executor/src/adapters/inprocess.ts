import { countPairs, gridPairs, type SweepParams } from '@zixly/contracts'
import { annFactorFor, buyAndHoldReturnPct, runSweep, SweepPool } from '@zixly/engine'
import type { MarketData } from '@zixly/market-data'
import type { PreparedSweep, SweepRunner } from '../runner.ts'

/**
 * Sweeps with at most this many pair × bar steps run on the executor's own thread: a 4-pair sweep of
 * daily bars (~17,000 steps) takes under a millisecond of engine time, less than handing it to a
 * worker thread and back. Larger ones go to the worker pool, so the event loop is never held long.
 */
export const DEFAULT_INLINE_STEPS = 50_000

/** The bundled engine in this process's worker threads (the default adapter). */
export function inProcessRunner(deps: { marketData: MarketData; workers?: number; inlineSteps?: number }): SweepRunner {
  // The worker threads start with the first sweep that needs them (an executor of small sweeps never
  // pays their memory).
  let pool: SweepPool | undefined
  const poolOf = () => (pool ??= new SweepPool(deps.workers === undefined ? {} : { workers: deps.workers }))
  const inlineSteps = deps.inlineSteps ?? DEFAULT_INLINE_STEPS
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
      const combinations = countPairs(params.fast_range, params.slow_range, params.step)
      const inline = combinations * closes.length <= inlineSteps
      return {
        bars: closes.length,
        combinations,
        quick: inline,
        async run({ signal, onProgress }) {
          const pairs = gridPairs(params.fast_range, params.slow_range, params.step)
          const spec = { ...options, strategy: params.strategy_type, pairs, minTrades: params.min_trades }
          // Same rows either way (the pool returns what runSweep does, whatever its size).
          const rows =
            inline
              ? runSweep(closes, spec, { signal, onProgress })
              : await poolOf().run(closes, spec, { signal, onProgress })
          // buyAndHold(closes, options).returnPct to the bit, without its per-bar curve
          return { rows, bnhReturnPct: buyAndHoldReturnPct(closes, options.fee, options.initCash) }
        },
      }
    },
    close: async () => {
      await pool?.close()
    },
  }
}
