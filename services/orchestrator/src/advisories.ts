import {
  CONSUMERS,
  deadLetterSubject,
  MaxDeliveriesAdvisory,
  maxDeliveriesAdvisorySubject,
  RunSweep,
  tenantOfCommandSubject,
  type LogEvent,
  type Names,
} from '@zixly/contracts'
import {
  appendMessage,
  describe,
  type JetStreamClient,
  type JetStreamManager,
  type Logger,
  type Metrics,
  type NatsConnection,
} from '@zixly/platform'

/**
 * Turns JetStream's max-deliveries advisory for the executors' consumer into a dead-letter record:
 * `SweepCommandDeadLettered` on the job when the command names one (the saga then fails that attempt:
 * nobody will run it), `MessageDeadLettered` otherwise. The command is then deleted from `COMMANDS`
 * (its payload is in the record). Advisories are core NATS messages: one that arrives while no
 * orchestrator is active is lost, and the attempt then ends by its deadline instead.
 */
export function watchMaxDeliveries(deps: {
  nc: NatsConnection
  js: JetStreamClient
  jsm: JetStreamManager
  names: Names
  logger: Logger
  metrics: Metrics | undefined
  serially: (fn: () => Promise<void>) => Promise<void>
}) {
  const { names, logger } = deps
  const sub = deps.nc.subscribe(maxDeliveriesAdvisorySubject(names.commandsStream, CONSUMERS.executor), {
    callback: (err, m) => {
      if (err) return
      const adv = MaxDeliveriesAdvisory.safeParse(safe(() => m.json()))
      if (!adv.success) return logger.warn({ subject: m.subject }, 'ignoring an unreadable advisory')
      void deps
        .serially(() => record(adv.data))
        .catch((e: unknown) => logger.error({ err: describe(e) }, 'could not record a dead letter'))
    },
  })

  async function record(adv: MaxDeliveriesAdvisory): Promise<void> {
    const stored = await deps.jsm.streams
      .getMessage(names.commandsStream, { seq: adv.stream_seq })
      .catch(() => null)
    const text = stored ? safe(() => stored.string()) : null
    const subject = stored?.subject ?? ''
    const tenantId = tenantOfCommandSubject(names, subject)
    const command = RunSweep.safeParse(text === null ? null : safe(() => JSON.parse(text) as unknown))
    const common = {
      source: 'max_deliveries' as const,
      stream: names.commandsStream,
      stream_seq: adv.stream_seq,
      subject,
      deliveries: adv.deliveries,
      reason: `the executors' consumer gave up after ${adv.deliveries} deliveries without an outcome`,
      ...(text === null ? {} : { payload: text.slice(0, 4000) }),
    }
    const occurredAt = new Date().toISOString()
    let event: LogEvent
    let target: string
    if (command.success && tenantId !== null) {
      const c = command.data
      target = names.eventSubject(tenantId, c.data.job_id)
      event = {
        id: `SweepCommandDeadLettered:${c.data.job_id}:${c.data.attempt}:max_deliveries`,
        type: 'SweepCommandDeadLettered',
        version: 1,
        data: { ...common, job_id: c.data.job_id, attempt: c.data.attempt },
        metadata: { tenantId, correlationId: c.metadata.correlationId, causationId: c.id, occurredAt },
      }
    } else {
      const id = `${names.commandsStream}-${adv.stream_seq}`
      target = deadLetterSubject(names, tenantId)
      event = {
        id: `MessageDeadLettered:${id}`,
        type: 'MessageDeadLettered',
        version: 1,
        data: { ...common, dead_letter_id: id },
        metadata: { tenantId: tenantId ?? 'unknown', correlationId: id, causationId: id, occurredAt },
      }
    }
    await appendMessage(deps.js, target, event)
    deps.metrics?.deadLetters.inc({ reason: 'max_deliveries' })
    logger.warn(
      { stream_seq: adv.stream_seq, subject, deliveries: adv.deliveries },
      'command dead-lettered after its maximum deliveries',
    )
    await deps.jsm.streams.deleteMessage(names.commandsStream, adv.stream_seq).catch(() => false)
  }

  return { stop: () => sub.unsubscribe() }
}

function safe<T>(fn: () => T): T | null {
  try {
    return fn()
  } catch {
    return null
  }
}
