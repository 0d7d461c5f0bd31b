import {
  CONSUMERS,
  parseEvent,
  RESULTS_CHUNK_SIZE,
  RunSweep,
  TERMINAL_EVENT_TYPES,
  type EventMetadata,
  type Names,
  type RecordedError,
  type SweepEvent,
} from '@zixly/contracts'
import {
  appendMessage,
  ConcurrencyError,
  describe,
  lastOnSubject,
  ZixlyError,
  type Logger,
  type Metrics,
  type NatsConnection,
} from '@zixly/platform'
import type { JsMsg } from 'nats'
import { progressGate } from './progress.ts'
import type { SweepRunner } from './runner.ts'

export interface ExecutorDeps {
  nc: NatsConnection
  names: Names
  logger: Logger
  runner: SweepRunner
  executorId: string
  /** Sweeps run at once by this executor (each uses the whole worker pool in turn). */
  concurrency?: number
  /** The consumer's ack wait; `working()` is sent three times per period while a sweep runs. */
  ackWaitMs?: number
  /** How long a stop waits for in-flight sweeps before handing them back to the stream. */
  stopGraceMs?: number
  progress?: { minIntervalMs: number; minFraction: number }
  metrics?: Metrics
  now?: () => Date
}

const isTerminalType = (t: string) => (TERMINAL_EVENT_TYPES as readonly string[]).includes(t)

/** Marks an abort caused by this executor stopping, as opposed to the job being cancelled. */
class HandedBack extends Error {}

/**
 * Pulls RunSweep commands with a bounded number in flight and runs each through the runner. Every
 * append to the job's subject expects the sequence of the previous one, so if anyone else writes to
 * the job (a cancel, a newer attempt) this attempt stops writing. The command is acked only after its
 * outcome event is stored.
 */
