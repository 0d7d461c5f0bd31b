import { CONSUMERS, InvalidEventError, parseEvent, type Names, type SweepEvent } from '@zixly/contracts'
import {
  appendMessage,
  ConcurrencyError,
  describe,
  type JetStreamClient,
  type JetStreamManager,
  type Logger,
  type NatsConnection,
} from '@zixly/platform'
import type { JsMsg } from 'nats'
import { decide } from './sweep/decide.ts'
import { evolve, initialState, isTerminal, type JobState } from './sweep/state.ts'

export interface OrchestratorDeps {
  nc: NatsConnection
  names: Names
  logger: Logger
  now?: () => Date
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
 * The orchestrator's shell: rebuilds job states from the log up to its durable's ack floor, then
 * consumes events in order, evolves, decides, and carries out the decisions. Appends are guarded by
 * the triggering event's sequence, so a decision taken on a stale view is dropped and taken again
 * when the newer event arrives.
 */
export async function startOrchestrator(deps: OrchestratorDeps) {
  const { nc, names, logger } = deps
  const now = deps.now ?? (() => new Date())
  const js: JetStreamClient = nc.jetstream()
  const jsm: JetStreamManager = await nc.jetstreamManager()
  const states = new JobStates()

  const info = await jsm.consumers.info(names.eventsStream, CONSUMERS.orchestrator)
  const floor = info.ack_floor.stream_seq
  if (floor > 0) await rebuild(js, names.eventsStream, floor, states, logger)
  logger.info({ rebuiltUpTo: floor, openJobs: states.open }, 'orchestrator state rebuilt')

  const consumer = await js.consumers.get(names.eventsStream, CONSUMERS.orchestrator)
  const messages = await consumer.consume({ max_messages: 256 })
  const loop = (async () => {
    for await (const m of messages) {
      await handle(m).catch((err: unknown) => {
        logger.error({ err: describe(err), seq: m.seq }, 'orchestrator step failed; will be redelivered')
        m.nak(1000)
      })
    }
  })()

  async function handle(m: JsMsg): Promise<void> {
    let event: SweepEvent
    try {
      event = parseEvent(m.json())
    } catch (err) {
      if (err instanceof InvalidEventError || err instanceof SyntaxError) {
        logger.warn({ seq: m.seq, subject: m.subject, reason: describe(err) }, 'terminating an unreadable event')
        m.term(describe(err))
        return
      }
      throw err
    }
    const state = states.apply(event)
    const outputs = decide(event, state, { now: now().toISOString() })
    for (const out of outputs) {
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
    m.ack()
  }

  return {
    states,
    async stop() {
      await messages.close()
      await loop
    },
  }
}

async function rebuild(js: JetStreamClient, stream: string, upTo: number, states: JobStates, logger: Logger) {
  const consumer = await js.consumers.get(stream, { opt_start_seq: 1 })
  let seq = 0
  while (seq < upTo) {
    const batch = await consumer.fetch({ max_messages: 5000, expires: 2000 })
    let got = 0
    for await (const m of batch) {
      got++
      seq = m.seq
      try {
        states.apply(parseEvent(m.json()))
      } catch (err) {
        logger.warn({ seq: m.seq, reason: describe(err) }, 'skipping an unreadable event during rebuild')
      }
      if (seq >= upTo) break
    }
    if (got === 0) break
  }
}
