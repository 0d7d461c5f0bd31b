import { Worker } from 'node:worker_threads'
import type { Logger } from '@zixly/platform'
import { workerBundle } from '@zixly/platform/worker-bundle'
import type { ParsedMessage } from './parse.ts'
import { WaitingMessages, type ReadAhead, type ReadMessage, type SourceMessage } from './reader.ts'

// `readAhead` with the parsing on a second thread. A rebuild reads the log as fast as it can and
// spends most of its CPU per event outside Postgres: decoding the NATS protocol, JSON, zod and
// encoding the COPY fields. On one thread those took turns with folding the events and writing the
// batches; here the main thread only receives messages (copying their bytes into a batch) and
// writes, while the worker parses — and garbage-collects what parsing leaves behind — on the other
// core. The worker runs the same `parseMessage`, so what comes back is what `readAhead` would give.
// `rebuild()` uses it from 4 cores up: on 2, the hop and a second heap cost more CPU than the overlap
// saved, and Postgres and NATS need the second core (BENCHMARKS.md → Replay).

/** Raw messages posted to the parsing thread: their payloads back to back, `ends[i]` the end of message i. */
export interface RawBatch {
  readonly id: number
  readonly seqs: Float64Array
  readonly subjects: readonly string[]
  readonly ends: Uint32Array
  readonly data: Uint8Array
}

/** A parsed message on its way back: bytes in `prepared` are `{ $b: [buffer, start, end] }` into the batch's buffers. */
export interface WireMessage {
  readonly seq: number
  readonly subject: string
  readonly event: ParsedMessage['event']
  readonly prepared?: Record<string, unknown>
  readonly warning?: string
}

/** What the parsing thread posts back: the batch's messages parsed, in order (JSON of `WireMessage[]`), and the buffers their bytes are in. */
export interface ParsedBatch {
  readonly id: number
  readonly json: string
  readonly buffers: readonly ArrayBuffer[]
}

type Packed = { $b: [number, number, number] }
const isPacked = (v: unknown): v is Packed => typeof v === 'object' && v !== null && '$b' in v

/**
 * `prepared` (by projection) with each Uint8Array in it — a value of the projection's object, or an
 * element of an array value — as a reference into the batch's buffers (`index`). Only those two
 * levels are looked at: what `prepare` returns is flat (see BatchProjection.prepare).
 */
export function packPrepared(prepared: Readonly<Record<string, unknown>>, index: ReadonlyMap<ArrayBufferLike, number>): Record<string, unknown> {
  const pack = (v: unknown): unknown => {
    if (!(v instanceof Uint8Array)) return v
    const i = index.get(v.buffer)
    if (i === undefined) throw new Error('prepared bytes outside the batch\'s buffers')
    return { $b: [i, v.byteOffset, v.byteOffset + v.byteLength] } satisfies Packed
  }
  const out: Record<string, unknown> = {}
  for (const [name, p] of Object.entries(prepared)) {
    if (typeof p !== 'object' || p === null) {
      out[name] = p
      continue
    }
    const o: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(p)) o[k] = Array.isArray(v) ? v.map(pack) : pack(v)
    out[name] = o
  }
  return out
}

/** Undoes `packPrepared` in place, with the batch's buffers. */
export function unpackPrepared(prepared: Record<string, unknown>, buffers: readonly ArrayBuffer[]): void {
  const unpack = (v: unknown): unknown => (isPacked(v) ? new Uint8Array(buffers[v.$b[0]]!, v.$b[1], v.$b[2] - v.$b[1]) : v)
  for (const p of Object.values(prepared)) {
    if (typeof p !== 'object' || p === null) continue
    const o = p as Record<string, unknown>
    for (const k in o) {
      const v = o[k]
      if (Array.isArray(v)) for (let i = 0; i < v.length; i++) v[i] = unpack(v[i])
      else o[k] = unpack(v)
    }
  }
}

const YIELD_EVERY = 64
/** Messages per batch posted to the worker: large enough that posting costs little, small enough to keep both threads busy. */
const BATCH = 256

// The parsing thread's code: parse-worker.ts and what it imports (the contracts, zod, the
// projections), bundled in memory (workerBundle), as the engine starts its workers. Null when it
// cannot be built; the rebuild then parses on its own thread.
const workerCode = () => workerBundle(new URL('./parse-worker.ts', import.meta.url))

/** Whether this installation can parse on a second thread (its worker module is there and loadable). */
export const canReadInWorker = (): boolean => workerCode() !== null

/**
 * Reads ahead of the writer, like `readAhead`, with parsing on a worker thread: at most `limit`
 * messages are waiting or being parsed. Messages come back in the order they were read.
 */
