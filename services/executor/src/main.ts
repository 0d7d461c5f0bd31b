import { CONSUMERS, names } from '@zixly/contracts'
import { createMarketData, MarketDataConfig, marketDataOptions } from '@zixly/market-data'
import { loadObjectStore, ObjectStoreConfig } from '@zixly/object-store'
import {
  BaseConfig,
  connectNats,
  createLogger,
  createMetrics,
  executorConsumerSettings,
  ensureJetStream,
  loadConfig,
  onShutdown,
  runMain,
  startHealthServer,
  startTracing,
  watchConsumers,
} from '@zixly/platform'
import { createTradingApiClient } from '@zixly/trading-api-client'
import { hostname } from 'node:os'
import { z } from 'zod'
import { httpRunner } from './adapters/http.ts'
import { inProcessRunner } from './adapters/inprocess.ts'
import { ARCHIVE_MODES, withResultsArchive } from './archive.ts'
import { startExecutor } from './shell.ts'

const Config = BaseConfig.extend(MarketDataConfig.shape)
  .extend(ObjectStoreConfig.shape)
  .extend({
    EXECUTOR_PORT: z.coerce.number().int().min(0).default(3012),
    // 16 = the orchestrator's default MAX_CONCURRENT_SWEEPS: one executor uses every slot it admits.
    // Small sweeps are latency-bound (a job is ~10 NATS round trips), so it takes several at once
    // to keep 2 cores busy; large ones share the engine's worker pool whatever the number.
    EXECUTOR_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(16),
    EXECUTOR_WORKERS: z.coerce.number().int().min(1).max(256).optional(),
    /** Sweeps of at most this many pair × bar steps run on the main thread, not in a worker (0: never). */
    EXECUTOR_INLINE_STEPS: z.coerce.number().int().min(0).default(50_000),
    EXECUTOR_ID: z.string().default(`${hostname()}-${process.pid}`),
    EXECUTOR_STOP_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
    /** `inprocess`: the bundled engine in worker threads; `http`: a Trading-API-compatible server. */
    EXECUTOR_ADAPTER: z.enum(['inprocess', 'http']).default('inprocess'),
    TRADING_API_URL: z.url().default('http://127.0.0.1:8000'),
    TRADING_API_KEY: z.string().optional(),
    TRADING_API_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
    TRADING_API_POLL_MS: z.coerce.number().int().min(10).default(1000),
    /** Ingest's address as the Trading API reaches it; `none` disables callbacks (polling only). */
    CALLBACK_BASE_URL: z.string().default('http://127.0.0.1:3000'),
    CALLBACK_SECRET: z.string().min(16).default('zixly-development-callback-secret'),
    /** What each completed attempt archives in the object store: `rows` (params + result rows), `full` (+ equity curves), `off`. */
    RESULTS_ARCHIVE: z.enum(ARCHIVE_MODES).default('rows'),
  })

runMain('executor', async () => {
  const config = loadConfig(Config)
  const logger = createLogger('executor', config.LOG_LEVEL)
  // OTLP/HTTP export of this service's spans when OTEL_EXPORTER_OTLP_ENDPOINT is set.
  const tracing = startTracing('executor')
  const n = names(config.ZIXLY_NAMESPACE)
  const nc = await connectNats(config.NATS_URL, 'executor')
  await ensureJetStream(nc, n)
  const metrics = createMetrics('executor')
  const consumers = watchConsumers(await nc.jetstreamManager(), metrics, [{ stream: n.commandsStream, durable: CONSUMERS.executor }])
  const md = marketDataOptions(config)
  const marketData = createMarketData(md.source, md.deps)
  const adapter =
    config.EXECUTOR_ADAPTER === 'http'
      ? httpRunner({
          nc,
          names: n,
          client: createTradingApiClient({
            baseUrl: config.TRADING_API_URL,
            timeoutMs: config.TRADING_API_TIMEOUT_MS,
            metrics,
            ...(config.TRADING_API_KEY === undefined ? {} : { apiKey: config.TRADING_API_KEY }),
          }),
          callbackBaseUrl: config.CALLBACK_BASE_URL === 'none' ? null : config.CALLBACK_BASE_URL,
          callbackSecret: config.CALLBACK_SECRET,
          pollIntervalMs: config.TRADING_API_POLL_MS,
        })
      : inProcessRunner({
          marketData,
          inlineSteps: config.EXECUTOR_INLINE_STEPS,
          ...(config.EXECUTOR_WORKERS ? { workers: config.EXECUTOR_WORKERS } : {}),
        })
  const runner = withResultsArchive(adapter, { store: loadObjectStore(), marketData, mode: config.RESULTS_ARCHIVE })
  const executor = await startExecutor({
    nc,
    names: n,
    logger,
    runner,
    metrics,
    executorId: config.EXECUTOR_ID,
    concurrency: config.EXECUTOR_CONCURRENCY,
    ackWaitMs: executorConsumerSettings().ackWaitMs,
    stopGraceMs: config.EXECUTOR_STOP_GRACE_MS,
  })
  const health = await startHealthServer({
    port: config.EXECUTOR_PORT,
    host: config.HOST,
    registry: metrics.registry,
    checks: [{ name: 'nats', check: () => nc.flush() }],
  })
  logger.info({ port: health.port, adapter: runner.name }, 'executor ready')
  onShutdown(logger, [
    { name: 'consumer', close: () => executor.stop() },
    { name: 'runner', close: () => runner.close() },
    { name: 'health', close: () => health.close() },
    { name: 'nats', close: () => nc.drain() },
    { name: 'tracing', close: () => tracing.stop() },
    { name: 'consumer metrics', close: () => consumers.stop() },
  ])
})
