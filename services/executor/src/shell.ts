import {
  CONSUMERS,
  RESULTS_CHUNK_SIZE,
  RunSweep,
  type EventMetadata,
  type Names,
  type SweepEvent,
} from '@zixly/contracts'
import {
  appendMessage,
  ConcurrencyError,
  annotateSpan,
  describe,
  DISPATCH_SEQ_HEADER,
  inSpan,
  jobLogger,
  lastOnSubject,
  SpanKind,
  traceparentOf,
  type Logger,
  type Metrics,
  type NatsConnection,
} from '@zixly/platform'
import type { JsMsg } from 'nats'
import {
  CONTINUES_ATTEMPT,
  HandedBack,
  isAboutAttempt,
  safeJson,
  Superseded,
  toRecorded,
  tryParse,
} from './attempt-rules.ts'
import { recordInvalidCommand } from './dead-letter.ts'
import { progressGate } from './progress.ts'
import type { SweepRunner } from './runner.ts'

export interface ExecutorDeps {
  nc: NatsConnection
  names: Names
  logger: Logger
  runner: SweepRunner
  executorId: string
  /**
   * Sweeps run at once by this executor (each uses the whole worker pool in turn). A quick sweep (one
   * the runner finishes on this thread in moments) takes only a quarter of a slot once prepared: it
   * is mostly message round trips, so four of them cost the machine about what one larger sweep does.
   */
  concurrency?: number
  /** The consumer's ack wait; `working()` is sent three times per period while a sweep runs. */
  ackWaitMs?: number
  /** How long a stop waits for in-flight sweeps before handing them back to the stream. */
  stopGraceMs?: number
  progress?: { minIntervalMs: number; minFraction: number }
  metrics?: Metrics
  now?: () => Date
}

