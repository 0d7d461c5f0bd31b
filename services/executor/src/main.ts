import { names } from '@zixly/contracts'
import { createMarketData, MarketDataConfig, marketDataOptions } from '@zixly/market-data'
import {
  BaseConfig,
  connectNats,
  createLogger,
  createMetrics,
  DEFAULT_EXECUTOR_CONSUMER,
  ensureJetStream,
  loadConfig,
  onShutdown,
  runMain,
  startHealthServer,
} from '@zixly/platform'
import { hostname } from 'node:os'
import { z } from 'zod'
import { inProcessRunner } from './adapters/inprocess.ts'
import { startExecutor } from './shell.ts'

const Config = BaseConfig.extend(MarketDataConfig.shape).extend({
  EXECUTOR_PORT: z.coerce.number().int().min(0).default(3012),
  EXECUTOR_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  EXECUTOR_WORKERS: z.coerce.number().int().min(1).max(256).optional(),
  EXECUTOR_ID: z.string().default(`${hostname()}-${process.pid}`),
  EXECUTOR_STOP_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
})

runMain('executor', async () => {
  const config = loadConfig(Config)
  const logger = createLogger('executor', config.LOG_LEVEL)
  const n = names(config.ZIXLY_NAMESPACE)
  const nc = await connectNats(config.NATS_URL, 'executor')
  await ensureJetStream(nc, n)
  const metrics = createMetrics('executor')
  const md = marketDataOptions(config)
  const marketData = createMarketData(md.source, md.deps)
  const runner = inProcessRunner({ marketData, ...(config.EXECUTOR_WORKERS ? { workers: config.EXECUTOR_WORKERS } : {}) })
  const executor = await startExecutor({
    nc,
    names: n,
    logger,
    runner,
    metrics,
    executorId: config.EXECUTOR_ID,
    concurrency: config.EXECUTOR_CONCURRENCY,
    ackWaitMs: DEFAULT_EXECUTOR_CONSUMER.ackWaitMs,
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
  ])
})
