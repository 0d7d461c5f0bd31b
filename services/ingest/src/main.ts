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
  startTracing,
} from '@zixly/platform'
import { createMarketData, MarketDataConfig, marketDataOptions } from '@zixly/market-data'
import { z } from 'zod'
import { buildApp } from './app.ts'
import { idempotencyStore } from './idempotency.ts'
import { readModel } from './read-model.ts'
import { SecurityConfig, secretEnv, securityFromConfig } from './plugins/config.ts'

const Config = BaseConfig.extend(MarketDataConfig.shape).extend(SecurityConfig.shape).extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  IDEMPOTENCY_TTL_SECONDS: z.coerce.number().int().min(86_400).default(7 * 86_400),
})

runMain('ingest', async () => {
  // Secrets may come from files or AWS Secrets Manager; production refuses missing or weak ones here.
  const config = loadConfig(Config, await secretEnv())
  const logger = createLogger('ingest', config.LOG_LEVEL)
  // OTLP/HTTP export of this service's spans when OTEL_EXPORTER_OTLP_ENDPOINT is set.
  const tracing = startTracing('ingest')
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
    auth: await securityFromConfig(config, { pool, redis, namespace: n.namespace }),
    bodyLimit: config.BODY_LIMIT_BYTES,
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
    { name: 'tracing', close: () => tracing.stop() },
  ])
})
