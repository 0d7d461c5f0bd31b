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
  /**
   * Resolves with true once woken (another message is waiting, or the reader asks the writer to look
   * again), or with false when `withinMs` passed first; rejects when the source ended or failed.
   */
  more(withinMs?: number): Promise<boolean>
  /** Takes up to `max` waiting messages, in order, none beyond sequence `upTo`. */
  take(max: number, upTo?: number): ReadMessage[]
  /** Stops reading (the source is closed by its owner) and waits for the pump to end. */
  stop(): Promise<void>
}

/**
 * The live projector's next batch: waits for a first message, then returns up to `max` once the batch
 * is full, once the stream holds nothing more for this reader (the last message's `pending` is 0), or
 * `lingerMs` after the batch's first message was there — whichever comes first. Not "for as long as
 * the last delivery says the stream holds more": in end-to-end runs a projector whose consumer had
 * delivered every event of a burst stayed hundreds of events short until another event came (a stale
 * `pending` is the suspect; BENCHMARKS.md → Replay). And not "while more keeps coming within
 * `lingerMs` of the last": under a steady 500 events/s that filled 1,000-event batches, and every job
 * showed up in the read model 1–2 s after it completed (BENCHMARKS.md → End to end).
 */
export async function nextBatch(reader: ReadAhead, max: number, lingerMs: number): Promise<ReadMessage[]> {
  while (reader.size === 0) await reader.more()
  const deadline = performance.now() + lingerMs
  while (reader.size < max && (reader.last?.pending ?? 1) > 0) {
    const left = deadline - performance.now()
    if (left <= 0 || !(await reader.more(left))) break
  }
  return reader.take(max)
}

/**
 * Parsed messages waiting for the writer, in log order, and the writer's wait for more: what both
 * readers (this one, and `readAheadInWorker`) keep. `end` records why no more will come; `more()`
 * then rejects once nothing is left waiting.
 */
export class WaitingMessages {
  private buf: ReadMessage[] = []
  private head = 0
  private wakeUp: (() => void) | undefined
  ended: Error | undefined

  get size(): number {
    return this.buf.length - this.head
  }
  get first(): ReadMessage | undefined {
    return this.buf[this.head]
  }
  get last(): ReadMessage | undefined {
    return this.buf.length > this.head ? this.buf[this.buf.length - 1] : undefined
  }
  /** Whether the writer is waiting in `more()`. */
  get awaited(): boolean {
    return this.wakeUp !== undefined
  }

  push(m: ReadMessage): void {
    this.buf.push(m)
    this.wake()
  }
  /** Lets a waiting `more()` look again. */
  wake(): void {
    this.wakeUp?.()
  }
  end(why: Error): void {
    this.ended ??= why
    this.wake()
  }

  more(withinMs?: number): Promise<boolean> {
    if (this.ended) return Promise.reject(this.ended)
    return new Promise<boolean>((resolve, reject) => {
      const timer = withinMs === undefined ? undefined : setTimeout(() => {
        this.wakeUp = undefined
        resolve(false)
      }, withinMs)
      this.wakeUp = () => {
        clearTimeout(timer)
        this.wakeUp = undefined
        if (this.ended && this.size === 0) reject(this.ended)
        else resolve(true)
      }
    })
  }

  /** Takes up to `max` waiting messages, in order, none beyond sequence `upTo`. */
  take(max: number, upTo = Number.POSITIVE_INFINITY): ReadMessage[] {
    let end = this.head
    while (end < this.buf.length && end - this.head < max && this.buf[end]!.seq <= upTo) end++
    const out = this.buf.slice(this.head, end)
    this.head = end
    // Compact now and then rather than shifting on every take.
    if (this.head > 4096 && this.head * 2 > this.buf.length) {
      this.buf.splice(0, this.head)
      this.head = 0
    }
    return out
  }
}

/**
 * Reads ahead of the writer: each message is decoded (JSON) and parsed (zod, upcasting) as soon as
 * it arrives — that is, while the previous batch is being written to Postgres, which is when the
 * event loop is free — into a buffer of at most `limit` messages. Parsing used to happen after a
 * batch was fetched and before it was written, so Node and Postgres took turns instead of working
 * at the same time.
 */
export function readAhead(source: AsyncIterable<SourceMessage>, opts: { limit: number; logger?: Logger }): ReadAhead {
  const waiting = new WaitingMessages()
  let stopped = false
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
        waiting.push({ ...parsed, pending: m.info.pending })
        // Messages already received resolve one after another as microtasks, which would keep the
        // event loop from Postgres' replies until the buffer is full (sampling a rebuild showed its
        // connection "idle in transaction" most of the time; without this a 1M-event rebuild ran at
        // 8.7k events/s instead of 12.2k). Yielding now and then lets the writer send its next
        // statement, so Postgres writes while the next batch is parsed.
        if (++received % YIELD_EVERY === 0) await new Promise<void>((r) => setImmediate(r))
        while (waiting.size >= opts.limit && !stopped) await new Promise<void>((r) => (room = r))
        if (stopped) break
      }
      waiting.end(new Error('the stream consumer stopped'))
    } catch (err) {
      waiting.end(err instanceof Error ? err : new Error(String(err)))
    }
  })()

  return {
    get size() {
      return waiting.size
    },
    get first() {
      return waiting.first
    },
    get last() {
      return waiting.last
    },
    more: (withinMs) => waiting.more(withinMs),
    take(max, upTo) {
      const out = waiting.take(max, upTo)
      if (waiting.size < opts.limit) {
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
