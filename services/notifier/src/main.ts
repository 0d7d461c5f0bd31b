import { CONSUMERS, names } from '@zixly/contracts'
import {
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
  watchConsumers,
} from '@zixly/platform'
import { makeAuthStore } from '@zixly/auth'
import nodemailer from 'nodemailer'
import { envChannels, NotifierConfig } from './config.ts'
import { makeSender } from './senders.ts'
import { logChannel, startNotifier } from './shell.ts'
import { makeDeliveryStore } from './store.ts'

runMain('notifier', async () => {
  const config = loadConfig(NotifierConfig)
  const logger = createLogger('notifier', config.LOG_LEVEL)
  // OTLP/HTTP export of this service's spans when OTEL_EXPORTER_OTLP_ENDPOINT is set.
  const tracing = startTracing('notifier')
  const n = names(config.ZIXLY_NAMESPACE)
  const nc = await connectNats(config.NATS_URL, 'notifier')
  await ensureJetStream(nc, n)
  const pool = await connectPg(config.DATABASE_URL, config.PG_SCHEMA, { name: 'notifier', max: 5 })
  const metrics = createMetrics('notifier')
  const consumers = watchConsumers(await nc.jetstreamManager(), metrics, [{ stream: n.eventsStream, durable: CONSUMERS.notifier }])
  const smtp = config.SMTP_URL?.trim()
  const mailer = smtp
    ? nodemailer.createTransport({
        url: smtp,
        connectionTimeout: config.NOTIFY_TIMEOUT_MS,
        greetingTimeout: config.NOTIFY_TIMEOUT_MS,
        socketTimeout: config.NOTIFY_TIMEOUT_MS,
      })
    : null
  const defaults = envChannels(config)
  const auth = makeAuthStore(pool)
  const dashboard = config.DASHBOARD_URL.replace(/\/+$/, '')
  const notifier = await startNotifier({
    nc,
    names: n,
    logger,
    channels: [logChannel(logger)],
    deliver: {
      store: makeDeliveryStore(pool),
      send: makeSender({
        mailer,
        emailFrom: config.NOTIFY_EMAIL_FROM,
        // The tenant's own secret (tenant_settings, as ingest verifies with); SIGNING_SECRET only
        // stands in for the default tenant when it has none.
        signingSecretOf: async (tenantId) =>
          (await auth.settings(tenantId))?.signingSecret ??
          (tenantId === config.DEFAULT_TENANT_ID ? (config.SIGNING_SECRET ?? null) : null),
        links: { job: (id) => `${dashboard}/jobs/${id}` },
        now: () => new Date(),
        timeoutMs: config.NOTIFY_TIMEOUT_MS,
      }),
      policy: {
        maxAttempts: config.NOTIFY_MAX_ATTEMPTS,
        baseMs: config.NOTIFY_RETRY_BASE_MS,
        maxMs: config.NOTIFY_RETRY_MAX_MS,
      },
      leaseMs: Math.max(60_000, config.NOTIFY_TIMEOUT_MS * 3),
      defaultsFor: (tenantId) => (tenantId === config.DEFAULT_TENANT_ID ? defaults : []),
      callbacks: config.NOTIFY_CALLBACKS,
      metrics,
    },
  })
  const health = await startHealthServer({
    port: config.NOTIFIER_PORT,
    host: config.HOST,
    registry: metrics.registry,
    checks: [
      { name: 'nats', check: () => nc.flush() },
      { name: 'postgres', check: () => pool.query('SELECT 1') },
    ],
  })
  logger.info(
    { port: health.port, channels: defaults.map((c) => c.name), smtp: mailer !== null },
    'notifier ready',
  )
  onShutdown(logger, [
    { name: 'consumer', close: () => notifier.stop() },
    { name: 'health', close: () => health.close() },
    { name: 'smtp', close: () => mailer?.close() },
    { name: 'nats', close: () => nc.drain() },
    { name: 'postgres', close: () => pool.end() },
    { name: 'tracing', close: () => tracing.stop() },
    { name: 'consumer metrics', close: () => consumers.stop() },
  ])
})
