import type { SweepResultRow, TradingApiSweepPage } from '@zixly/contracts'
import { NotFound } from '@zixly/platform'
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { JobStore, SweepRun } from './jobs.ts'
import { invalid } from './problems.ts'
import { bestBody, rowBody } from './views.ts'

const Ticker = z.string().max(20).optional()
const PageQuery = z.object({
  ticker: Ticker,
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
})
const TopQuery = z.object({ ticker: Ticker, limit: z.coerce.number().int().min(1).max(100).default(10) })
const TickerQuery = z.object({ ticker: Ticker })

function parse<S extends z.ZodType>(schema: S, query: unknown): z.infer<S> {
  const q = schema.safeParse(query)
  if (!q.success) throw invalid('the query', q.error)
  return q.data
}

/** The combination ranked 1 (enough trades, best score); none when no combination reached `min_trades`. */
const bestOf = (run: SweepRun): SweepResultRow[] => run.rows.filter((r) => r.rank_for_ticker === 1).slice(0, 1)

/** Results of completed sweeps: paged, best, best per ticker, latest, and a list of runs. */
export function sweepRoutes(app: FastifyInstance, deps: { store: JobStore; now: () => Date }) {
  const { store } = deps
  const runOr404 = (id: string, ticker?: string): SweepRun => {
    const run = store.run(id)
    if (!run) throw new NotFound(`no sweep run ${id}`)
    if (ticker !== undefined && ticker.toUpperCase() !== run.ticker.toUpperCase())
      throw new NotFound(`no results for sweep run ${id} and ticker ${ticker}`)
    return run
  }

  const list = async (req: { query: unknown }) => {
    const { limit } = parse(z.object({ limit: z.coerce.number().int().min(1).max(100).default(10) }), req.query)
    return store
      .allRuns()
      .slice(0, limit)
      .map((run) => {
        const best = bestOf(run)[0] ?? null
        return {
          sweep_run_id: run.id,
          run_date: run.runDate,
          result_count: run.rows.length,
          ticker_count: 1,
          strategy_count: 1,
          max_score: run.rows[0]?.score ?? null,
          best_ticker: run.ticker,
          best_strategy: run.strategyType,
          best_score: best?.score ?? null,
          best_fast_period: best?.fast_period ?? null,
          best_slow_period: best?.slow_period ?? null,
          best_sharpe_ratio: best?.sharpe_ratio ?? null,
          best_total_return_pct: best?.total_return_pct ?? null,
        }
      })
  }
  app.get('/api/v1/sweeps', list)
  app.get('/api/v1/sweeps/', list)

  app.get('/api/v1/sweeps/latest', async (req) => {
    const { ticker, limit } = parse(TopQuery, req.query)
    const run = store.allRuns().find((r) => ticker === undefined || r.ticker.toUpperCase() === ticker.toUpperCase())
    if (!run) throw new NotFound(ticker ? `no sweep results for ${ticker}` : 'no sweep results')
    return bestBody(run, run.rows.slice(0, limit), deps.now().toISOString())
  })

  app.get<{ Params: { id: string } }>('/api/v1/sweeps/:id', async (req): Promise<TradingApiSweepPage> => {
    const { ticker, limit, offset } = parse(PageQuery, req.query)
    const run = runOr404(req.params.id, ticker)
    const page = run.rows.slice(offset, offset + limit)
    return {
      sweep_run_id: run.id,
      total_count: run.rows.length,
      returned_count: page.length,
      offset,
      limit,
      results: page.map((r) => rowBody(run, r)),
    }
  })

  const best = async (req: { params: { id: string }; query: unknown }) => {
    const { ticker } = parse(TickerQuery, req.query)
    const run = runOr404(req.params.id, ticker)
    const rows = bestOf(run)
    if (rows.length === 0) throw new NotFound(`no combination of sweep run ${run.id} reached min_trades`)
    return bestBody(run, rows, deps.now().toISOString())
  }
  app.get<{ Params: { id: string } }>('/api/v1/sweeps/:id/best', best)
  app.get<{ Params: { id: string } }>('/api/v1/sweeps/:id/best-per-ticker', best)
}
