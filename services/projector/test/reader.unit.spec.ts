import { describe, expect, it } from 'vitest'
import { readAhead, type ReadAhead, type SourceMessage } from '../src/reader.ts'
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
