import { isSweepEvent, KV_KEYS, type LogEvent, type Names } from '@zixly/contracts'
import {
  appendMessage,
  ConcurrencyError,
  describe,
  DISPATCH_SEQ_HEADER,
  inSpan,
  orderedMessages,
  readCheck,
  traceparentOf,
  type Logger,
  type Metrics,
  type NatsConnection,
} from '@zixly/platform'
import type { JsMsg } from 'nats'
import { watchMaxDeliveries } from './advisories.ts'
import { decide, type Output } from './sweep/decide.ts'
import { DEFAULT_SAGA_CONFIG, type SagaConfig } from './sweep/policy.ts'
import { World } from './world.ts'
import { readEvent } from './read-event.ts'

export interface OrchestratorDeps {
  nc: NatsConnection
  names: Names
  logger: Logger
  /** Limits, retry policy and timeouts; anything left out takes the default. */
  config?: Partial<Omit<SagaConfig, 'limits' | 'retry'>> & {
    limits?: Partial<SagaConfig['limits']>
    retry?: Partial<SagaConfig['retry']>
  }
  metrics?: Metrics
  now?: () => Date
  /** How often the checkpoint is saved (decisions are idempotent, so a lost save only repeats work). */
  checkpointEveryMs?: number
  /** How long reading the log may fail before `ready` rejects (ms; default 10 s). */
  readGraceMs?: number
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export function sagaConfig(partial: OrchestratorDeps['config'] = {}): SagaConfig {
  return {
    ...DEFAULT_SAGA_CONFIG,
    ...partial,
    limits: { ...DEFAULT_SAGA_CONFIG.limits, ...partial.limits },
    retry: { ...DEFAULT_SAGA_CONFIG.retry, ...partial.retry },
  }
}

/**
 * The orchestrator's shell (run only by the lease holder). It reads the whole log in order with an
 * ordered consumer and folds every event into the `World`. Events up to its checkpoint (KV) only
 * rebuild state; a later `SweepDispatched` also sends its RunSweep. Once caught up with the log, every
 * step ends with a decision round (`World.plan`): timeouts, retries, failures, and admission of queued
 * jobs into free slots; a timer wakes it for the next due retry or deadline. Appends are guarded by the
 * job's last sequence, so a decision taken on a stale view is dropped and taken again once the newer
 * event is folded in; ids are deterministic, so a decision repeated after a crash is deduplicated.
 * Every step runs one at a time, so decisions always see the effects of the previous ones.
 */
export async function startOrchestrator(deps: OrchestratorDeps) {
  const { nc, names, logger } = deps
  const config = sagaConfig(deps.config)
  const clock = deps.now ?? (() => new Date())
  const js = nc.jetstream()
  const jsm = await nc.jetstreamManager()
  const kv = await js.views.kv(names.kvBucket, { history: 1 })
  const saved = await kv.get(KV_KEYS.orchestratorCheckpoint)
  const resumeAfter = saved && saved.length > 0 ? Number(saved.string()) : 0
  const lastAtStart = (await jsm.streams.info(names.eventsStream)).state.last_seq
  let checkpoint = resumeAfter
  let savedCheckpoint = resumeAfter
  let caughtUp = lastAtStart === 0
  let stopping = false
  const world = new World(config.limits.slotPairs)
  /** Jobs whose last guarded append found newer events: left alone until those are folded in. */
  const stale = new Set<string>()

  // One step at a time: consumer messages, timer rounds and advisories all queue here.
  let queue: Promise<void> = Promise.resolve()
  const serially = (fn: () => Promise<void>): Promise<void> => {
    const run = queue.then(fn)
    queue = run.catch(() => {})
    return run
  }

  let timer: NodeJS.Timeout | undefined
  const wakeUpAt = (at: number | null) => {
    clearTimeout(timer)
    if (at === null || stopping) return
    timer = setTimeout(() => void serially(round).catch(onRoundError), Math.max(0, at - clock().getTime()))
  }
  const onRoundError = (err: unknown) => {
    logger.error({ err: describe(err) }, 'decision round failed; trying again shortly')
    wakeUpAt(clock().getTime() + 500)
  }

  // Read from sequence 1 at every start, paced (orderedMessages): an ordered consumer's consume() had
  // the whole log delivered into memory while the first events were still being folded.
  const messages = orderedMessages(nc, {
    stream: names.eventsStream,
    filterSubject: names.eventSubjects,
    startSeq: 1,
    batch: 1000,
    onError: (err) => logger.warn({ err: describe(err) }, 'reading the log failed; reading again from the last event read'),
  })
  const loop = (async () => {
    for await (const m of messages) {
      for (let delay = 250; !stopping; delay = Math.min(delay * 2, 5000)) {
        try {
          await serially(() => handle(m))
          break
        } catch (err) {
          logger.error({ err: describe(err), seq: m.seq }, 'orchestrator step failed; retrying')
          await sleep(delay)
        }
      }
      if (stopping) break
    }
  })()

  const saver = setInterval(() => void save(), deps.checkpointEveryMs ?? 250)
  async function save() {
    if (checkpoint === savedCheckpoint) return
    const seq = checkpoint
    try {
      await kv.put(KV_KEYS.orchestratorCheckpoint, String(seq))
      savedCheckpoint = seq
    } catch (err) {
      logger.warn({ err: describe(err) }, 'could not save the checkpoint')
    }
  }

  const advisories = watchMaxDeliveries({ nc, js, jsm, names, logger, metrics: deps.metrics, serially })

  async function handle(m: JsMsg): Promise<void> {
    let event: LogEvent
    try {
      event = readEvent(m.json())
    } catch (err) {
      logger.warn({ seq: m.seq, subject: m.subject, reason: describe(err) }, 'skipping an unreadable event')
      checkpoint = m.seq
      return
    }
    if (!isSweepEvent(event)) world.apply(event, m.seq)
    else if (!world.seen(event.data.job_id, m.seq)) {
      const state = world.apply(event, m.seq)
      stale.delete(event.data.job_id)
      if (state && m.seq > resumeAfter) {
        const outputs = decide(event, state, ctx())
        // A decision continues the trace of the event it reacts to (its message's traceparent).
        if (outputs.length > 0)
          await inSpan(`orchestrator ${event.type}`, traceparentOf(m, event.metadata.traceparent), spanOpts(event.data.job_id, event.metadata.tenantId), async () => {
            for (const out of outputs) await carryOut(out)
          })
      }
    }
    checkpoint = m.seq
    if (!caughtUp && (m.seq >= lastAtStart || m.info.pending === 0)) {
      caughtUp = true
      logger.info({ rebuiltUpTo: m.seq, openJobs: world.openJobs }, 'orchestrator state rebuilt')
    }
    if (caughtUp) await round()
  }

  const ctx = () => ({ now: clock().getTime(), config })

  /** Decides and carries out until nothing more is due now; then sets the timer for what is due next. */
  async function round(): Promise<void> {
    for (let i = 0; i < 10_000 && !stopping; i++) {
      const { outputs, wakeAt } = world.plan(ctx(), stale)
      if (outputs.length === 0) return wakeUpAt(wakeAt)
      for (const out of outputs) await carryOutTraced(out)
    }
  }

  const spanOpts = (jobId: string, tenantId: string) => ({
    service: 'orchestrator',
    attributes: { 'zixly.service': 'orchestrator', 'zixly.job_id': jobId, 'zixly.tenant_id': tenantId },
  })
  /** A decision of a round (a timer, an admission) in its job's trace. */
  function carryOutTraced(out: Output): Promise<void> {
    const e = out.kind === 'command' ? out.command : out.event
    return inSpan(`orchestrator ${e.type}`, e.metadata.traceparent, spanOpts(e.data.job_id, e.metadata.tenantId), () => carryOut(out))
  }

  /** Appends an event (then folds it in at once and reacts to it) or sends a command. */
  async function carryOut(out: Output): Promise<void> {
    if (out.kind === 'command') {
      // Keep trying: the dispatch it belongs to is already folded in, so nothing would send it again
      // before a restart (which re-decides events after the checkpoint; the id makes a repeat a no-op).
      for (let delay = 250; ; delay = Math.min(delay * 2, 5000)) {
        try {
          // The executor's first append can expect the dispatch's sequence without reading the job.
          await appendMessage(js, names.runSweepSubject(out.command.metadata.tenantId), out.command, {
            headers: { [DISPATCH_SEQ_HEADER]: String(out.dispatchSeq) },
          })
          logger.debug({ job_id: out.command.data.job_id, tenant_id: out.command.metadata.tenantId, command: out.command.id }, 'command sent')
          return
        } catch (err) {
          if (stopping) throw err
          logger.warn({ err: describe(err), command: out.command.id, job_id: out.command.data.job_id, tenant_id: out.command.metadata.tenantId }, 'could not send a command; retrying')
          await sleep(delay)
        }
      }
    }
    const jobId = out.event.data.job_id
    let seq: number
    try {
      seq = (
        await appendMessage(js, names.eventSubject(out.tenantId, jobId), out.event, {
          expectedLastSubjectSeq: out.expectedLastSeq,
        })
      ).seq
    } catch (err) {
      if (!(err instanceof ConcurrencyError)) throw err
      stale.add(jobId)
      logger.debug({ job_id: jobId, tenant_id: out.tenantId, type: out.event.type }, 'job moved on; decision dropped')
      return
    }
    logger.debug({ job_id: jobId, tenant_id: out.tenantId, type: out.event.type, seq }, 'decision recorded')
    if (out.event.type === 'SweepFailed') deps.metrics?.deadLetters.inc({ reason: 'job_failed' })
    const state = world.apply(out.event, seq)
    if (state) for (const next of decide(out.event, state, ctx())) await carryOut(next)
  }

  return {
    world,
    /** Rejects once reading the log has failed for longer than `readGraceMs` (the stream gone, say): decisions stop meanwhile. */
    ready: readCheck(messages, names.eventsStream, deps.readGraceMs),
    get checkpoint() {
      return checkpoint
    },
    get caughtUp() {
      return caughtUp
    },
    async stop() {
      stopping = true
      clearTimeout(timer)
      advisories.stop()
      await messages.close()
      await loop
      await queue
      clearInterval(saver)
      await save()
    },
  }
}
