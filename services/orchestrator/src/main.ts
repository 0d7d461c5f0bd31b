import { names } from '@zixly/contracts'
import {
  BaseConfig,
  connectNats,
  createLogger,
  createMetrics,
  describe,
  ensureJetStream,
  loadConfig,
  onShutdown,
  runMain,
  startHealthServer,
  startTracing,
} from '@zixly/platform'
import { hostname } from 'node:os'
import { z } from 'zod'
import { acquireLease } from './lease.ts'
import { startOrchestrator } from './shell.ts'
import { DEFAULT_SAGA_CONFIG as D } from './sweep/policy.ts'

const ms = (fallback: number) => z.coerce.number().int().min(0).default(fallback)
const Config = BaseConfig.extend({
  ORCHESTRATOR_PORT: z.coerce.number().int().min(0).default(3011),
  ORCHESTRATOR_ID: z.string().min(1).default(`${hostname()}-${process.pid}`),
  /**
   * Sweeps running at once across every executor; set it to the executors' total concurrency. The
   * default, 16, is one executor at its default EXECUTOR_CONCURRENCY: with 4, many small sweeps on a
   * busy 2-core machine ran at 4 ÷ (a job's pipeline latency) — 48 jobs/s with the CPU half idle.
   */
  MAX_CONCURRENT_SWEEPS: z.coerce.number().int().min(1).default(16),
  /** Sweeps of one tenant running at once (default: the global limit). */
  MAX_CONCURRENT_SWEEPS_PER_TENANT: z.coerce.number().int().min(1).optional(),
  /**
   * A sweep of fewer pairs than this takes only its share of a slot, down to a quarter (0: every sweep
   * a whole slot). With 16, the default 16 slots hold up to 64 sweeps of 4 pairs: an attempt of a
   * small sweep is mostly message round trips, so 16 in flight capped 10,000 of them at 142 jobs/s
   * with a core idle (Little's law). An executor counts its quick sweeps the same way.
   */
  SWEEP_SLOT_PAIRS: z.coerce.number().int().min(0).default(16),
  MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(D.maxAttempts),
  RETRY_BASE_MS: ms(D.retry.baseMs),
  RETRY_CAP_MS: ms(D.retry.capMs),
  ATTEMPT_TIMEOUT_MS: ms(D.attemptTimeoutMs),
  JOB_DEADLINE_MS: ms(D.jobDeadlineMs),
  TIMEOUT_GRACE_MS: ms(D.timeoutGraceMs),
  LEASE_TTL_MS: z.coerce.number().int().min(200).default(3000),
  LEASE_RENEW_MS: z.coerce.number().int().min(50).default(1000),
})

runMain('orchestrator', async () => {
  const config = loadConfig(Config)
  const logger = createLogger('orchestrator', config.LOG_LEVEL)
  // OTLP/HTTP export of this service's spans when OTEL_EXPORTER_OTLP_ENDPOINT is set.
  const tracing = startTracing('orchestrator')
  const n = names(config.ZIXLY_NAMESPACE)
  const nc = await connectNats(config.NATS_URL, 'orchestrator')
  await ensureJetStream(nc, n)
  const kv = await nc.jetstream().views.kv(n.kvBucket, { history: 1 })
  const metrics = createMetrics('orchestrator')
  // The active orchestrator's reading of the log (a standby reads nothing, and is ready as such).
  let active: { ready(): Promise<void> } | undefined
  const health = await startHealthServer({
    port: config.ORCHESTRATOR_PORT,
    host: config.HOST,
    registry: metrics.registry,
    checks: [
      { name: 'nats', check: () => nc.flush() },
      { name: 'reader', check: async () => active?.ready() },
    ],
  })
  logger.info({ port: health.port, id: config.ORCHESTRATOR_ID }, 'orchestrator ready')

  const stopping = new AbortController()
  const stopped = new Promise<void>((r) =>
    stopping.signal.addEventListener('abort', () => r(), { once: true }),
  )
  // Standby until the lease is ours; active until it is lost (then standby again) or we stop.
  const run = (async () => {
    while (!stopping.signal.aborted) {
      logger.info({ id: config.ORCHESTRATOR_ID }, 'orchestrator standby')
      const lease = await acquireLease({
        kv,
        holder: config.ORCHESTRATOR_ID,
        logger,
        ttlMs: config.LEASE_TTL_MS,
        renewEveryMs: config.LEASE_RENEW_MS,
        signal: stopping.signal,
      })
      if (!lease) return
      logger.info({ id: config.ORCHESTRATOR_ID }, 'orchestrator active')
      try {
        const orchestrator = await startOrchestrator({
          nc,
          names: n,
          logger,
          metrics,
          config: {
            maxAttempts: config.MAX_ATTEMPTS,
            retry: { baseMs: config.RETRY_BASE_MS, capMs: config.RETRY_CAP_MS },
            attemptTimeoutMs: config.ATTEMPT_TIMEOUT_MS,
            jobDeadlineMs: config.JOB_DEADLINE_MS,
            timeoutGraceMs: config.TIMEOUT_GRACE_MS,
            limits: {
              global: config.MAX_CONCURRENT_SWEEPS,
              perTenant: config.MAX_CONCURRENT_SWEEPS_PER_TENANT ?? config.MAX_CONCURRENT_SWEEPS,
              ...(config.SWEEP_SLOT_PAIRS > 0 ? { slotPairs: config.SWEEP_SLOT_PAIRS } : {}),
            },
          },
        })
        active = orchestrator
        await Promise.race([lease.lost, stopped])
        active = undefined
        await orchestrator.stop()
      } catch (err) {
        logger.error({ err: describe(err) }, 'orchestrator failed; handing the lease back')
        await new Promise((r) => setTimeout(r, 1000))
      }
      await lease.release()
    }
  })()

  onShutdown(logger, [
    {
      name: 'orchestrator',
      close: async () => {
        stopping.abort()
        await run
      },
    },
    { name: 'health', close: () => health.close() },
    { name: 'nats', close: () => nc.drain() },
    { name: 'tracing', close: () => tracing.stop() },
  ])
})
