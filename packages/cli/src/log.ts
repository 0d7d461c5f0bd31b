import type { NatsConnection } from '@zixly/platform'
import type { JsMsg } from 'nats'

export interface ReadOptions {
  stream: string
  filter: string
  /** First sequence to read (default 1). */
  startSeq?: number
  /** Or the first message stored at or after this time. */
  startTime?: Date
  /** Stop after this sequence. */
  untilSeq?: number
}

/**
 * Reads a stream in order with an ordered consumer, up to the end it had when the read began (or
 * `untilSeq`), calling `onMessage` for each message. Never holds more than one fetch in memory.
 */
export async function readLog(nc: NatsConnection, o: ReadOptions, onMessage: (m: JsMsg) => void | Promise<void>): Promise<number> {
  const jsm = await nc.jetstreamManager()
  const info = await jsm.streams.info(o.stream)
  const end = Math.min(info.state.last_seq, o.untilSeq ?? Number.MAX_SAFE_INTEGER)
  if (info.state.messages === 0 || end < (o.startSeq ?? 1)) return 0
  const consumer = await nc.jetstream().consumers.get(o.stream, {
    filterSubjects: o.filter,
    ...(o.startTime ? { opt_start_time: o.startTime.toISOString() } : { opt_start_seq: o.startSeq ?? 1 }),
  })
  let read = 0
  for (;;) {
    const batch = await consumer.fetch({ max_messages: 1000, expires: 1000 })
    let got = 0
    let last = false
    for await (const m of batch) {
      got++
      if (m.seq > end) {
        last = true
        break
      }
      await onMessage(m)
      read++
      if (m.seq >= end || m.info.pending === 0) last = true
      if (last) break
    }
    if (last || got === 0) break
  }
  return read
}

/** `--since` / `--until`: a stream sequence, or a date-time. */
export function seqOrTime(value: string | undefined, what: string): { seq: number } | { time: Date } | undefined {
  if (value === undefined) return undefined
  if (/^\d+$/.test(value)) return { seq: Number(value) }
  const t = Date.parse(value)
  if (Number.isNaN(t)) throw new Error(`${what} must be a stream sequence or an ISO date-time, got "${value}"`)
  return { time: new Date(t) }
}
