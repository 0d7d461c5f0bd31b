import type { Logger, PoolClient } from '@zixly/platform'
import { parseMessage, type LogMessage, type ParsedMessage } from './parse.ts'
import {
  isJobEvent,
  projections as allProjections,
  type BatchProjection,
  type JsonRow,
  type Positioned,
  type Projection,
  type Statement,
} from './projections/index.ts'
import { copyIn } from './copy.ts'

export { parseMessage, type LogMessage, type ParsedMessage } from './parse.ts'

export interface Applied {
  /** Highest sequence now applied (every projection's checkpoint is at least this). */
  readonly checkpoint: number
  /** Tenant → jobs whose read models changed, for the change notice. */
  readonly touched: Map<string, Set<string>>
}

/**
 * Serialises the writers of one read-model schema: the projector holds it for each batch, and a
 * rebuild holds it while it swaps schemas, so no batch straddles the swap. Keyed by the schema's name,
 * which the rebuilt schema takes over.
 */
export async function lockReadModels(c: PoolClient): Promise<void> {
  await c.query(`SELECT pg_advisory_xact_lock(hashtext('zixly-projector:' || current_schema()))`)
}

/** Each projection's checkpoint (created at 0 for a projection seen for the first time), locked for this transaction. */
export async function checkpoints(c: PoolClient, names: readonly string[]): Promise<Map<string, number>> {
  await c.query(`INSERT INTO projection_checkpoints (name, seq) SELECT unnest($1::text[]), 0 ON CONFLICT (name) DO NOTHING`, [names])
  const r = await c.query<{ name: string; seq: string }>(
    `SELECT name, seq FROM projection_checkpoints WHERE name = ANY($1::text[]) ORDER BY name FOR UPDATE`,
    [names],
  )
  return new Map(r.rows.map((row) => [row.name, Number(row.seq)]))
}

const run = async (c: PoolClient, s: Statement): Promise<{ rows: Array<{ row: JsonRow }> }> => (s.copy ? (await copyIn(c, s), { rows: [] }) : c.query(s.text, [...s.values]))

/**
 * Applies messages (in log order) to every projection inside the caller's transaction, and moves
 * each projection's checkpoint to the last message. A projection skips what it already holds
 * (sequence ≤ its checkpoint), so applying a range twice changes nothing. Events of a job's life are
 * applied per run with set-based statements; an event that an `event` projection handles first
 * flushes the run up to it, so every projection sees the log in order.
 */
export async function applyMessages(
  c: PoolClient,
  messages: readonly LogMessage[],
  opts: { projections?: readonly Projection[]; logger?: Logger } = {},
): Promise<Applied> {
  return applyParsed(
    c,
    messages.map((m) => parseMessage(m, opts.logger)),
    opts,
  )
}

/** `applyMessages` for messages already parsed (the shells parse while the previous batch is written). */
export async function applyParsed(
  c: PoolClient,
  messages: readonly ParsedMessage[],
  opts: { projections?: readonly Projection[] } = {},
): Promise<Applied> {
  const projections = opts.projections ?? allProjections
  const cps = await checkpoints(
    c,
    projections.map((p) => p.name),
  )
  const floor = Math.min(...cps.values())
  const touched = new Map<string, Set<string>>()
  const batch = projections.filter((p): p is BatchProjection => p.kind === 'batch')
  let pending: Positioned[] = []

  const flush = async () => {
    for (const p of batch) {
      const from = cps.get(p.name) ?? 0
      const runOf = from <= floor ? pending : pending.filter((x) => x.seq > from)
      if (runOf.length === 0) continue
      const loaded: JsonRow[][] = []
      for (const s of p.load(runOf)) loaded.push((await run(c, s)).rows.map((r) => r.row))
      // The appends go first, the first of them sent at once: Postgres stores them while `write` folds
      // the run (synchronously), then `write`'s statements follow. One statement at a time on the
      // connection: node-postgres 8 queues a query sent while another runs, but warns that the queue
      // goes in version 9.
      const appends = p.append?.(runOf, loaded) ?? []
      const early = (async () => {
        for (const s of appends) await run(c, s)
      })()
      let writes: Statement[] = []
      let folding: { err: unknown } | undefined
      try {
        writes = p.write(runOf, loaded)
      } catch (err) {
        folding = { err }
      }
      await early
      if (folding) throw folding.err
      for (const s of writes) await run(c, s)
    }
    pending = []
  }

  for (const m of messages) {
    const event = m.event
    if (m.seq <= floor || event === null) continue
    if (isJobEvent(event)) {
      const jobs = touched.get(event.metadata.tenantId) ?? new Set<string>()
      jobs.add(event.data.job_id)
      touched.set(event.metadata.tenantId, jobs)
      pending.push(m.prepared ? { event, seq: m.seq, prepared: m.prepared } : { event, seq: m.seq })
    }
    const statements: Statement[] = []
    for (const p of projections) if (p.kind === 'event' && m.seq > (cps.get(p.name) ?? 0)) statements.push(...p.project(event, { seq: m.seq }))
    if (statements.length > 0) {
      await flush()
      for (const s of statements) await run(c, s)
    }
  }
  await flush()
  const last = messages.at(-1)?.seq ?? floor
  await c.query(`UPDATE projection_checkpoints SET seq = GREATEST(seq, $2), updated_at = now() WHERE name = ANY($1::text[])`, [
    [...cps.keys()],
    last,
  ])
  return { checkpoint: Math.max(last, floor), touched }
}
