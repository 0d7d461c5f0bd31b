import type { SweepParams, SweepResultRow } from '@zixly/contracts'
import { annFactorFor, buyAndHold, equityCurve } from '@zixly/engine'
import type { MarketData } from '@zixly/market-data'
import type { ObjectStore } from '@zixly/object-store'
import type { SweepRunner } from './runner.ts'

/** How many of the best-ranked combinations get their equity curve in `results.json`. */
export const ARCHIVED_CURVES = 10

/** The object `{tenantId}/{jobId}/results.json` holds: every combination, plus curves for charts. */
export interface ResultsArchive {
  job_id: string
  tenant_id: string
  attempt: number
  params: SweepParams
  dates: string[]
  buy_and_hold: { return_pct: number; curve: number[] }
  equity_curves: Array<{ fast_period: number; slow_period: number; rank_for_ticker: number | null; curve: number[] }>
  results: SweepResultRow[]
}

/** The top combinations for charts: ranked ones first by rank, then (when fewer) the best unranked by score. */
export function chartedRows(rows: SweepResultRow[], n = ARCHIVED_CURVES): SweepResultRow[] {
  return [...rows]
    .sort((a, b) => (a.rank_for_ticker ?? Infinity) - (b.rank_for_ticker ?? Infinity) || b.score - a.score)
    .slice(0, n)
}

/**
 * Wraps an adapter so that every completed attempt also writes the full result set, the equity curves
 * of the top combinations and of buy-and-hold to the object store, and reports where. A store that
 * does not answer fails the attempt (retryable), so no job completes with its archive missing.
 */
export function withResultsArchive(runner: SweepRunner, deps: { store: ObjectStore; marketData: MarketData }): SweepRunner {
  return {
    name: runner.name,
    close: () => runner.close(),
    async prepare(params, signal, ctx) {
      const prepared = await runner.prepare(params, signal, ctx)
      return {
        bars: prepared.bars,
        combinations: prepared.combinations,
        async run(opts) {
          const outcome = await prepared.run(opts)
          const series = await deps.marketData.load(params.ticker, {
            interval: params.interval,
            start: params.start,
            end: params.end,
          })
          const o = {
            fee: params.fee,
            initCash: params.init_cash,
            annFactor: params.ann_factor ?? annFactorFor(params.ticker, params.interval),
            signalPeriod: params.signal_period,
            barUnit: params.interval === '1d' ? ('days' as const) : ('bars' as const),
          }
          const bnh = buyAndHold(series.closes, o)
          const archive: ResultsArchive = {
            job_id: ctx.jobId,
            tenant_id: ctx.tenantId,
            attempt: ctx.attempt,
            params,
            dates: series.dates,
            buy_and_hold: { return_pct: bnh.returnPct, curve: Array.from(bnh.curve) },
            equity_curves: chartedRows(outcome.rows).map((r) => ({
              fast_period: r.fast_period,
              slow_period: r.slow_period,
              rank_for_ticker: r.rank_for_ticker,
              curve: Array.from(equityCurve(series.closes, params.strategy_type, r.fast_period, r.slow_period, o)),
            })),
            results: outcome.rows,
          }
          const uri = await deps.store.put(`${ctx.tenantId}/${ctx.jobId}/results.json`, JSON.stringify(archive), 'application/json')
          return { ...outcome, bnhReturnPct: bnh.returnPct, resultsUri: uri }
        },
      }
    },
  }
}
