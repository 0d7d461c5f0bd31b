import { CONSUMERS, parseEvent, TERMINAL_EVENT_TYPES, type Names, type SweepParams } from '@zixly/contracts'
import {
  describe,
  inSpan,
  SpanKind,
  traceparentOf,
  type JetStreamManager,
  type Logger,
  type NatsConnection,
} from '@zixly/platform'
import type { JsMsg } from 'nats'
import { deliverOutcome, type DeliverDeps } from './deliver.ts'
import { outcomeOf, type TerminalEvent } from './outcome.ts'
import { peekEventType } from './peek.ts'

/** An in-process hook called on every delivery of a terminal event (not de-duplicated: for logs). */
export type Channel = { name: string; send: (event: TerminalEvent) => Promise<void> }

/** Logs every outcome. */
export function logChannel(logger: Logger): Channel {
  return {
    name: 'log',
    async send(e) {
      logger.info({ job_id: e.data.job_id, tenant_id: e.metadata.tenantId, outcome: e.type }, 'job finished')
    },
  }
}

export interface NotifierDeps {
  nc: NatsConnection
  names: Names
  logger: Logger
  /** Slack, email and callback deliveries; without it only the hooks run. */
  deliver?: Omit<DeliverDeps, 'logger'> | undefined
  /** In-process hooks, e.g. logChannel. */
  channels?: Channel[]
  /** Outcomes handled at the same time (a slow endpoint must not hold up the others). */
  concurrency?: number
}

type AnyEvent = ReturnType<typeof parseEvent>
/** How long acks of passed-over events wait to go out together, and how many go at most in one batch. */
const ACK_BATCH_MS = 20
const ACK_BATCH_MAX = 256
const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_EVENT_TYPES)
const isTerminal = (e: AnyEvent): e is TerminalEvent =>
  (TERMINAL_EVENT_TYPES as readonly string[]).includes(e.type)

/**
 * The parameters of a job: its first event on its subject is the SweepRequested (appended expecting an
 * empty subject). One direct read of the stream (the first message on the subject), not a consumer.
 */
export async function jobParams(
  jsm: JetStreamManager,
  stream: string,
  subject: string,
): Promise<SweepParams | null> {
  let first: { json<T>(): T }
  try {
    // `next_by_subj` (the server answers it since 2.9) is missing from nats.js's type for this call.
    first = await jsm.streams.getMessage(stream, { next_by_subj: subject, seq: 1 } as unknown as { seq: number })
  } catch (err) {
    if (/no message found/i.test((err as Error).message)) return null
    throw err
  }
  const event = parseEvent(first.json())
  return event.type === 'SweepRequested' ? event.data.params : null
}

/**
 * Reads EVENTS with the durable consumer `notifier` (order does not matter here: each outcome is
 * delivered on its own). Non-terminal events are acked at once. A terminal event is acked once every
 * delivery it owes is SENT or FAILED, and nak'ed with the delay until the next retry is due otherwise,
 * so retry timers live in JetStream and survive a restart.
 */
export async function startNotifier(deps: NotifierDeps) {
  const { nc, names, logger } = deps
  const js = nc.jetstream()
  const jsm = await nc.jetstreamManager()
  const consumer = await js.consumers.get(names.eventsStream, CONSUMERS.notifier)
  const messages = await consumer.consume({ max_messages: 256 })
  const deliver: DeliverDeps | undefined = deps.deliver ? { ...deps.deliver, logger } : undefined
  const limit = deps.concurrency ?? 16
  const inflight = new Set<Promise<void>>()

  async function handle(m: JsMsg, event: TerminalEvent): Promise<void> {
    const working = setInterval(() => m.working(), 10_000)
    try {
      for (const ch of deps.channels ?? []) await ch.send(event)
      if (!deliver) return m.ack()
      const params = await jobParams(jsm, names.eventsStream, m.subject)
      const { waitMs } = await deliverOutcome(deliver, outcomeOf(event, params))
      if (waitMs === null) m.ack()
      else m.nak(Math.max(250, waitMs))
    } catch (err) {
      logger.warn(
        { seq: m.seq, job_id: event.data.job_id, tenant_id: event.metadata.tenantId, err: describe(err) },
        'notification failed; will be redelivered',
      )
      m.nak(5000)
    } finally {
      clearInterval(working)
    }
  }

  // Acks of the events passed over go out together, every ACK_BATCH_MS (or at ACK_BATCH_MAX): one
  // socket write for a whole batch of deliveries instead of one each. The ack wait is 30 s, so the
  // delay costs nothing; one lost in a crash is only redelivered, and passed over again.
  let toAck: JsMsg[] = []
  let ackTimer: NodeJS.Timeout | undefined
  const flushAcks = () => {
    clearTimeout(ackTimer)
    ackTimer = undefined
    const batch = toAck
    toAck = []
    for (const x of batch) x.ack()
  }
  const ackSoon = (m: JsMsg) => {
    if (toAck.push(m) >= ACK_BATCH_MAX) flushAcks()
    else ackTimer ??= setTimeout(flushAcks, ACK_BATCH_MS)
  }

  const loop = (async () => {
    for await (const m of messages) {
      // Most events are not outcomes: those are acked without decoding or validating them (the
      // envelope's type is read from the first bytes); anything unclear is parsed in full.
      const peeked = peekEventType(m.data)
      if (peeked !== null && !TERMINAL.has(peeked)) {
        ackSoon(m)
        continue
      }
      let event: AnyEvent
      try {
        event = parseEvent(m.json())
      } catch (err) {
        // Not an event this version understands: it cannot be an outcome we know how to announce.
        logger.warn({ seq: m.seq, err: describe(err) }, 'skipping a message that is not a known event')
        m.term()
        continue
      }
      if (!isTerminal(event)) {
        ackSoon(m)
        continue
      }
      if (inflight.size >= limit) await Promise.race(inflight)
      // Delivery continues the job's trace (the traceparent of the terminal event's message).
      const p: Promise<void> = inSpan(
        `notifier ${event.type}`,
        traceparentOf(m, event.metadata.traceparent),
        {
          kind: SpanKind.CONSUMER,
          service: 'notifier',
          attributes: { 'zixly.service': 'notifier', 'zixly.job_id': event.data.job_id, 'zixly.tenant_id': event.metadata.tenantId },
        },
        () => handle(m, event),
      ).finally(() => inflight.delete(p))
      inflight.add(p)
    }
  })()
  return {
    async stop() {
      await messages.close()
      await loop
      flushAcks()
      await Promise.all(inflight)
    },
  }
}
