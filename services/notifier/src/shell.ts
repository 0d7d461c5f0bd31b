import { CONSUMERS, parseEvent, TERMINAL_EVENT_TYPES, type Names, type SweepEvent } from '@zixly/contracts'
import { describe, type Logger, type NatsConnection } from '@zixly/platform'

type TerminalEvent = Extract<SweepEvent, { type: (typeof TERMINAL_EVENT_TYPES)[number] }>

/** A channel a job outcome is sent to. Channels must tolerate a repeat (events can be redelivered). */
export type Channel = { name: string; send: (event: TerminalEvent) => Promise<void> }

/** Logs every outcome: the channel every installation has. */
export function logChannel(logger: Logger): Channel {
  return {
    name: 'log',
    async send(e) {
      logger.info({ job_id: e.data.job_id, tenant_id: e.metadata.tenantId, outcome: e.type }, 'job finished')
    },
  }
}

/** Consumes terminal events and hands each to every channel; acks after all channels took it. */
export async function startNotifier(deps: { nc: NatsConnection; names: Names; logger: Logger; channels: Channel[] }) {
  const { nc, names, logger } = deps
  const consumer = await nc.jetstream().consumers.get(names.eventsStream, CONSUMERS.notifier)
  const messages = await consumer.consume({ max_messages: 256 })
  const loop = (async () => {
    for await (const m of messages) {
      try {
        const event = parseEvent(m.json())
        if ((TERMINAL_EVENT_TYPES as readonly string[]).includes(event.type))
          for (const ch of deps.channels) await ch.send(event as TerminalEvent)
        m.ack()
      } catch (err) {
        logger.warn({ seq: m.seq, err: describe(err) }, 'notification failed; will be redelivered')
        m.nak(5000)
      }
    }
  })()
  return {
    async stop() {
      await messages.close()
      await loop
    },
  }
}
