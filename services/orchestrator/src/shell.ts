import { InvalidEventError, KV_KEYS, parseEvent, type Names, type SweepEvent } from '@zixly/contracts'
import { appendMessage, ConcurrencyError, describe, type Logger, type NatsConnection } from '@zixly/platform'
import type { JsMsg } from 'nats'
import { decide } from './sweep/decide.ts'
import { evolve, initialState, isTerminal, type JobState } from './sweep/state.ts'

export interface OrchestratorDeps {
  nc: NatsConnection
  names: Names
  logger: Logger
  now?: () => Date
  /** How often the checkpoint is saved (decisions are idempotent, so a lost save only repeats work). */
  checkpointEveryMs?: number
}

/** Folds events into per-job states. */
class JobStates {
  private readonly states = new Map<string, JobState>()
  apply(event: SweepEvent): JobState {
    const id = event.data.job_id
    const next = evolve(this.states.get(id) ?? initialState(), event)
    this.states.set(id, next)
    return next
  }
  get open() {
    let n = 0
    for (const s of this.states.values()) if (!isTerminal(s)) n++
    return n
  }
}

/**
 * The orchestrator's shell. It reads the whole log in order with an ordered consumer: events up to its
 * checkpoint (kept in the KV bucket) only rebuild job states; later ones are also decided on and the
 * decisions carried out. Appends are guarded by the triggering event's sequence, so a decision taken on
 * a stale view is dropped and taken again when the newer event arrives; ids are deterministic, so a
 * decision repeated after a crash is deduplicated by the server.
 */
export async function startOrchestrator(deps: OrchestratorDeps) {
  const { nc, names, logger } = deps
  const now = deps.now ?? (() => new Date())
  const js = nc.jetstream()
  const kv = await js.views.kv(names.kvBucket, { history: 1 })
  const saved = await kv.get(KV_KEYS.orchestratorCheckpoint)
  const resumeAfter = saved && saved.length > 0 ? Number(saved.string()) : 0
  let checkpoint = resumeAfter
  let savedCheckpoint = resumeAfter
  const states = new JobStates()
  let live = false

  const consumer = await js.consumers.get(names.eventsStream, { filterSubjects: names.eventSubjects, opt_start_seq: 1 })
  const messages = await consumer.consume({ max_messages: 1000 })
  const loop = (async () => {
    for await (const m of messages) {
      for (let delay = 250; ; delay = Math.min(delay * 2, 5000)) {
        try {
          await handle(m)
          break
        } catch (err) {
          logger.error({ err: describe(err), seq: m.seq }, 'orchestrator step failed; retrying')
          await new Promise((r) => setTimeout(r, delay))
        }
      }
      if (!live && (m.info.pending === 0 || m.seq >= resumeAfter)) {
        live = true
        logger.info({ rebuiltUpTo: m.seq, openJobs: states.open }, 'orchestrator state rebuilt')
      }
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

  async function handle(m: JsMsg): Promise<void> {
    let event: SweepEvent
    try {
      event = parseEvent(m.json())
    } catch (err) {
      if (!(err instanceof InvalidEventError || err instanceof SyntaxError)) throw err
      logger.warn({ seq: m.seq, subject: m.subject, reason: describe(err) }, 'skipping an unreadable event')
      return
    }
    const state = states.apply(event)
    if (m.seq <= resumeAfter) return
    for (const out of decide(event, state, { now: now().toISOString() })) {
      if (out.kind === 'command') {
        await appendMessage(js, names.runSweepSubject(out.command.metadata.tenantId), out.command)
        continue
      }
      try {
        await appendMessage(js, m.subject, out.event, { expectedLastSubjectSeq: m.seq })
      } catch (err) {
        if (!(err instanceof ConcurrencyError)) throw err
        logger.debug({ seq: m.seq, type: out.event.type }, 'job moved on; decision dropped')
      }
    }
    checkpoint = m.seq
  }

  return {
    states,
    get checkpoint() {
      return checkpoint
    },
    async stop() {
      await messages.close()
      await loop
      clearInterval(saver)
      await save()
    },
  }
}
