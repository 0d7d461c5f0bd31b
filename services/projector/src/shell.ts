import type { Names } from '@zixly/contracts'
import { describe, inTransaction, orderedMessages, readCheck, type Logger, type Metrics, type NatsConnection, type Pool } from '@zixly/platform'
import { applyParsed, lockReadModels } from './apply.ts'
import { projections } from './projections/index.ts'
import { nextBatch, readAhead, type ReadMessage } from './reader.ts'
import { projectorTelemetry } from './telemetry.ts'

/** The checkpoint `readCheckpoint` reads by default: the jobs read models'. */
export const PROJECTION = 'jobs'

export interface ProjectorDeps {
  nc: NatsConnection
  pool: Pool
  names: Names
  logger: Logger
  metrics?: Metrics
  batchSize?: number
  /** How often the lag gauge is refreshed from the stream while idle (ms). */
  lagIntervalMs?: number
  /** How long reading the log may fail before the projector says it is not ready (ms; default 10 s). */
  readGraceMs?: number
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

/** How long a batch waits, from its first event, for more that the stream says are pending (ms). */
const LINGER_MS = 100

/**
 * Applies batches of events to Postgres in one transaction with the checkpoints (the stream sequence
 * of the last applied event, per projection). The checkpoint is the projector's durable cursor: it
 * reads with an ordered consumer from the lowest checkpoint + 1, so events arrive strictly in log
 * order (a JetStream durable could redeliver an old message after newer ones). Events at or below a
 * projection's checkpoint are skipped, so a repeated batch changes nothing. A failing database is
 * retried with backoff, holding the batch. Each batch holds the schema's writer lock, which is how a
 * `zixly replay rebuild` swaps a rebuilt schema in between two batches (the next batch then writes
 * to the new schema, whose checkpoint already covers what this one had applied).
 */
export async function startProjector(deps: ProjectorDeps) {
  const { nc, pool, names, logger } = deps
  const jsm = await nc.jetstreamManager()
  let stopping = false
  let checkpoint = await readCheckpoint(
    pool,
    projections.map((p) => p.name),
  )
  // A batch is applied when it is full or when the stream has nothing more for us right now, so a
  // burst is written in large transactions and a lone event is written at once. Messages are parsed
  // as they arrive, while the previous batch is being written (readAhead).
  const maxBatch = deps.batchSize ?? 1000
  const messages = orderedMessages(nc, {
    stream: names.eventsStream,
    filterSubject: names.eventSubjects,
    startSeq: checkpoint + 1,
    batch: Math.max(maxBatch * 2, 100),
    onError: (err) => logger.warn({ err: describe(err) }, 'reading the log failed; reading again from the last event read'),
  })
  const reader = readAhead(messages, { limit: Math.max(maxBatch * 2, 100), logger })
  const reading = readCheck(messages, names.eventsStream, deps.readGraceMs)
  let failed: Error | undefined
  const loop = (async () => {
    try {
      while (!stopping) {
        await commit(await nextBatch(reader, maxBatch, LINGER_MS))
      }
    } catch (err) {
      // The consumer was closed (stop) — anything else is logged, and `failed` turns the service's
      // /ready red (main.ts): a projector that stopped reading says so instead of serving stale views.
      if (!stopping) {
        failed = err instanceof Error ? err : new Error(String(err))
        logger.error({ err: describe(err) }, 'the projector stopped reading')
      }
    }
  })()

  const telemetry = projectorTelemetry({ pool, metrics: deps.metrics, logger })
  telemetry.refreshCounts()
  // While idle the lag is read from the stream, so a stuck projector shows a growing lag.
  const lagTimer = setInterval(() => {
    void jsm.streams
      .info(names.eventsStream)
      .then((i) => deps.metrics?.projectorLag.set(Math.max(0, i.state.last_seq - checkpoint)))
      .catch(() => {})
  }, deps.lagIntervalMs ?? 5000)
  lagTimer.unref()

  async function commit(batch: readonly ReadMessage[]): Promise<void> {
    let start = Date.now()
    for (let delay = 200; ; delay = Math.min(delay * 2, 5000)) {
      start = Date.now()
      try {
        const applied = await inTransaction(pool, async (c) => {
          await lockReadModels(c)
          return applyParsed(c, batch)
        })
        checkpoint = applied.checkpoint
        for (const [tenant, jobs] of applied.touched) {
          const notice: ChangeNotice = { tenant_id: tenant, job_ids: [...jobs], checkpoint }
          nc.publish(names.changesSubject(tenant), JSON.stringify(notice))
        }
        break
      } catch (err) {
        logger.warn({ err: describe(err), retryInMs: delay }, 'applying a batch failed; retrying')
        await sleep(delay)
        if (stopping) return
      }
    }
    // Messages after the last of this batch that the stream holds now: the lag behind the log.
    deps.metrics?.projectorLag.set(batch.at(-1)?.pending ?? 0)
    logger.debug({ events: batch.length, checkpoint, ms: Date.now() - start }, 'batch applied')
    void telemetry.committed({ events: batch, start, end: Date.now() })
    deps.onCommit?.(checkpoint)
  }

  return {
    get checkpoint() {
      return checkpoint
    },
    /** Why the projector stopped reading the log, if it did (it applies nothing more until restarted). */
    get failed() {
      return failed
    },
    /**
     * The reading loop's readiness: rejects when it stopped (`failed`), or when reading the log has
     * failed for longer than `readGraceMs` (the stream gone, NATS refusing the consumer: the projector
     * retries, and serves views that grow stale meanwhile).
     */
    async ready(): Promise<void> {
      if (failed) throw failed
      await reading()
    },
    async stop() {
      stopping = true
      clearInterval(lagTimer)
      telemetry.stop()
      await messages.close()
      await reader.stop()
      await loop
    },
  }
}

/** The lowest checkpoint among `names` (a projection without a row is at 0). */
export async function readCheckpoint(pool: Pool, names: string | readonly string[] = PROJECTION): Promise<number> {
  const list = typeof names === 'string' ? [names] : names
  const r = await pool.query<{ name: string; seq: string }>(`SELECT name, seq FROM projection_checkpoints WHERE name = ANY($1::text[])`, [list])
  const byName = new Map(r.rows.map((row) => [row.name, Number(row.seq)]))
  return Math.min(...list.map((n) => byName.get(n) ?? 0))
}