/** A slot in quarters: a quick sweep takes one of them, any other sweep all four. */
const SLOT_UNITS = 4

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
  let markStopping!: () => void
  const stopRequested = new Promise<void>((r) => (markStopping = r))
  // Quarters of a slot in use: a sweep holds a whole slot until it is prepared and known to be quick.
  // A command is pulled while a quarter is free, so one that turns out not to be quick can take the
  // executor up to three quarters of a slot over its concurrency until something ends.
  const capacity = concurrency * SLOT_UNITS
  let used = 0
  let onFreed: (() => void) | null = null
  const release = (units: number) => {
    used -= units
    onFreed?.()
    onFreed = null
  }

  const loop = (async () => {
    while (!stopping) {
      if (used >= capacity) {
        // Also wake on stop, so a stop does not wait for a running sweep before its grace period.
        await Promise.race([new Promise<void>((r) => (onFreed = r)), stopRequested])
        continue
      }
      // One message per pull: a batch pull (`fetch` of every free slot) left open at a stop took the
      // commands handed back into it again and again, each time one delivery closer to its maximum.
      let m: JsMsg | null
      try {
        m = await consumer.next({ expires: 1000 })
      } catch (err) {
        if (stopping) break
        logger.warn({ err: describe(err) }, 'pull failed; retrying')
        await new Promise((r) => setTimeout(r, 500))
        continue
      }
      if (!m || stopping) m?.nak()
      else start(m)
    }
  })()

  function start(m: JsMsg): void {
    const ac = new AbortController()
    const body = safeJson(m)
    used += SLOT_UNITS
    let held = SLOT_UNITS
    const quick = () => {
      release(held - 1)
      held = 1
    }
    // The run continues the trace of the dispatch that sent the command (its traceparent header).
    const meta = (body as { metadata?: { traceparent?: string } } | null)?.metadata
    const p: Promise<void> = inSpan(
      'executor RunSweep',
      traceparentOf(m, meta?.traceparent),
      { kind: SpanKind.CONSUMER, service: 'executor', attributes: { 'zixly.service': 'executor', 'zixly.executor_id': deps.executorId } },
      () => handle(m, body, ac, quick),
    ).finally(() => {
      inflight.delete(p)
      release(held)
      deps.metrics?.executorBusy.set(inflight.size)
    })
    inflight.set(p, ac)
    deps.metrics?.executorBusy.set(inflight.size)
  }

  async function handle(m: JsMsg, body: unknown, stop: AbortController, isQuick: () => void): Promise<void> {
    const parsed = RunSweep.safeParse(body)
    if (!parsed.success) {
      const reason = `invalid RunSweep: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`
      logger.error({ seq: m.seq, subject: m.subject, reason }, 'terminating a command that fails validation')
      try {
        await recordInvalidCommand({ js, names, stream: names.commandsStream }, m, reason, now())
      } catch (err) {
        // Not recorded yet: it comes back, and after its maximum deliveries the advisory records it.
        logger.error(
          { err: describe(err) },
          'could not record the dead letter; the command will be redelivered',
        )
        m.nak(2000)
        return
      }
      deps.metrics?.deadLetters.inc({ reason: 'invalid_command' })
      // No reason on the wire: NATS 2.9 ignores `+TERM <reason>` (2.10 added it) and would redeliver.
      m.term()
      return
    }
    const cmd = parsed.data
    const { job_id: jobId, attempt, params } = cmd.data
    const tenantId = cmd.metadata.tenantId
    const subject = names.eventSubject(tenantId, jobId)
    const delivery = m.info.deliveryCount
    annotateSpan({ 'zixly.job_id': jobId, 'zixly.tenant_id': tenantId, 'zixly.attempt': attempt })
    const log = jobLogger(logger, { jobId, tenantId, traceparent: cmd.metadata.traceparent }, { attempt, delivery })

    // Run only while the job's last event is about this attempt: its dispatch, or the progress of an
    // earlier delivery of it (an executor that died or handed it back). Anything else — a cancel, a
    // failure, a newer attempt, a retried chain — means this command is stale. Returns the last
    // event's sequence, or null once the command is settled.
    const current = async (): Promise<number | null> => {
      const last = await lastOnSubject(jsm, names.eventsStream, subject)
      const lastEvent = last ? tryParse(last.data) : null
      if (!last || !lastEvent) {
        log.error('no readable history for this job; terminating the command')
        deps.metrics?.deadLetters.inc({ reason: 'unknown_job' })
        m.term()
        return null
      }
      if (!isAboutAttempt(lastEvent, attempt)) {
        log.info({ last: lastEvent.type }, 'job has moved on; dropping the command')
        m.ack()
        return null
      }
      return last.seq
    }
    // A first delivery carries its dispatch's sequence (the orchestrator's header): the first guarded
    // append expects it, and only if the job moved on since is the job read. A redelivery reads it
    // first, as an earlier delivery may have appended progress that this one continues.
    const hinted = delivery === 1 ? Number(m.headers?.get(DISPATCH_SEQ_HEADER) || NaN) : NaN
    const trusted = Number.isSafeInteger(hinted) && hinted > 0
    const checked = trusted ? hinted : await current()
    if (checked === null) return

    let seq = checked
    const meta = (): EventMetadata => ({
      tenantId,
      correlationId: cmd.metadata.correlationId,
      causationId: cmd.id,
      occurredAt: now().toISOString(),
      ...(cmd.metadata.traceparent === undefined ? {} : { traceparent: cmd.metadata.traceparent }),
    })
    const idOf = (type: string, suffix = '') => `${type}:${jobId}:${attempt}:${delivery}${suffix}`
    const own = new Set<string>()
    const append = async (event: SweepEvent) => {
      own.add(event.id)
      seq = (await appendMessage(js, subject, event, { expectedLastSubjectSeq: seq })).seq
    }
    // A cancel (or the orchestrator recording this attempt's timeout, or anything else that ends it)
    // is seen here as it is appended, between progress reports too: the work stops within moments,
    // and the next guarded append would fail anyway. A quick sweep is not watched: it runs to its end
    // on this thread before any message could be read, so only its guarded appends can stop it.
    let watch: { unsubscribe(): void } | undefined
    const watchJob = () => {
      watch = nc.subscribe(subject, {
        callback: (err, msg) => {
          if (err) return
          const e = tryParse(safeJson(msg))
          if (e && !own.has(e.id) && !CONTINUES_ATTEMPT.has(e.type)) stop.abort(new Superseded(e.type))
        },
      })
    }

    const heartbeat = setInterval(() => m.working(), Math.max(100, Math.floor(ackWaitMs / 3)))
    const deadline = cmd.data.deadline_at ? cmd.data.deadline_at - now().getTime() : null
    const signal =
      deadline === null
        ? stop.signal
        : AbortSignal.any([stop.signal, AbortSignal.timeout(Math.max(0, deadline))])
    const started = now().getTime()
    // Progress reports are appended in order, off the engine's path; a failed one stops the work.
    let reports: Promise<void> = Promise.resolve()
    try {
      const prepared = await runner.prepare(params, signal, { jobId, tenantId, attempt })
      if (prepared.quick === true) isQuick()
      else watchJob()
      const startedEvent: SweepEvent = {
        id: idOf('SweepStarted'),
        type: 'SweepStarted',
        version: 1,
        data: {
          job_id: jobId,
          attempt,
          executor_id: deps.executorId,
          combinations: prepared.combinations,
          bars: prepared.bars,
        },
        metadata: meta(),
      }
      try {
        await append(startedEvent)
      } catch (err) {
        // The dispatch's sequence is no longer the job's last: read the job, as a redelivery does.
        if (!trusted || !(err instanceof ConcurrencyError)) throw err
        const latest = await current()
        if (latest === null) return
        seq = latest
        await append(startedEvent)
      }
      const gate = progressGate(deps.progress ?? { minIntervalMs: 250, minFraction: 0.05 })
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
          data: {
            job_id: jobId,
            attempt,
            chunk,
            chunks,
            rows: outcome.rows.slice(i, i + RESULTS_CHUNK_SIZE),
          },
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
      watch?.unsubscribe()
      reports.catch(() => {})
    }

    async function settleFailure(err: unknown): Promise<void> {
      const cause: unknown = stop.signal.aborted ? stop.signal.reason : err
      if (cause instanceof HandedBack) {
        log.info('handing the command back to the stream')
        m.nak()
        return
      }
      if (
        cause instanceof Superseded ||
        cause instanceof ConcurrencyError ||
        err instanceof ConcurrencyError
      ) {
        // Someone else wrote to the job: a cancel, a failure recorded by the orchestrator, or another
        // delivery of this attempt that carries on. Either way this delivery's work is over.
        log.info(
          { by: cause instanceof Superseded ? cause.message : 'a concurrent append' },
          'attempt stopped: the job moved on',
        )
        m.ack()
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
        log.error(
          { err: describe(appendErr) },
          'could not record the failure; the command will be redelivered',
        )
        m.nak(2000)
      }
    }
  }

  return {
    get inflight() {
      return inflight.size
    },
    /**
     * Stops pulling, lets in-flight sweeps finish for `stopGraceMs` from now, then hands the rest back.
     * The grace period runs while the loop's last pull (up to 1 s) is still waiting: once stopping,
     * the loop starts no sweep, so what is in flight when it ends is all there is to hand back.
     */
    async stop() {
      stopping = true
      markStopping()
      const handBack = () => {
        for (const ac of inflight.values()) ac.abort(new HandedBack('executor stopping'))
      }
      const graceOver = setTimeout(handBack, deps.stopGraceMs ?? 10_000)
      try {
        await loop
        await Promise.all(inflight.keys())
      } finally {
        clearTimeout(graceOver)
      }
    },
  }
}
