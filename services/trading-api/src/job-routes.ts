import { countPairs, TradingApiSweepRequest } from '@zixly/contracts'
import { EmptyPriceRange, UnknownTicker, type MarketData } from '@zixly/market-data'
import { Conflict, NotFound, ValidationError, ZixlyError } from '@zixly/platform'
import type { FastifyInstance } from 'fastify'
import { isTerminal, type Job, type JobStore } from './jobs.ts'
import { invalid } from './problems.ts'
import type { Runner } from './runner.ts'
import { jobBody, progressEvent, submittedBody } from './views.ts'

export interface JobRouteDeps {
  store: JobStore
  runner: Runner
  marketData: MarketData
  now: () => Date
  newId: () => string
  /** SSE keep-alive comment interval. */
  heartbeatMs: number
}

/** Submit, status, cancel and the SSE progress stream. */
export function jobRoutes(app: FastifyInstance, deps: JobRouteDeps) {
  const { store, runner } = deps
  const jobOr404 = (id: string): Job => {
    const job = store.get(id)
    if (!job) throw new NotFound(`no job ${id}`)
    return job
  }

  app.post('/api/v1/strategy/sweep', async (req, reply) => {
    const parsed = TradingApiSweepRequest.safeParse(req.body ?? {})
    if (!parsed.success) throw invalid('the sweep request', parsed.error)
    const r = parsed.data
    let bars: number
    try {
      bars = (await deps.marketData.load(r.ticker, { interval: r.interval, start: r.start, end: r.end })).closes.length
    } catch (err) {
      if (err instanceof UnknownTicker || err instanceof EmptyPriceRange) throw new ValidationError(err.message, err.fields)
      throw err
    }
    const job: Job = {
      id: deps.newId(),
      request: r,
      dialect: String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded') ? 'form' : 'json',
      combinations: countPairs(r.fast_range, r.slow_range, r.step),
      createdAt: deps.now().toISOString(),
      status: 'pending',
      progress: 0,
      startedAt: null,
      completedAt: null,
      errorMessage: null,
      sweepRunId: null,
      executionTimeSeconds: null,
      webhookSentAt: null,
      webhookResponseStatus: null,
      abort: new AbortController(),
    }
    if (!store.add(job))
      throw new ZixlyError('TOO_MANY_JOBS', 503, 'every job slot holds an unfinished job; try again later', { retryable: true })
    req.log.info({ jobId: job.id, dialect: job.dialect, ticker: r.ticker, combinations: job.combinations }, 'sweep accepted')
    const answer = submittedBody(job, bars) // as accepted: the run may start before the reply is sent
    runner.enqueue(job)
    return reply.code(202).send(answer)
  })

  app.get<{ Params: { id: string } }>('/api/v1/jobs/:id', async (req) => jobBody(jobOr404(req.params.id)))

  app.delete<{ Params: { id: string } }>('/api/v1/jobs/:id', async (req) => {
    const job = jobOr404(req.params.id)
    if (!runner.cancel(job)) throw new Conflict(`job ${job.id} already ${job.status}`, 'JOB_FINISHED')
    return jobBody(job)
  })

  app.get<{ Params: { id: string } }>('/api/v1/jobs/:id/stream', (req, reply) => {
    const job = jobOr404(req.params.id)
    reply.hijack()
    const res = reply.raw
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    })
    let last = ''
    let seq = 0
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), deps.heartbeatMs)
    const stop = () => {
      clearInterval(heartbeat)
      unwatch()
      if (!res.writableEnded) res.end()
    }
    // Unnamed events, so a browser's `onmessage` sees them, as with the real service.
    const send = (j: Job) => {
      const event = progressEvent(j)
      const key = `${event.status}:${event.progress}`
      if (key === last) return
      last = key
      res.write(`id: ${++seq}\ndata: ${JSON.stringify(event)}\n\n`)
      if (isTerminal(j.status)) stop()
    }
    const unwatch = store.watch(job.id, send)
    req.raw.on('close', stop)
    send(job)
  })
}
