import { randomUUID, timingSafeEqual } from 'node:crypto'
import type { MarketData } from '@zixly/market-data'
import { createLogger, createMetrics, startSpanFrom, Unauthorized, type Logger, type Metrics, type Span } from '@zixly/platform'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { makeCallbackSender } from './callbacks.ts'
import { jobRoutes } from './job-routes.ts'
import { JobStore } from './jobs.ts'
import { problemHandler } from './problems.ts'
import { makeRunner, type Runner, type SweepEngine } from './runner.ts'
import { sweepRoutes } from './sweep-routes.ts'

export interface TradingApiOptions {
  engine: SweepEngine
  marketData: MarketData
  now?: () => Date
  newId?: () => string
  /** Used for callbacks. */
  fetch?: typeof fetch
  metrics?: Metrics
  /** When set, every route but health and metrics needs `X-API-Key: <apiKey>`. */
  apiKey?: string | undefined
  callbacksEnabled?: boolean
  callbackTimeoutMs?: number
  callbackRetries?: number
  callbackBackoffMs?: number
  /** Jobs kept in memory; the oldest finished one goes first. */
  maxJobs?: number
  maxConcurrentJobs?: number
  sseHeartbeatMs?: number
}

declare module 'fastify' {
  interface FastifyInstance {
    tradingApi: { store: JobStore; runner: Runner; metrics: Metrics }
  }
}

const OPEN_PATHS = new Set(['/health', '/health/', '/ready', '/metrics'])

function sameKey(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** The Trading-API-compatible server as one plugin: both dialects, over the engine and market data it is given. */
export const tradingApi = fp<TradingApiOptions>(
  async (app, opts) => {
    const now = opts.now ?? (() => new Date())
    const newId = opts.newId ?? randomUUID
    const metrics = opts.metrics ?? createMetrics('trading-api')
    const store = new JobStore(opts.maxJobs ?? 50)
    const sendCallback =
      opts.callbacksEnabled === false
        ? null
        : makeCallbackSender({
            fetch: opts.fetch ?? fetch,
            timeoutMs: opts.callbackTimeoutMs ?? 10_000,
            retries: opts.callbackRetries ?? 3,
            backoffMs: opts.callbackBackoffMs ?? 500,
            log: app.log as Logger,
          })
    const runner = makeRunner({
      store,
      engine: opts.engine,
      marketData: opts.marketData,
      now,
      newId,
      sendCallback,
      log: app.log as Logger,
      maxConcurrent: opts.maxConcurrentJobs ?? 1,
      onFinished: (job) => metrics.jobsProcessed.inc({ job_type: 'trading_sweep', status: job.status }),
    })
    app.decorate('tradingApi', { store, runner, metrics })

    // Form bodies become plain objects; the sweep schema turns their strings into numbers and ranges.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(body as string))),
    )
    app.setErrorHandler(problemHandler)
    app.setNotFoundHandler((req, reply) =>
      reply.code(404).type('application/problem+json').send({
        type: 'about:blank',
        title: 'Not Found',
        status: 404,
        code: 'NOT_FOUND',
        detail: `no route ${req.method} ${req.url.split('?')[0]}`,
        error: 'Not Found',
      }),
    )

    app.addHook('onRequest', async (req) => {
      if (opts.apiKey === undefined || OPEN_PATHS.has(req.url.split('?')[0] ?? '')) return
      if (!sameKey(req.headers['x-api-key'], opts.apiKey)) throw new Unauthorized('missing or invalid X-API-Key')
    })
    // A request that carries a traceparent (the executor's http adapter) gets a span in that trace.
    const spans = new WeakMap<object, Span>()
    app.addHook('onRequest', async (req) => {
      const tp = req.headers.traceparent
      const span = startSpanFrom(`trading-api ${req.method} ${req.routeOptions.url ?? req.url.split('?')[0] ?? ''}`, typeof tp === 'string' ? tp : undefined, {
        service: 'trading-api',
        attributes: { 'zixly.service': 'trading-api', 'http.request.method': req.method },
      })
      if (span) spans.set(req, span)
    })
    app.addHook('onResponse', async (req, reply) => {
      const span = spans.get(req)
      span?.setAttribute('http.response.status_code', reply.statusCode)
      span?.end()
      metrics.httpDuration.observe(
        { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      )
    })
    // Cancels queued and running sweeps, which also ends every open SSE stream.
    app.addHook('preClose', async () => runner.close())

    const health = async () => {
      const c = store.counts()
      return {
        status: 'healthy',
        service: 'zixly-trading-api',
        version: '0.1.0',
        timestamp: now().toISOString(),
        market_data: opts.marketData.description,
        jobs: { pending: c.pending, running: c.running },
      }
    }
    app.get('/health', health)
    app.get('/health/', health)
    // Ready when its market data answers: without prices it can accept no sweep.
    app.get('/ready', async (_req, reply) => {
      try {
        const tickers = await opts.marketData.listTickers()
        return reply.send({ status: 'ready', checks: { market_data: { ok: true, detail: `${tickers.length} tickers` } } })
      } catch (err) {
        return reply.code(503).send({ status: 'not_ready', checks: { market_data: { ok: false, detail: err instanceof Error ? err.message : String(err) } } })
      }
    })
    app.get('/metrics', async (_req, reply) => {
      for (const [status, n] of Object.entries(store.counts())) metrics.jobs.set({ status }, n)
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics())
    })

    jobRoutes(app, { store, runner, marketData: opts.marketData, now, newId, heartbeatMs: opts.sseHeartbeatMs ?? 15_000 })
    sweepRoutes(app, { store, now })
  },
  { name: 'zixly-trading-api', fastify: '5.x' },
)

/** A fastify instance serving the Trading API; `main.ts` only listens and closes it. */
export async function buildApp(opts: TradingApiOptions & { logger?: Logger }): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: (opts.logger ?? createLogger('trading-api', 'silent')) as unknown as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
  })
  await app.register(tradingApi, opts)
  await app.ready()
  return app
}
