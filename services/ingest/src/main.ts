import { names } from '@zixly/contracts'
import {
  BaseConfig,
  connectNats,
  connectPg,
  connectRedis,
  createLogger,
  createMetrics,
  ensureJetStream,
  loadConfig,
  onShutdown,
  runMain,
} from '@zixly/platform'
import { createMarketData, MarketDataConfig, marketDataOptions } from '@zixly/market-data'
import { z } from 'zod'
import { buildApp } from './app.ts'
import { idempotencyStore } from './idempotency.ts'
import { readModel } from './read-model.ts'

const Config = BaseConfig.extend(MarketDataConfig.shape).extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  CALLBACK_SECRET: z.string().min(16).default('zixly-development-callback-secret'),
  IDEMPOTENCY_TTL_SECONDS: z.coerce.number().int().min(86_400).default(7 * 86_400),
})

runMain('ingest', async () => {
  const config = loadConfig(Config)
  const logger = createLogger('ingest', config.LOG_LEVEL)
  const n = names(config.ZIXLY_NAMESPACE)
  const nc = await connectNats(config.NATS_URL, 'ingest')
  const pool = await connectPg(config.DATABASE_URL, config.PG_SCHEMA, { name: 'ingest' })
  const redis = await connectRedis(config.REDIS_URL)
  const jsm = await ensureJetStream(nc, n)
  const metrics = createMetrics('ingest')
  const md = marketDataOptions(config)
  const marketData = createMarketData(md.source, md.deps)
  const app = await buildApp({
    js: nc.jetstream(),
    jsm,
    names: n,
    readModel: readModel(pool),
    idempotency: idempotencyStore(redis, n.namespace, config.IDEMPOTENCY_TTL_SECONDS),
    metrics,
    logger,
    now: () => new Date(),
    tenantOf: () => config.DEFAULT_TENANT_ID,
    knownTicker: (ticker, interval) => marketData.has(ticker, interval),
    relay: (subject, payload) => nc.publish(subject, JSON.stringify(payload)),
    callbackSecret: config.CALLBACK_SECRET,
    checks: [
      { name: 'nats', check: () => nc.flush() },
      { name: 'postgres', check: () => pool.query('SELECT 1') },
      { name: 'redis', check: () => redis.ping() },
    ],
  })
  await app.listen({ port: config.PORT, host: config.HOST })
  logger.info({ port: config.PORT }, 'ingest ready')
  onShutdown(logger, [
    { name: 'http', close: () => app.close() },
    { name: 'nats', close: () => nc.drain() },
    { name: 'postgres', close: () => pool.end() },
    { name: 'redis', close: () => redis.quit() },
  ])
})