export function readAheadInWorker(source: AsyncIterable<SourceMessage & { readonly data: Uint8Array }>, opts: { limit: number; logger?: Logger }): ReadAhead {
  const code = workerCode()
  if (!code) throw new Error('the parsing thread cannot be built in this installation')
  const worker = new Worker(code, { eval: true, execArgv: [] })
  const queue = new WaitingMessages()
  let failed: Error | undefined
  let sourceDone = false
  let stopped = false
  let room: (() => void) | undefined
  let received = 0
  let posted = 0
  let parsing = 0 // messages posted and not back yet
  const pendingOf = new Map<number, Float64Array>() // batch id → each message's `pending`

  // The batch being filled.
  let data = new Uint8Array(1 << 18)
  let size = 0
  let seqs: number[] = []
  let subjects: string[] = []
  let ends: number[] = []
  let pendings: number[] = []

  const settle = () => {
    if (failed) queue.end(failed)
    else if (sourceDone && parsing === 0 && seqs.length === 0) queue.end(new Error('the stream consumer stopped'))
    else queue.wake()
  }
  const post = () => {
    if (seqs.length === 0 || failed) return
    const batch: RawBatch = { id: posted++, seqs: Float64Array.from(seqs), subjects, ends: Uint32Array.from(ends), data: data.subarray(0, size) }
    pendingOf.set(batch.id, Float64Array.from(pendings))
    parsing += seqs.length
    worker.postMessage(batch, [batch.data.buffer as ArrayBuffer, batch.seqs.buffer as ArrayBuffer, batch.ends.buffer as ArrayBuffer])
    data = new Uint8Array(Math.max(1 << 18, size))
    size = 0
    seqs = []
    subjects = []
    ends = []
    pendings = []
  }

  worker.on('message', (batch: ParsedBatch) => {
    const pending = pendingOf.get(batch.id)!
    pendingOf.delete(batch.id)
    const messages = JSON.parse(batch.json) as Array<WireMessage & { pending?: number }>
    messages.forEach((m, i) => {
      if (m.warning !== undefined) opts.logger?.warn({ seq: m.seq, subject: m.subject, reason: m.warning }, 'skipping an unreadable event')
      if (m.prepared) unpackPrepared(m.prepared, batch.buffers)
      m.pending = pending[i]!
      queue.push(m as ReadMessage)
    })
    parsing -= messages.length
    settle()
  })
  worker.on('error', (err) => {
    failed = err
    settle()
  })
  worker.on('exit', (code) => {
    if (!stopped) failed ??= new Error(`the parsing worker exited (code ${code})`)
    settle()
  })

  /** Messages read and not yet taken: waiting, being parsed, or in the batch being filled. */
  const inHand = () => queue.size + parsing + seqs.length
  const pump = (async () => {
    try {
      for await (const m of source) {
        const bytes = m.data
        if (size + bytes.length > data.length) {
          const bigger = new Uint8Array(Math.max(2 * data.length, size + bytes.length))
          bigger.set(data.subarray(0, size))
          data = bigger
        }
        data.set(bytes, size)
        size += bytes.length
        seqs.push(m.seq)
        subjects.push(m.subject)
        ends.push(size)
        const pending = m.info.pending
        pendings.push(pending)
        // Post a full batch; or what is read when the stream has nothing more for now, or when the
        // writer is waiting for it.
        if (seqs.length >= BATCH || pending === 0 || queue.awaited) post()
        // Let the writer's replies in now and then (see readAhead).
        if (++received % YIELD_EVERY === 0) await new Promise<void>((r) => setImmediate(r))
        if (inHand() >= opts.limit) post() // what is read must reach the parser before the pump waits for room
        while (inHand() >= opts.limit && !stopped && !failed) await new Promise<void>((r) => (room = r))
        if (stopped || failed) break
      }
    } catch (err) {
      failed ??= err instanceof Error ? err : new Error(String(err))
    } finally {
      post()
      sourceDone = true
      settle()
    }
  })()

  return {
    get size() {
      return queue.size
    },
    get first() {
      return queue.first
    },
    get last() {
      return queue.last
    },
    more(withinMs) {
      // Someone waits: what is read goes to the parser now, not when the batch is full.
      if (!queue.ended) post()
      return queue.more(withinMs)
    },
    take(max, upTo) {
      const out = queue.take(max, upTo)
      if (inHand() < opts.limit) {
        room?.()
        room = undefined
      }
      return out
    },
    async stop() {
      stopped = true
      room?.()
      await pump
      await worker.terminate()
    },
  }
}
