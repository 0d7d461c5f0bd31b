import { names } from '@zixly/contracts'
import {
  BaseConfig,
  connectNats,
  createLogger,
  createMetrics,
  ensureJetStream,
  loadConfig,
  onShutdown,
  runMain,
  startHealthServer,
} from '@zixly/platform'
import { z } from 'zod'
import { startOrchestrator } from './shell.ts'

const Config = BaseConfig.extend({ ORCHESTRATOR_PORT: z.coerce.number().int().min(0).default(3011) })

runMain('orchestrator', async () => {
  const config = loadConfig(Config)
  const logger = createLogger('orchestrator', config.LOG_LEVEL)
  const n = names(config.ZIXLY_NAMESPACE)
  const nc = await connectNats(config.NATS_URL, 'orchestrator')
  await ensureJetStream(nc, n)
  const metrics = createMetrics('orchestrator')
  const orchestrator = await startOrchestrator({ nc, names: n, logger })
  const health = await startHealthServer({
    port: config.ORCHESTRATOR_PORT,
    host: config.HOST,
    registry: metrics.registry,
    checks: [{ name: 'nats', check: () => nc.flush() }],
  })
  logger.info({ port: health.port }, 'orchestrator ready')
  onShutdown(logger, [
    { name: 'consumer', close: () => orchestrator.stop() },
    { name: 'health', close: () => health.close() },
    { name: 'nats', close: () => nc.drain() },
  ])
})
