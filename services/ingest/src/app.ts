import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify'
import type { Names } from '@zixly/contracts'
import { runChecks, type Check, type JetStreamClient, type JetStreamManager, type Logger, type Metrics } from '@zixly/platform'
import { errorHandler, sendProblem } from './problem.ts'
import type { IdempotencyStore } from './idempotency.ts'
import type { ReadModel } from './read-model.ts'
import { openApiDocument } from './openapi.ts'
import { registerSecurity, tenantOf, type IngestSecurity } from './plugins/index.ts'
import { callbackRoutes } from './routes/callbacks.ts'
import { controlRoutes } from './routes/control.ts'
import { jobRoutes } from './routes/jobs.ts'
import { readRoutes } from './routes/reads.ts'
import { sweepRoutes } from './routes/sweeps.ts'

/** Everything ingest needs, passed in: the shell (main.ts) connects, tests build their own. */
export interface IngestDeps {
  js: JetStreamClient
  jsm: JetStreamManager
  names: Names
  readModel: ReadModel
  idempotency: IdempotencyStore
  metrics: Metrics
  checks: Check[]
  now: () => Date
  /** The tenant a request acts for: the authenticated one (buildApp supplies it; callers do not). */
  tenantOf: (req: FastifyRequest) => string
  /** Authentication, authorization, rate limits and hardening (plugins/). There is no way to turn it off. */
  auth: IngestSecurity
  /** Whether market data exists for a ticker; unknown tickers are a 400 here, not a failure later. */
  knownTicker?: (ticker: string, interval: '1d' | '1h') => Promise<boolean>
  logger?: Logger
  bodyLimit?: number
  /** Publishes on core NATS (Trading-API callbacks are relayed to the executor waiting for them). */
  relay: (subject: string, payload: unknown) => void
  /** Secret of the per-job callback tokens (shared with the executors). */
  callbackSecret: string
}

/** What buildApp is given: everything but `tenantOf`, which comes from authentication. */
export type IngestOptions = Omit<IngestDeps, 'tenantOf'>

/** The ingest HTTP app, as one fastify instance; `main.ts` only listens and closes. */
export async function buildApp(options: IngestOptions): Promise<FastifyInstance> {
  const deps: IngestDeps = { ...options, tenantOf }
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger as unknown as FastifyBaseLogger } : { logger: false }),
    bodyLimit: deps.bodyLimit ?? 64 * 1024,
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: 'x-request-id',
    // req.ip is the client's address only when it comes through a proxy ingest was told to trust.
    ...(deps.auth.trustProxy?.length ? { trustProxy: [...deps.auth.trustProxy] } : {}),
  })
  app.setErrorHandler(errorHandler)
  app.decorate('securedRoutes', await registerSecurity(app, { ...deps.auth, now: deps.now }))
  app.setNotFoundHandler((req, reply) => sendProblem(reply, 404, 'NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`))
  // Any body that is not JSON is a 400 naming the problem, whatever its content type says.
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, _body, done) => {
    const err = Object.assign(new Error('the body must be JSON (Content-Type: application/json)'), {
      statusCode: 400,
      code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
    })
    done(err, undefined)
  })

  // Each request with its headers at trace level, to debug authentication: credential headers are
  // redacted by the logger (REDACT_PATHS), and the route pattern stands for the URL, whose query may
  // hold a callback token.
  app.addHook('onRequest', async (req) => {
    if (req.log.level === 'trace') req.log.trace({ request: { method: req.method, route: req.routeOptions.url, headers: req.headers } }, 'request')
  })
  app.addHook('onResponse', async (req, reply) => {
    deps.metrics.httpDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    )
    if (reply.statusCode === 429) deps.metrics.rateLimitRejections.inc({ tenant_id: req.principal?.tenantId ?? 'anonymous' })
  })

  app.get('/health', async () => ({ status: 'ok' }))
  app.get('/ready', async (_req, reply) => {
    const r = await runChecks(deps.checks)
    return reply.code(r.status === 'ready' ? 200 : 503).send(r)
  })
  app.get('/metrics', async (_req, reply) => reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()))
  const openapi = openApiDocument()
  app.get('/openapi.json', async () => openapi)

  sweepRoutes(app, deps)
  jobRoutes(app, deps)
  readRoutes(app, deps)
  callbackRoutes(app, deps)
  controlRoutes(app, deps)
  return app
}
