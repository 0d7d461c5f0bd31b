import type { SweepParams, SweepResultRow } from '@zixly/contracts'
import { annFactorFor, buyAndHold, equityCurve } from '@zixly/engine'
import type { MarketData } from '@zixly/market-data'
import type { ObjectStore } from '@zixly/object-store'
import type { SweepRunner } from './runner.ts'

/** How many of the best-ranked combinations get their equity curve in `results.json` (`full` mode). */
export const ARCHIVED_CURVES = 10

/**
 * What the executor archives per completed attempt (`RESULTS_ARCHIVE`):
 * - `rows` (default): the params and every result row; no curves. Nothing in Zixly reads archived
 *   curves: the dashboard's equity endpoint recomputes the chosen pair's curve on demand
 *   (`web/src/lib/server/equity.ts`), so computing them per job only cost CPU (62 % of the executor's).
 * - `full`: also the per-bar equity curves of the top `ARCHIVED_CURVES` combinations and of
 *   buy-and-hold, with every bar's date (hundreds of KB per job), for users who export the archive.
 * - `off`: nothing is written and `results_uri` stays null (the read model holds every row anyway).
 */
export type ArchiveMode = 'rows' | 'full' | 'off'
export const ARCHIVE_MODES = ['rows', 'full', 'off'] as const

/** The object `{tenantId}/{jobId}/results.json` holds: every combination, plus (in `full` mode) curves for charts. */
export interface ResultsArchive {
  job_id: string
  tenant_id: string
  attempt: number
  params: SweepParams
  /** `full` mode only. */
  dates?: string[]
  buy_and_hold?: { return_pct: number; curve: number[] }
  equity_curves?: Array<{ fast_period: number; slow_period: number; rank_for_ticker: number | null; curve: number[] }>
  results: SweepResultRow[]
}

/** The top combinations for charts: ranked ones first by rank, then (when fewer) the best unranked by score. */
export function chartedRows(rows: SweepResultRow[], n = ARCHIVED_CURVES): SweepResultRow[] {
  return [...rows]
    .sort((a, b) => (a.rank_for_ticker ?? Infinity) - (b.rank_for_ticker ?? Infinity) || b.score - a.score)
    .slice(0, n)
}

/**
 * Wraps an adapter so that every completed attempt also writes its result set (and, in `full` mode,
 * the equity curves of the top combinations and of buy-and-hold) to the object store, and reports
 * where. A store that does not answer fails the attempt (retryable), so no job completes with its
 * archive missing.
 */
export function withResultsArchive(
  runner: SweepRunner,
  deps: { store: ObjectStore; marketData: MarketData; mode?: ArchiveMode },
): SweepRunner {
  const mode = deps.mode ?? 'rows'
  // The in-process engine reports buy-and-hold itself; a remote Trading API does not (it says 0).
  const needsBnh = runner.name !== 'inprocess'
  if (mode === 'off' && !needsBnh) return runner
  return {
    name: runner.name,
    close: () => runner.close(),
    async prepare(params, signal, ctx) {
      const prepared = await runner.prepare(params, signal, ctx)
      return {
        bars: prepared.bars,
        combinations: prepared.combinations,
        ...(prepared.quick === undefined ? {} : { quick: prepared.quick }),
        async run(opts) {
          const outcome = await prepared.run(opts)
          const o = {
            fee: params.fee,
            initCash: params.init_cash,
            annFactor: params.ann_factor ?? annFactorFor(params.ticker, params.interval),
            signalPeriod: params.signal_period,
            barUnit: params.interval === '1d' ? ('days' as const) : ('bars' as const),
          }
          const load = () => deps.marketData.load(params.ticker, { interval: params.interval, start: params.start, end: params.end })
          let bnhReturnPct = outcome.bnhReturnPct
          if (needsBnh && mode !== 'full') bnhReturnPct = buyAndHold((await load()).closes, o).returnPct
          if (mode === 'off') return { ...outcome, bnhReturnPct }
          const archive: ResultsArchive = {
            job_id: ctx.jobId,
            tenant_id: ctx.tenantId,
            attempt: ctx.attempt,
            params,
            results: outcome.rows,
          }
          if (mode === 'full') {
            const series = await load()
            const bnh = buyAndHold(series.closes, o)
            bnhReturnPct = bnh.returnPct
            archive.dates = series.dates
            archive.buy_and_hold = { return_pct: bnh.returnPct, curve: Array.from(bnh.curve) }
            archive.equity_curves = chartedRows(outcome.rows).map((r) => ({
              fast_period: r.fast_period,
              slow_period: r.slow_period,
              rank_for_ticker: r.rank_for_ticker,
              curve: Array.from(equityCurve(series.closes, params.strategy_type, r.fast_period, r.slow_period, o)),
            }))
          }
          const uri = await deps.store.put(`${ctx.tenantId}/${ctx.jobId}/results.json`, JSON.stringify(archive), 'application/json')
          return { ...outcome, bnhReturnPct, resultsUri: uri }
        },
      }
    },
  }
}
