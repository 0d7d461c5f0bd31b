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
import { logChannel, startNotifier } from './shell.ts'

const Config = BaseConfig.extend({ NOTIFIER_PORT: z.coerce.number().int().min(0).default(3014) })

runMain('notifier', async () => {
  const config = loadConfig(Config)
  const logger = createLogger('notifier', config.LOG_LEVEL)
  const n = names(config.ZIXLY_NAMESPACE)
  const nc = await connectNats(config.NATS_URL, 'notifier')
  await ensureJetStream(nc, n)
  const metrics = createMetrics('notifier')
  const notifier = await startNotifier({ nc, names: n, logger, channels: [logChannel(logger)] })
  const health = await startHealthServer({
    port: config.NOTIFIER_PORT,
    host: config.HOST,
    registry: metrics.registry,
    checks: [{ name: 'nats', check: () => nc.flush() }],
  })
  logger.info({ port: health.port }, 'notifier ready')
  onShutdown(logger, [
    { name: 'consumer', close: () => notifier.stop() },
    { name: 'health', close: () => health.close() },
    { name: 'nats', close: () => nc.drain() },
  ])
})
