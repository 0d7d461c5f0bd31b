import { names, type Names } from '@zixly/contracts'
import {
  connectNats,
  connectPg,
  connectRedis,
  createLogger,
  deleteJetStream,
  ensureJetStream,
  quoteIdent,
  type Logger,
  type NatsConnection,
  type Pool,
  type Redis,
} from '@zixly/platform'
import { migrateReadModels } from '@zixly/projector'
import { randomBytes } from 'node:crypto'

/** URLs of the servers every integration test talks to. */
export interface InfraUrls {
  readonly NATS_URL: string
  readonly DATABASE_URL: string
  readonly REDIS_URL: string
}

/**
 * Where the shared servers answer. The global setup (test/support/global-setup.ts) sets these
 * variables before any worker starts: containers on free ports (Testcontainers), or the loopback
 * services, whose addresses are also the defaults here for a file run without the global setup.
 */
export function infraUrls(): InfraUrls {
  return {
    NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  }
}

export interface TestEnv {
  readonly namespace: string
  readonly schema: string
  readonly names: Names
  readonly nc: NatsConnection
  readonly pool: Pool
  readonly redis: Redis
  readonly logger: Logger
  /** Environment for a service started as a child process in this isolated world. */
  readonly env: Record<string, string>
  cleanup(): Promise<void>
}

/**
 * An isolated world for one test file: its own stream and subject namespace, its own Postgres schema
 * (migrated), its own Redis key prefix (via the namespace). `cleanup` removes all of it.
 */
export async function isolatedEnv(label = 'it'): Promise<TestEnv> {
  const id = `${label.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 12)}_${randomBytes(4).toString('hex')}`
  const namespace = `t_${id}`
  const schema = `t_${id}`
  const urls = infraUrls()
  const n = names(namespace)
  const nc = await connectNats(urls.NATS_URL, `test-${id}`)
  await ensureJetStream(nc, n)
  const pool = await connectPg(urls.DATABASE_URL, schema, { max: 5, name: `test-${id}` })
  await migrateReadModels(pool, schema)
  const redis = await connectRedis(urls.REDIS_URL)
  const logger = createLogger('test', process.env.TEST_LOG_LEVEL ?? 'silent')
  return {
    namespace,
    schema,
    names: n,
    nc,
    pool,
    redis,
    logger,
    env: { ...urls, ZIXLY_NAMESPACE: namespace, PG_SCHEMA: schema, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn' },
    async cleanup() {
      await deleteJetStream(nc, n).catch(() => {})
      await nc.drain().catch(() => {})
      await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`).catch(() => {})
      await pool.end().catch(() => {})
      const keys = await redis.keys(`zixly:${namespace}:*`).catch(() => [] as string[])
      if (keys.length > 0) await redis.del(...keys).catch(() => 0)
      redis.disconnect()
    },
  }
}

/** Polls `fn` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const until = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v !== undefined) return v
    } catch (err) {
      last = err
    }
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms${last instanceof Error ? `: ${last.message}` : ''}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}
