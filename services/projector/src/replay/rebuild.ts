import { availableParallelism } from 'node:os'
import type { Names } from '@zixly/contracts'
import { describe, orderedMessages, quoteIdent, type Logger, type NatsConnection, type Pool, type PoolClient } from '@zixly/platform'
import { applyParsed, lockReadModels } from '../apply.ts'
import { migrateReadModels } from '../migrate.ts'
import { projections as all, selectProjections } from '../projections/index.ts'
import { readAhead } from '../reader.ts'
import { canReadInWorker, readAheadInWorker } from '../reader-worker.ts'
import { deferIndexes, restoreIndexes } from './bulk.ts'
import { carriedTables, copySequences, copyTable, repointFunctions, schemaExists } from './schemas.ts'

export interface RebuildOptions {
  pool: Pool
  nc: NatsConnection
  names: Names
  /** The serving schema (`PG_SCHEMA`). */
  schema: string
  /** Rebuild only these projections (the others are copied over, then caught up). Default: all. */
  projections?: readonly string[]
  /** Continue a `<schema>_next` left by an interrupted run instead of starting it afresh. */
  resume?: boolean
  /** Keep the replaced schema as `<schema>_prev` instead of dropping it. */
  keepPrevious?: boolean
  batchSize?: number
  /**
   * Parse on a second thread (reader-worker.ts) instead of this one. Default: only with 4 or more
   * cores — on 2 it cost ~50 % more CPU per event (the hop, two heaps to collect) than it saved, and
   * Postgres and NATS need the second core (BENCHMARKS.md → Replay).
   */
  parseInWorker?: boolean
  logger?: Logger
  onProgress?: (p: { phase: 'replay' | 'swap'; done: number; total: number }) => void
  /** Called once the new schema has caught up, just before the swap (tests interrupt here). */
  beforeSwap?: () => Promise<void>
}

export interface RebuildResult {
  schema: string
  checkpoint: number
  events: number
  ms: number
  /** Where the time went (ms): waiting for messages, applying batches, recreating deferred indexes, the swap. */
  phases: { read_wait: number; apply: number; indexes: number; swap: number }
}

/** Name of the schema a rebuild of `schema` builds in (within Postgres' 63-character limit). */
export const buildSchemaOf = (schema: string) => `${schema.slice(0, 58)}_next`
export const previousSchemaOf = (schema: string) => `${schema.slice(0, 58)}_prev`

/**
 * Runs `fn` in one transaction on `schema`. `durable: false` commits without waiting for the WAL
 * flush: a crash may lose the last batches of the build schema, together with their checkpoint (same
 * transaction), so a resumed rebuild replays them; the serving schema is never written this way.
 */
async function inSchema<T>(pool: Pool, schema: string, fn: (c: PoolClient) => Promise<T>, opts: { durable?: boolean } = {}): Promise<T> {
  const c = await pool.connect()
  try {
    await c.query('BEGIN')
    await c.query(`SET LOCAL search_path TO ${quoteIdent(schema)}, public`)
    if (opts.durable === false) await c.query(`SET LOCAL synchronous_commit = off`)
    const out = await fn(c)
    await c.query('COMMIT')
    return out
  } catch (err) {
    await c.query('ROLLBACK').catch(() => {})
    throw err
  } finally {
    c.release()
  }
}

const lowest = async (c: PoolClient, names: readonly string[]) => {
  const r = await c.query<{ seq: string | null }>(`SELECT min(seq) AS seq FROM projection_checkpoints WHERE name = ANY($1::text[])`, [names])
  const n = (await c.query<{ n: string }>(`SELECT count(*) AS n FROM projection_checkpoints WHERE name = ANY($1::text[])`, [names])).rows[0]!.n
  return Number(n) < names.length ? 0 : Number(r.rows[0]?.seq ?? 0)
}

/**
 * Rebuilds the read models from sequence 1 into `<schema>_next` while `<schema>` keeps serving, then
 * swaps the two in one transaction. Nothing is written to the serving schema before that
 * transaction, so an interrupted rebuild leaves it untouched (a rerun starts `_next` again, or goes
 * on from its checkpoint with `resume`). The swap holds the projector's writer lock: the running
 * projector finishes its batch, the new schema applies whatever the projector had applied beyond it,
 * tables that are not read models (tenants, users, keys, …) are copied over, and the renames commit;
 * the projector's next batch writes to the new schema, whose checkpoint covers everything before it.
 */
