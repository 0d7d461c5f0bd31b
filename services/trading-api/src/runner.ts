import { gridPairs, type SweepResultRow, type TradingApiSweepRequest } from '@zixly/contracts'
import { annFactorFor, type ResultRow, type SweepSpec } from '@zixly/engine'
import type { MarketData } from '@zixly/market-data'
import { describe } from '@zixly/platform'
import type { Logger } from 'pino'
import type { SendCallback } from './callbacks.ts'
import { isTerminal, type Job, type JobStore } from './jobs.ts'
import { callbackBody } from './views.ts'

/** What the server needs of the engine: `SweepPool` fits. */
export interface SweepEngine {
  run(
    closes: Float64Array,
    spec: SweepSpec,
    opts?: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void },
  ): Promise<ResultRow[]>
}

export interface RunnerDeps {
  store: JobStore
  engine: SweepEngine
  marketData: MarketData
  now: () => Date
  newId: () => string
  /** Null when callbacks are disabled. */
  sendCallback: SendCallback | null
  log: Logger
  /** Jobs run at once; each already spreads its grid over every engine worker. */
  maxConcurrent: number
  onFinished?: (job: Job) => void
}

/** Best score first; ties in grid order, so pages are stable. */
const byScore = (a: SweepResultRow, b: SweepResultRow) =>
  b.score - a.score || a.fast_period - b.fast_period || a.slow_period - b.slow_period

/** The engine's spec for a sweep request. */
export function specFor(r: TradingApiSweepRequest): SweepSpec {
  return {
    strategy: r.strategy_type,
    pairs: gridPairs(r.fast_range, r.slow_range, r.step),
    minTrades: r.min_trades,
    fee: r.fee,
    initCash: r.init_cash,
    annFactor: r.ann_factor ?? annFactorFor(r.ticker, r.interval),
    signalPeriod: r.signal_period,
    barUnit: r.interval === '1d' ? 'days' : 'bars',
  }
}

/** Runs queued jobs in submission order, at most `maxConcurrent` at a time, and calls back when each ends. */
export function makeRunner(deps: RunnerDeps) {
  const { store, log } = deps
  const queue: Job[] = []
  const inFlight = new Set<Promise<unknown>>()
  let active = 0
  const iso = () => deps.now().toISOString()
  const track = (p: Promise<unknown>) => {
    inFlight.add(p)
    void p.finally(() => inFlight.delete(p))
  }

  const finished = (job: Job) => {
    deps.onFinished?.(job)
    const url = job.request.webhook_url
    if (!url || !deps.sendCallback) return
    const sentAt = iso()
    track(
      deps.sendCallback(url, job.id, callbackBody(job, sentAt), job.request.webhook_headers).then((outcome) => {
        store.update(job, { webhookSentAt: sentAt, webhookResponseStatus: outcome.status })
      }),
    )
  }

  const execute = async (job: Job) => {
    const signal = job.abort.signal
    store.update(job, { status: 'running', startedAt: iso() })
    const started = performance.now()
    try {
      const r = job.request
      const series = await deps.marketData.load(r.ticker, { interval: r.interval, start: r.start, end: r.end })
      const rows = await deps.engine.run(series.closes, specFor(job.request), {
        signal,
        onProgress: (done, total) => {
          const pct = total === 0 ? 99 : Math.min(99, Math.floor((done * 100) / total))
          if (pct > job.progress && job.status === 'running') store.update(job, { progress: pct })
        },
      })
      if (signal.aborted) return
      const sweepRunId = deps.newId()
      const completedAt = iso()
      store.addRun({
        id: sweepRunId,
        jobId: job.id,
        ticker: r.ticker,
        strategyType: r.strategy_type,
        signalPeriod: r.signal_period,
        runDate: completedAt,
        rows: [...(rows as SweepResultRow[])].sort(byScore),
      })
      store.update(job, {
        status: 'completed',
        progress: 100,
        completedAt,
        sweepRunId,
        executionTimeSeconds: Math.round(performance.now() - started) / 1000,
      })
    } catch (err) {
      if (signal.aborted) return // cancel() already recorded the outcome
      log.warn({ jobId: job.id, error: describe(err) }, 'sweep failed')
      store.update(job, { status: 'failed', completedAt: iso(), errorMessage: describe(err) })
    }
    finished(job)
  }

  const pump = () => {
    while (active < deps.maxConcurrent && queue.length > 0) {
      const job = queue.shift() as Job
      active++
      track(
        execute(job).finally(() => {
          active--
          pump()
        }),
      )
    }
  }

  return {
    enqueue(job: Job) {
      queue.push(job)
      pump()
    },
    /** False when the job had already ended. */
    cancel(job: Job): boolean {
      if (isTerminal(job.status)) return false
      const i = queue.indexOf(job)
      if (i >= 0) queue.splice(i, 1)
      job.abort.abort(new Error('cancelled by client'))
      store.update(job, { status: 'cancelled', completedAt: iso() })
      finished(job)
      return true
    },
    /** Cancels what is queued or running and waits for runs and callbacks to settle. */
    async close() {
      for (const job of [...queue, ...store.unfinished()]) this.cancel(job)
      while (inFlight.size > 0) await Promise.allSettled([...inFlight])
    },
    /** Waits until nothing runs and no callback is in flight (tests). */
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight])
    },
  }
}
export type Runner = ReturnType<typeof makeRunner>
