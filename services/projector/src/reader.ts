import type { Logger } from '@zixly/platform'
import { parseMessage, type ParsedMessage } from './apply.ts'

/** What the reader needs of a JetStream message. */
export interface SourceMessage {
  readonly seq: number
  readonly subject: string
  readonly info: { readonly pending: number }
  json<T = unknown>(): T
}

const YIELD_EVERY = 64

/** A parsed message and how many messages the stream held after it when it was delivered. */
export interface ReadMessage extends ParsedMessage {
  readonly pending: number
}

export interface ReadAhead {
  /** Messages parsed and waiting. */
  readonly size: number
  /** Sequence of the first / last waiting message. */
  readonly first: ReadMessage | undefined
  readonly last: ReadMessage | undefined
  /** Resolves once another message is waiting; rejects when the source ended or failed. */
  more(): Promise<void>
  /** Takes up to `max` waiting messages, in order, none beyond sequence `upTo`. */
  take(max: number, upTo?: number): ReadMessage[]
  /** Stops reading (the source is closed by its owner) and waits for the pump to end. */
  stop(): Promise<void>
}

/**
 * Reads ahead of the writer: each message is decoded (JSON) and parsed (zod, upcasting) as soon as
 * it arrives — that is, while the previous batch is being written to Postgres, which is when the
 * event loop is free — into a buffer of at most `limit` messages. Parsing used to happen after a
 * batch was fetched and before it was written, so Node and Postgres took turns instead of working
 * at the same time.
 */
export function readAhead(source: AsyncIterable<SourceMessage>, opts: { limit: number; logger?: Logger }): ReadAhead {
  const buf: ReadMessage[] = []
  let head = 0
  let ended: Error | undefined
  let stopped = false
  let wake: (() => void) | undefined
  let room: (() => void) | undefined
  let received = 0

  const pump = (async () => {
    try {
      for await (const m of source) {
        let data: unknown
        try {
          data = m.json()
        } catch {
          data = undefined // not JSON: parseMessage reports it as an unreadable event, skipped
        }
        const parsed = parseMessage({ seq: m.seq, subject: m.subject, data }, opts.logger)
        buf.push({ ...parsed, pending: m.info.pending })
        wake?.()
        // Messages already received resolve one after another as microtasks, which would keep the
        // event loop from Postgres' replies until the buffer is full (sampling a rebuild showed its
        // connection "idle in transaction" most of the time; without this a 1M-event rebuild ran at
        // 8.7k events/s instead of 12.2k). Yielding now and then lets the writer send its next
        // statement, so Postgres writes while the next batch is parsed.
        if (++received % YIELD_EVERY === 0) await new Promise<void>((r) => setImmediate(r))
        while (buf.length - head >= opts.limit && !stopped) await new Promise<void>((r) => (room = r))
        if (stopped) break
      }
      ended = new Error('the stream consumer stopped')
    } catch (err) {
      ended = err instanceof Error ? err : new Error(String(err))
    } finally {
      wake?.()
    }
  })()

  return {
    get size() {
      return buf.length - head
    },
    get first() {
      return buf[head]
    },
    get last() {
      return buf.length > head ? buf[buf.length - 1] : undefined
    },
    more() {
      if (ended) return Promise.reject(ended)
      return new Promise<void>((resolve, reject) => {
        wake = () => {
          wake = undefined
          if (ended && buf.length === head) reject(ended)
          else resolve()
        }
      })
    },
    take(max, upTo = Number.POSITIVE_INFINITY) {
      let end = head
      while (end < buf.length && end - head < max && buf[end]!.seq <= upTo) end++
      const out = buf.slice(head, end)
      head = end
      // Compact now and then rather than shifting on every take.
      if (head > 4096 && head * 2 > buf.length) {
        buf.splice(0, head)
        head = 0
      }
      if (buf.length - head < opts.limit) {
        room?.()
        room = undefined
      }
      return out
    },
    async stop() {
      stopped = true
      room?.()
      await pump
    },
  }
}
