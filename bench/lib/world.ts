import { names, type Names } from '@zixly/contracts'
import {
  connectNats,
  connectPg,
  connectRedis,
  deleteJetStream,
  ensureJetStream,
  quoteIdent,
  type NatsConnection,
  type Pool,
  type Redis,
} from '@zixly/platform'
import { migrateReadModels } from '@zixly/projector'
import { randomBytes } from 'node:crypto'
import { onInterrupt } from './cleanup.ts'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The machine's shared NATS / Postgres / Redis (overridable like every service's own config). */
export function infraUrls() {
  return {
    NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  }
}

/** One benchmark run's own corner of the shared infrastructure, removed by `cleanup`. */
export interface World {
  readonly id: string
  readonly namespace: string
  readonly schema: string
  readonly names: Names
  readonly nc: NatsConnection
  readonly pool: Pool
  readonly redis: Redis
  /** Environment for services started as child processes in this world. */
  readonly env: Record<string, string>
  cleanup(): Promise<void>
}

/**
 * A namespace (own streams and subjects), a migrated Postgres schema and a Redis prefix for one run,
 * so a benchmark never touches another engineer's data and leaves nothing behind.
 */
export async function createWorld(label: string, opts: { prepare?: boolean } = {}): Promise<World> {
  const id = `${label.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 10)}_${randomBytes(3).toString('hex')}`
  const namespace = `bench_${id}`
  const schema = `bench_${id}`
  const urls = infraUrls()
  const n = names(namespace)
  const nc = await connectNats(urls.NATS_URL, `bench-${id}`)
  // prepare: false leaves streams and tables to the system under test (a cold start creates them).
  if (opts.prepare !== false) await ensureJetStream(nc, n)
  const pool = await connectPg(urls.DATABASE_URL, schema, { max: 4, name: `bench-${id}` })
  if (opts.prepare !== false) await migrateReadModels(pool, schema)
  const redis = await connectRedis(urls.REDIS_URL)
  // The executor archives every job's results to the object store: give the run a folder of its own.
  const objects = mkdtempSync(join(tmpdir(), `zixly-bench-${id}-`))
  const cleanup = async () => {
    await deleteJetStream(nc, n).catch(() => {})
    await nc.drain().catch(() => {})
    await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`).catch(() => {})
    await pool.end().catch(() => {})
    await deleteKeys(redis, `*${namespace}*`).catch(() => 0)
    redis.disconnect()
    rmSync(objects, { recursive: true, force: true })
  }
  const forget = onInterrupt(cleanup)
  return {
    id,
    namespace,
    schema,
    names: n,
    nc,
    pool,
    redis,
    env: { ...urls, ZIXLY_NAMESPACE: namespace, PG_SCHEMA: schema, OBJECT_STORE_DIR: objects },
    async cleanup() {
      forget()
      await cleanup()
    },
  }
}

/** Deletes every Redis key matching `pattern` (SCAN, so Redis is never blocked by KEYS). */
export async function deleteKeys(redis: Redis, pattern: string): Promise<number> {
  let cursor = '0'
  let deleted = 0
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
    cursor = next
    if (keys.length > 0) deleted += await redis.unlink(...keys)
  } while (cursor !== '0')
  return deleted
}