export async function startExecutor(deps: ExecutorDeps) {
  const { nc, names, logger, runner } = deps
  const js = nc.jetstream()
  const jsm = await nc.jetstreamManager()
  const now = deps.now ?? (() => new Date())
  const concurrency = deps.concurrency ?? 1
  const ackWaitMs = deps.ackWaitMs ?? 30_000
  const consumer = await js.consumers.get(names.commandsStream, CONSUMERS.executor)
  const inflight = new Map<Promise<void>, AbortController>()
  let stopping = false

  const loop = (async () => {
    while (!stopping) {
      if (inflight.size >= concurrency) {
        await Promise.race(inflight.keys())
        continue
      }
      let m: JsMsg | null
      try {
        m = await consumer.next({ expires: 1000 })
      } catch (err) {
        if (stopping) break
        logger.warn({ err: describe(err) }, 'pull failed; retrying')
        await new Promise((r) => setTimeout(r, 500))
        continue
      }
      if (!m || stopping) {
        m?.nak()
        continue
      }
      const ac = new AbortController()
      const p: Promise<void> = handle(m, ac).finally(() => {
        inflight.delete(p)
        deps.metrics?.executorBusy.set(inflight.size)
      })
      inflight.set(p, ac)
      deps.metrics?.executorBusy.set(inflight.size)
    }
  })()

  async function handle(m: JsMsg, stop: AbortController): Promise<void> {
    const parsed = RunSweep.safeParse(safeJson(m))
    if (!parsed.success) {
      const reason = `invalid RunSweep: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`
      logger.error({ seq: m.seq, subject: m.subject, reason }, 'terminating a command that fails validation')
      deps.metrics?.deadLetters.inc({ reason: 'invalid_command' })
      m.term(reason.slice(0, 500))
      return
    }
    const cmd = parsed.data
    const { job_id: jobId, attempt, params } = cmd.data
    const tenantId = cmd.metadata.tenantId
    const subject = names.eventSubject(tenantId, jobId)
    const delivery = m.info.deliveryCount
    const log = logger.child({ job_id: jobId, tenant_id: tenantId, attempt, delivery })

    const last = await lastOnSubject(jsm, names.eventsStream, subject)
    const lastEvent = last ? tryParse(last.data) : null
    if (!last || !lastEvent) {
      log.error('no readable history for this job; terminating the command')
      m.term('job has no history')
      return
    }
    const lastAttempt = 'attempt' in lastEvent.data ? lastEvent.data.attempt : 0
    if (isTerminalType(lastEvent.type) || lastAttempt > attempt) {
      log.info({ last: lastEvent.type }, 'job has moved on; dropping the command')
      m.ack()
      return
    }

    let seq = last.seq
    const meta = (): EventMetadata => ({
      tenantId,
      correlationId: cmd.metadata.correlationId,
      causationId: cmd.id,
      occurredAt: now().toISOString(),
      ...(cmd.metadata.traceparent === undefined ? {} : { traceparent: cmd.metadata.traceparent }),
    })
    const idOf = (type: string, suffix = '') => `${type}:${jobId}:${attempt}:${delivery}${suffix}`
    const append = async (event: SweepEvent) => {
      seq = (await appendMessage(js, subject, event, { expectedLastSubjectSeq: seq })).seq
    }

    const heartbeat = setInterval(() => m.working(), Math.max(1000, Math.floor(ackWaitMs / 3)))
    const deadline = cmd.data.deadline_at ? cmd.data.deadline_at - now().getTime() : null
    const signal =
      deadline === null ? stop.signal : AbortSignal.any([stop.signal, AbortSignal.timeout(Math.max(0, deadline))])
    const started = now().getTime()
    try {
      const prepared = await runner.prepare(params, signal, { jobId, tenantId, attempt })
      await append({
        id: idOf('SweepStarted'),
        type: 'SweepStarted',
        version: 1,
        data: { job_id: jobId, attempt, executor_id: deps.executorId, combinations: prepared.combinations, bars: prepared.bars },
        metadata: meta(),
      })
      const gate = progressGate(deps.progress ?? { minIntervalMs: 250, minFraction: 0.05 })
      let reports: Promise<void> = Promise.resolve()
      const outcome = await prepared.run({
        signal,
        onProgress: (done, total) => {
          if (!gate(done, total, now().getTime())) return
          reports = reports.then(() =>
            append({
              id: idOf('SweepProgressed', `:${done}`),
              type: 'SweepProgressed',
              version: 1,
              data: { job_id: jobId, attempt, done, total },
              metadata: meta(),
            }).catch((err: unknown) => {
              // Someone else wrote to the job (e.g. a cancel): stop the work now.
              if (err instanceof ConcurrencyError) stop.abort(err)
              throw err
            }),
          )
        },
      })
      await reports
      const chunks = Math.max(1, Math.ceil(outcome.rows.length / RESULTS_CHUNK_SIZE))
      for (let i = 0; i < outcome.rows.length; i += RESULTS_CHUNK_SIZE) {
        const chunk = i / RESULTS_CHUNK_SIZE
        await append({
          id: idOf('SweepResultsRecorded', `:${chunk}`),
          type: 'SweepResultsRecorded',
          version: 1,
          data: { job_id: jobId, attempt, chunk, chunks, rows: outcome.rows.slice(i, i + RESULTS_CHUNK_SIZE) },
          metadata: meta(),
        })
      }
      const best = outcome.rows.find((r) => r.rank_for_ticker === 1) ?? null
      await append({
        id: idOf('SweepCompleted'),
        type: 'SweepCompleted',
        version: 1,
        data: {
          job_id: jobId,
          attempt,
          total_combinations: outcome.rows.length,
          ranked_combinations: outcome.rows.filter((r) => r.rank_for_ticker !== null).length,
          result_chunks: outcome.rows.length === 0 ? 0 : chunks,
          best,
          bnh_return_pct: outcome.bnhReturnPct,
          bars: prepared.bars,
          duration_ms: now().getTime() - started,
          results_uri: outcome.resultsUri ?? null,
        },
        metadata: meta(),
      })
      m.ack()
      log.info({ combinations: outcome.rows.length, ms: now().getTime() - started }, 'sweep completed')
    } catch (err) {
      await settleFailure(err)
    } finally {
      clearInterval(heartbeat)
    }

    async function settleFailure(err: unknown): Promise<void> {
      const cause: unknown = stop.signal.aborted ? stop.signal.reason : err
      if (cause instanceof HandedBack) {
        log.info('handing the command back to the stream')
        m.nak()
        return
      }
      if (cause instanceof ConcurrencyError || err instanceof ConcurrencyError) {
        const now = await lastOnSubject(jsm, names.eventsStream, subject).catch(() => null)
        const ev = now ? tryParse(now.data) : null
        if (ev && isTerminalType(ev.type)) {
          log.info({ last: ev.type }, 'job ended elsewhere (e.g. cancelled); attempt stopped')
          m.ack()
        } else {
          log.warn('another writer appended to this job; retrying the command later')
          m.nak(2000)
        }
        return
      }
      const error = toRecorded(err, signal.aborted && !stop.signal.aborted)
      try {
        await append({
          id: idOf('SweepAttemptFailed'),
          type: 'SweepAttemptFailed',
          version: 1,
          data: { job_id: jobId, attempt, error },
          metadata: meta(),
        })
        log.warn({ code: error.code, reason: error.message }, 'attempt failed')
        m.ack()
      } catch (appendErr) {
        log.error({ err: describe(appendErr) }, 'could not record the failure; the command will be redelivered')
        m.nak(2000)
      }
    }
  }

  return {
    get inflight() {
      return inflight.size
    },
    /** Stops pulling, lets in-flight sweeps finish for `stopGraceMs`, then hands the rest back. */
    async stop() {
      stopping = true
      await loop
      const grace = deps.stopGraceMs ?? 10_000
      const all = Promise.all(inflight.keys())
      const timedOut = await Promise.race([
        all.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), grace).unref()),
      ])
      if (timedOut) for (const ac of inflight.values()) ac.abort(new HandedBack('executor stopping'))
      await all
    },
  }
}

function safeJson(m: JsMsg): unknown {
  try {
    return m.json()
  } catch {
    return null
  }
}

function tryParse(data: unknown): SweepEvent | null {
  try {
    return parseEvent(data)
  } catch {
    return null
  }
}

function toRecorded(err: unknown, timedOut: boolean): RecordedError {
  if (timedOut) return { code: 'ATTEMPT_TIMEOUT', message: 'the attempt ran past its deadline', retryable: true }
  if (err instanceof ZixlyError) return { code: err.code, message: err.message.slice(0, 2000), retryable: err.retryable }
  const e = err as { code?: unknown; retryable?: unknown }
  return {
    code: typeof e.code === 'string' ? e.code : 'EXECUTION_ERROR',
    message: describe(err).slice(0, 2000),
    retryable: typeof e.retryable === 'boolean' ? e.retryable : true,
  }
}
