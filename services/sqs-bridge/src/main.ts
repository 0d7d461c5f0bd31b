import { SQSClient } from '@aws-sdk/client-sqs'
import { names } from '@zixly/contracts'
import { idempotencyStore, submitSweep } from '@zixly/ingest'
import { createMarketData, marketDataOptions } from '@zixly/market-data'
import {
  connectNats,
  connectRedis,
  createLogger,
  createMetrics,
  ensureJetStream,
  loadConfig,
  onShutdown,
  runMain,
  startHealthServer,
  startTracing,
} from '@zixly/platform'
import { findDeadLetterQueue, makeSqsBridge } from './bridge.ts'
import { BridgeConfig } from './config.ts'

runMain('sqs-bridge', async () => {
  const config = loadConfig(BridgeConfig)
  const logger = createLogger('sqs-bridge', config.LOG_LEVEL)
  // OTLP/HTTP export of this service's spans when OTEL_EXPORTER_OTLP_ENDPOINT is set.
  const tracing = startTracing('sqs-bridge')
  const n = names(config.ZIXLY_NAMESPACE)
  const nc = await connectNats(config.NATS_URL, 'sqs-bridge')
  const jsm = await ensureJetStream(nc, n)
  const redis = await connectRedis(config.REDIS_URL)
  const metrics = createMetrics('sqs-bridge')
  const md = marketDataOptions(config)
  const marketData = createMarketData(md.source, md.deps)
  // Credentials come from the SDK's usual chain (environment, profile, instance role).
  const sqs = new SQSClient({
    region: config.AWS_REGION,
    ...(config.SQS_ENDPOINT ? { endpoint: config.SQS_ENDPOINT, useQueueUrlAsEndpoint: false } : {}),
  })
  // Without a dead-letter path a poison message would come back forever: refuse to start.
  const dlqUrl = config.SQS_DLQ_URL ?? (await findDeadLetterQueue(sqs, config.SQS_QUEUE_URL))
  if (!dlqUrl)
    throw new Error(
      `queue ${config.SQS_QUEUE_URL} has no dead-letter queue: set SQS_DLQ_URL or give it a RedrivePolicy`,
    )
  const tenantId = config.SQS_TENANT_ID ?? config.DEFAULT_TENANT_ID
  const deps = {
    js: nc.jetstream(),
    jsm,
    names: n,
    idempotency: idempotencyStore(redis, n.namespace, config.IDEMPOTENCY_TTL_SECONDS),
    metrics,
    now: () => new Date(),
    knownTicker: (ticker: string, interval: '1d' | '1h') => marketData.has(ticker, interval),
  }
  const bridge = makeSqsBridge({
    sqs,
    queueUrl: config.SQS_QUEUE_URL,
    dlqUrl,
    tenantId,
    submit: (input) => submitSweep(deps, input),
    logger,
    metrics,
    waitTimeSeconds: config.SQS_WAIT_SECONDS,
    maxMessages: config.SQS_MAX_MESSAGES,
  })
  const running = bridge.start()
  const health = await startHealthServer({
    port: config.SQS_BRIDGE_PORT,
    host: config.HOST,
    registry: metrics.registry,
    checks: [
      { name: 'nats', check: () => nc.flush() },
      { name: 'redis', check: () => redis.ping() },
    ],
  })
  logger.info(
    { port: health.port, queue: config.SQS_QUEUE_URL, dlq: dlqUrl, tenant_id: tenantId },
    'sqs-bridge ready',
  )
  onShutdown(logger, [
    { name: 'receive', close: () => running.stop() },
    { name: 'health', close: () => health.close() },
    { name: 'sqs', close: () => sqs.destroy() },
    { name: 'nats', close: () => nc.drain() },
    { name: 'redis', close: () => redis.quit() },
    { name: 'tracing', close: () => tracing.stop() },
  ])
})
