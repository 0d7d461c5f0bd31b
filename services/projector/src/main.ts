import { names } from '@zixly/contracts'
import {
  BaseConfig,
  connectNats,
  connectPg,
  createLogger,
  createMetrics,
  ensureJetStream,
  loadConfig,
  onShutdown,
  runMain,
  startHealthServer,
  startTracing,
} from '@zixly/platform'
import { z } from 'zod'
import { migrateReadModels } from './migrate.ts'
import { startProjector } from './shell.ts'

const Config = BaseConfig.extend({
  PROJECTOR_PORT: z.coerce.number().int().min(0).default(3013),
  PROJECTOR_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(1000),
})

runMain('projector', async () => {
  const config = loadConfig(Config)
  const logger = createLogger('projector', config.LOG_LEVEL)
  // OTLP/HTTP export of this service's spans when OTEL_EXPORTER_OTLP_ENDPOINT is set.
  const tracing = startTracing('projector')
  const n = names(config.ZIXLY_NAMESPACE)
  const nc = await connectNats(config.NATS_URL, 'projector')
  const pool = await connectPg(config.DATABASE_URL, config.PG_SCHEMA, { name: 'projector' })
  await ensureJetStream(nc, n)
  const applied = await migrateReadModels(pool, config.PG_SCHEMA)
  if (applied.length > 0) logger.info({ applied }, 'migrations applied')
  const metrics = createMetrics('projector')
  const projector = await startProjector({ nc, pool, names: n, logger, metrics, batchSize: config.PROJECTOR_BATCH_SIZE })
  const health = await startHealthServer({
    port: config.PROJECTOR_PORT,
    host: config.HOST,
    registry: metrics.registry,
    checks: [
      { name: 'nats', check: () => nc.flush() },
      { name: 'postgres', check: () => pool.query('SELECT 1') },
      { name: 'reader', check: () => projector.ready() },
    ],
  })
  logger.info({ port: health.port, checkpoint: projector.checkpoint }, 'projector ready')
  onShutdown(logger, [
    { name: 'consumer', close: () => projector.stop() },
    { name: 'health', close: () => health.close() },
    { name: 'nats', close: () => nc.drain() },
    { name: 'postgres', close: () => pool.end() },
    { name: 'tracing', close: () => tracing.stop() },
  ])
})
