import { buildApp, idempotencyStore, readModel } from '@zixly/ingest'
import { startOrchestrator } from '@zixly/orchestrator'
import { startProjector } from '@zixly/projector'
import { startNotifier, logChannel } from '@zixly/notifier'
import { createMetrics } from '@zixly/platform'
import { makeSecurity } from '@zixly/auth'
import type { Role } from '@zixly/contracts'
import type { TestEnv } from './env.ts'

/** The callback secret shared by test ingests and test executors. */
export const TEST_CALLBACK_SECRET = 'test-callback-secret-0123456789'

/**
 * Ingest's app on an ephemeral port, wired to a test environment, with authentication on as always:
 * it creates the tenant (`local` unless said otherwise) and an API key of `role` (ADMIN: may do
 * anything), and answers the `headers` that authenticate as it.
 */
export async function startIngest(
  env: TestEnv,
  opts: { knownTicker?: (t: string, i: '1d' | '1h') => Promise<boolean>; tenantId?: string; role?: Role } = {},
) {
  const metrics = createMetrics('ingest')
  const security = makeSecurity({ pool: env.pool, redis: env.redis, namespace: env.namespace })
  const tenantId = opts.tenantId ?? 'local'
  await security.admin.ensureTenant(tenantId, tenantId)
  // Tests submit and poll far faster than a client may (test/security checks the default limits).
  await security.admin.updateSettings(tenantId, { rate_limit_per_minute: 1_000_000, read_rate_limit_per_minute: 1_000_000 })
  const { key } = await security.admin.createApiKey(tenantId, { name: 'test', role: opts.role ?? 'ADMIN' })
  const headers = { 'x-api-key': key }
  const app = await buildApp({
    js: env.nc.jetstream(),
    jsm: await env.nc.jetstreamManager(),
    names: env.names,
    readModel: readModel(env.pool),
    idempotency: idempotencyStore(env.redis, env.namespace, 86_400),
    metrics,
    now: () => new Date(),
    relay: (subject, payload) => env.nc.publish(subject, JSON.stringify(payload)),
    callbackSecret: TEST_CALLBACK_SECRET,
    auth: { security },
    checks: [
      { name: 'nats', check: () => env.nc.flush() },
      { name: 'postgres', check: () => env.pool.query('SELECT 1') },
      { name: 'redis', check: () => env.redis.ping() },
    ],
    ...(opts.knownTicker ? { knownTicker: opts.knownTicker } : {}),
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return { app, url: `http://127.0.0.1:${port}`, metrics, security, tenantId, headers, stop: () => app.close() }
}

/** Orchestrator, projector and notifier in this process (the executor is started by each test as it needs). */
export async function startBackbone(env: TestEnv) {
  const orchestrator = await startOrchestrator({ nc: env.nc, names: env.names, logger: env.logger })
  const projector = await startProjector({ nc: env.nc, pool: env.pool, names: env.names, logger: env.logger })
  const notifier = await startNotifier({ nc: env.nc, names: env.names, logger: env.logger, channels: [logChannel(env.logger)] })
  return {
    orchestrator,
    projector,
    notifier,
    async stop() {
      await Promise.all([orchestrator.stop(), projector.stop(), notifier.stop()])
    },
  }
}

/** Number of messages in a stream. */
export async function streamCount(env: TestEnv, stream: string): Promise<number> {
  const jsm = await env.nc.jetstreamManager()
  return (await jsm.streams.info(stream)).state.messages
}