export async function rebuild(o: RebuildOptions): Promise<RebuildResult> {
  const started = Date.now()
  const next = buildSchemaOf(o.schema)
  const prev = previousSchemaOf(o.schema)
  const chosen = selectProjections(o.projections)
  const names = all.map((p) => p.name)
  const batchSize = o.batchSize ?? 10_000
  if (!(await schemaExists(o.pool, o.schema))) await migrateReadModels(o.pool, o.schema)
  if (!o.resume || !(await schemaExists(o.pool, next))) await o.pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(next)} CASCADE`)
  await migrateReadModels(o.pool, next)

  // Projections not being rebuilt start from a consistent copy of the serving schema's tables.
  const others = all.filter((p) => !chosen.includes(p))
  if (others.length > 0 && !o.resume) {
    const c = await o.pool.connect()
    try {
      await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ')
      for (const p of others) for (const t of p.tables) await copyTable(c, o.schema, next, t)
      await c.query(
        `INSERT INTO ${quoteIdent(next)}.projection_checkpoints SELECT * FROM ${quoteIdent(o.schema)}.projection_checkpoints WHERE name = ANY($1::text[])`,
        [others.map((p) => p.name)],
      )
      await c.query('COMMIT')
    } finally {
      c.release()
    }
  }

  const jsm = await o.nc.jetstreamManager()
  const tail = async () => (await jsm.streams.info(o.names.eventsStream)).state.last_seq
  let checkpoint = await inSchema(o.pool, next, (c) => lowest(c, names))
  const from = checkpoint
  await inSchema(o.pool, next, (c) =>
    deferIndexes(
      c,
      next,
      chosen.flatMap((p) => p.tables),
    ),
  )
  let target = await tail()
  // Up to two batches are read and parsed ahead while the current one is written. The consumer pulls
  // in smaller requests, each only once the previous one is read (orderedMessages): messages waiting in
  // the client keep the socket buffers they were read into alive.
  const messages = orderedMessages(o.nc, {
    stream: o.names.eventsStream,
    filterSubject: o.names.eventSubjects,
    startSeq: checkpoint + 1,
    batch: Math.min(batchSize, 2000),
    onError: (err) => o.logger?.warn({ err: describe(err) }, 'reading the log failed; reading again from the last event read'),
  })
  const readOpts = { limit: batchSize * 2, ...(o.logger ? { logger: o.logger } : {}) }
  const inWorker = (o.parseInWorker ?? availableParallelism() >= 4) && canReadInWorker()
  const reader = inWorker ? readAheadInWorker(messages, readOpts) : readAhead(messages, readOpts)
  const phases = { read_wait: 0, apply: 0, indexes: 0, swap: 0 }
  const applyUpTo = async (c: PoolClient, upTo: number) => {
    while (checkpoint < upTo) {
      let t = performance.now()
      while (reader.size < batchSize && (reader.last?.seq ?? checkpoint) < upTo) await reader.more()
      phases.read_wait += performance.now() - t
      const batch = reader.take(batchSize, upTo)
      t = performance.now()
      if (batch.length > 0) checkpoint = Math.max(checkpoint, (await applyParsed(c, batch)).checkpoint)
      phases.apply += performance.now() - t
      // A message beyond `upTo` is waiting: everything up to it was read (a gap counts as read).
      if ((reader.first?.seq ?? 0) > upTo) checkpoint = Math.max(checkpoint, upTo)
      o.onProgress?.({ phase: 'replay', done: checkpoint - from, total: target - from })
    }
  }

  try {
    // Replay in batches, one transaction each, until close to the live tail (it moves meanwhile).
    for (;;) {
      while (checkpoint < target) {
        const upTo = Math.min(target, checkpoint + batchSize)
        await inSchema(o.pool, next, (c) => applyUpTo(c, upTo), { durable: false })
      }
      const now = await tail()
      if (now - checkpoint <= batchSize) break
      target = now
    }
    const indexesAt = performance.now()
    await restoreIndexes(o.pool, next)
    phases.indexes = performance.now() - indexesAt
    await o.beforeSwap?.()
    o.onProgress?.({ phase: 'swap', done: checkpoint - from, total: target - from })

    const swapAt = performance.now()
    const c = await o.pool.connect()
    try {
      await c.query('BEGIN')
      await c.query(`SET LOCAL search_path TO ${quoteIdent(o.schema)}, public`)
      await lockReadModels(c)
      const live = Math.max(await lowest(c, names), await tail().catch(() => 0), checkpoint)
      const carried = await carriedTables(c, o.schema, all.flatMap((p) => p.tables))
      for (const t of carried) await c.query(`LOCK TABLE ${quoteIdent(o.schema)}.${quoteIdent(t)} IN SHARE MODE`)
      await c.query(`SET LOCAL search_path TO ${quoteIdent(next)}, public`)
      // The projector is paused by the lock: apply what it had applied beyond us (and what arrived since).
      target = live
      await applyUpTo(c, live)
      for (const t of carried) await copyTable(c, o.schema, next, t)
      await copySequences(c, o.schema, next)
      await c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(prev)} CASCADE`)
      await c.query(`ALTER SCHEMA ${quoteIdent(o.schema)} RENAME TO ${quoteIdent(prev)}`)
      await c.query(`ALTER SCHEMA ${quoteIdent(next)} RENAME TO ${quoteIdent(o.schema)}`)
      await repointFunctions(c, o.schema)
      await repointFunctions(c, prev)
      await c.query('COMMIT')
      phases.swap = performance.now() - swapAt
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {})
      throw err
    } finally {
      c.release()
    }
  } finally {
    await messages.close()
    await reader.stop()
  }
  if (!o.keepPrevious) await o.pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(prev)} CASCADE`)
  const round = (x: number) => Math.round(x)
  return {
    schema: o.schema,
    checkpoint,
    events: checkpoint - from,
    ms: Date.now() - started,
    phases: { read_wait: round(phases.read_wait), apply: round(phases.apply), indexes: round(phases.indexes), swap: round(phases.swap) },
  }
}
