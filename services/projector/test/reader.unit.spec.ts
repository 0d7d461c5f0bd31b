import { describe, expect, it } from 'vitest'
import { nextBatch, readAhead, type ReadAhead, type SourceMessage } from '../src/reader.ts'
import { readAheadInWorker } from '../src/reader-worker.ts'
import { lifecycle } from './fixtures.ts'

const JOB = '6f1f7a3e-0000-4000-8000-000000000001'

/** A source of messages like an ordered consumer's: the stream holds `total` messages. */
function source(payloads: string[], opts: { end?: boolean } = {}): AsyncIterable<SourceMessage & { data: Uint8Array }> {
  return {
    async *[Symbol.asyncIterator]() {
      for (const [i, p] of payloads.entries())
        yield {
          seq: i + 1,
          subject: `t.evt.acme.sweep.${JOB}`,
          info: { pending: payloads.length - i - 1 },
          json: <T>() => JSON.parse(p) as T,
          data: new TextEncoder().encode(p),
        }
      if (!opts.end) await new Promise(() => {}) // an open stream: nothing more arrives
    },
  }
}

const events = lifecycle(JOB, 'acme', Date.UTC(2026, 0, 1)).map((e) => JSON.stringify(e))

// The same behaviour parsing on this thread (the projector) and on a worker thread (a rebuild).
describe.each([
  ['readAhead', readAhead],
  ['readAheadInWorker', readAheadInWorker],
] as const)('%s', (_, readAhead: (s: ReturnType<typeof source>, o: { limit: number }) => ReadAhead) => {
  it('hands out parsed messages in log order, at most `max` at a time and none beyond `upTo`', async () => {
    const r = readAhead(source(events), { limit: 100 })
    while (r.size < events.length) await r.more()
    expect(r.take(2).map((m) => [m.seq, m.event?.type])).toEqual([
      [1, 'SweepRequested'],
      [2, 'SweepDispatched'],
    ])
    expect(r.take(10, 3).map((m) => m.seq)).toEqual([3])
    expect(r.first?.seq).toBe(4)
    expect(r.take(10).map((m) => [m.seq, m.pending])).toEqual([
      [4, 1],
      [5, 0],
    ])
  })

  it('keeps an unreadable message (not JSON, or not an event) as null instead of stopping', async () => {
    const r = readAhead(source(['{not json', JSON.stringify({ hello: 'world' }), events[0]!]), { limit: 100 })
    while (r.size < 3) await r.more()
    expect(r.take(3).map((m) => m.event?.type ?? null)).toEqual([null, null, 'SweepRequested'])
  })

  it('stops reading ahead at `limit` messages until some are taken', async () => {
    const r = readAhead(source(events), { limit: 2 })
    while (r.size < 2) await r.more()
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(r.size).toBe(2)
    r.take(2)
    while (r.size < 2) await r.more()
    expect(r.take(5).map((m) => m.seq)).toEqual([3, 4])
  })

  it('rejects a wait for more once the source has ended', async () => {
    const r = readAhead(source(events.slice(0, 1), { end: true }), { limit: 10 })
    while (r.size < 1) await r.more()
    expect(r.take(5)).toHaveLength(1)
    await expect(r.more()).rejects.toThrow('stopped')
  })

  it('gives up a wait for more after `withinMs` when nothing arrives, and says whether more came', async () => {
    const r = readAhead(source(events.slice(0, 2)), { limit: 10 })
    while (r.size < 2) await r.more()
    const at = Date.now()
    expect(await r.more(60)).toBe(false)
    expect(Date.now() - at).toBeGreaterThanOrEqual(50)
    expect(r.take(5).map((m) => m.seq)).toEqual([1, 2])
  })
})

/** A live stream: a message every `everyMs`, each delivered while the stream says `pending` more wait. */
function trickle(everyMs: number, pending: number): AsyncIterable<SourceMessage> {
  return {
    async *[Symbol.asyncIterator]() {
      for (let i = 0; ; i++) {
        await new Promise((r) => setTimeout(r, everyMs))
        yield { seq: i + 1, subject: `t.evt.acme.sweep.${JOB}`, info: { pending }, json: <T>() => JSON.parse(events[i % events.length]!) as T }
      }
    },
  }
}

describe('nextBatch (the live projector\'s batches)', () => {
  it('commits a batch LINGER after its first event under a steady trickle the stream keeps calling pending — not once 1,000 have come', async () => {
    const r = readAhead(trickle(5, 3), { limit: 2000 })
    try {
      const started = performance.now()
      const batch = await nextBatch(r, 1000, 100)
      const took = performance.now() - started
      // A batch of ~20 after ~105 ms; filling 1,000 at one per 5 ms would take 5 s.
      expect(batch.length).toBeGreaterThan(0)
      expect(batch.length).toBeLessThan(200)
      expect(took).toBeLessThan(1000)
      expect(batch.map((m) => m.seq)).toEqual(batch.map((_, i) => i + 1))
    } finally {
      await r.stop()
    }
  })

  it('returns at once what is there when the stream holds nothing more, and a full batch without waiting', async () => {
    // The last of the three says nothing is pending: no linger (a lone event is written at once).
    const idle = readAhead(source(events.slice(0, 3), { end: true }), { limit: 100 })
    const started = performance.now()
    expect((await nextBatch(idle, 1000, 60_000)).map((m) => m.seq)).toEqual([1, 2, 3])
    expect(performance.now() - started).toBeLessThan(30_000)
    await idle.stop()
    const busy = readAhead(source(events, { end: true }), { limit: 100 })
    expect((await nextBatch(busy, 2, 60_000)).map((m) => m.seq)).toEqual([1, 2])
    expect((await nextBatch(busy, 2, 60_000)).map((m) => m.seq)).toEqual([3, 4])
    await busy.stop()
  })
})
