import { parseEvent, type Names, type SweepEvent } from '@zixly/contracts'
import { describe, inTransaction, type Logger, type Metrics, type NatsConnection, type Pool } from '@zixly/platform'
import type { JsMsg } from 'nats'
import { project, type Statement } from './projections/index.ts'

export const PROJECTION = 'jobs'

export interface ProjectorDeps {
  nc: NatsConnection
  pool: Pool
  names: Names
  logger: Logger
  metrics?: Metrics
  batchSize?: number
  /** Called after each committed batch (tests wait on it). */
  onCommit?: (checkpoint: number) => void
}

/** A change notice, published on core NATS after each commit; the dashboard's SSE follows it. */
export interface ChangeNotice {
  tenant_id: string
  job_ids: string[]
  checkpoint: number
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Applies batches of events to Postgres in one transaction with the checkpoint (the stream sequence
 * of the last applied event). The checkpoint is the projector's durable cursor: it reads with an
 * ordered consumer from checkpoint + 1, so events arrive strictly in log order (a JetStream durable
 * could redeliver an old message after newer ones). Events at or below the checkpoint are skipped,
 * so a repeated batch changes nothing. A failing database is retried with backoff, holding the batch.
 */
export async function startProjector(deps: ProjectorDeps) {
  const { nc, pool, names, logger } = deps
  const js = nc.jetstream()
  let stopping = false
  let checkpoint = await readCheckpoint(pool)
  const consumer = await js.consumers.get(names.eventsStream, {
    filterSubjects: names.eventSubjects,
    opt_start_seq: checkpoint + 1,
  })

  // A batch is applied when it is full or when the stream has nothing more for us right now, so a
  // burst is written in large transactions and a lone event is written at once.
  const maxBatch = deps.batchSize ?? 1000
  const messages = await consumer.consume({ max_messages: Math.max(maxBatch * 2, 100) })
  const loop = (async () => {
    let batch: JsMsg[] = []
    for await (const m of messages) {
      batch.push(m)
      if (batch.length < maxBatch && m.info.pending > 0) continue
      await commit(batch)
      batch = []
      if (stopping) break
    }
  })()

  async function commit(batch: JsMsg[]): Promise<void> {
    for (let delay = 200; ; delay = Math.min(delay * 2, 5000)) {
      try {
        checkpoint = await applyBatch(batch)
        break
      } catch (err) {
        logger.warn({ err: describe(err), retryInMs: delay }, 'applying a batch failed; retrying')
        await sleep(delay)
        if (stopping) return
      }
    }
    deps.metrics?.projectorLag.set(batch.at(-1)?.info.pending ?? 0)
    deps.onCommit?.(checkpoint)
  }

  async function applyBatch(batch: JsMsg[]): Promise<number> {
    const touched = new Map<string, Set<string>>()
    const next = await inTransaction(pool, async (c) => {
      const r = await c.query<{ seq: string }>(
        `INSERT INTO projection_checkpoints (name, seq) VALUES ($1, 0)
         ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING seq`,
        [PROJECTION],
      )
      let seq = Number(r.rows[0]!.seq)
      for (const m of batch) {
        if (m.seq <= seq) continue
        seq = m.seq
        let event: SweepEvent
        try {
          event = parseEvent(m.json())
        } catch (err) {
          logger.warn({ seq: m.seq, subject: m.subject, reason: describe(err) }, 'skipping an unreadable event')
          continue
        }
        for (const s of project(event, { seq: m.seq })) await run(c, s)
        const jobs = touched.get(event.metadata.tenantId) ?? new Set<string>()
        jobs.add(event.data.job_id)
        touched.set(event.metadata.tenantId, jobs)
      }
      await c.query(`UPDATE projection_checkpoints SET seq = $2, updated_at = now() WHERE name = $1`, [PROJECTION, seq])
      return seq
    })
    for (const [tenant, jobs] of touched) {
      const notice: ChangeNotice = { tenant_id: tenant, job_ids: [...jobs], checkpoint: next }
      nc.publish(names.changesSubject(tenant), JSON.stringify(notice))
    }
    return next
  }

  return {
    get checkpoint() {
      return checkpoint
    },
    async stop() {
      stopping = true
      await messages.close()
      await loop
    },
  }
}

async function run(c: { query: (text: string, values: unknown[]) => Promise<unknown> }, s: Statement) {
  await c.query(s.text, [...s.values])
}

export async function readCheckpoint(pool: Pool, name = PROJECTION): Promise<number> {
  const r = await pool.query<{ seq: string }>(`SELECT seq FROM projection_checkpoints WHERE name = $1`, [name])
  return r.rows[0] ? Number(r.rows[0].seq) : 0
}
