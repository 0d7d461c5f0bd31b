import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, isolatedEnv, type TestEnv } from '../../../test/support/env.ts'
import { orderedMessages } from '../src/nats.ts'

// orderedMessages reads a stream in order with bounded read-ahead: a slow reader must not have the
// backlog delivered into its memory (nats.js's ordered consume() did), and nothing may be skipped.

const TOTAL = 600
let env: TestEnv
beforeAll(async () => {
  env = await isolatedEnv('ordered')
  const js = env.nc.jetstream()
  await Promise.all(Array.from({ length: TOTAL }, (_, i) => js.publish(`${env.names.eventSubjects.slice(0, -1)}t.sweep.j${i % 7}`, JSON.stringify({ i }))))
})
afterAll(async () => {
  await env?.cleanup()
})

/** How far the server has delivered to the stream's consumers (the highest stream sequence sent). */
async function deliveredUpTo(): Promise<number> {
  const jsm = await env.nc.jetstreamManager()
  const all = await jsm.consumers.list(env.names.eventsStream).next()
  return Math.max(0, ...all.map((c) => c.delivered.stream_seq))
}

describe('orderedMessages', () => {
  it('yields every message in stream order from the start sequence, none skipped', async () => {
    const msgs = orderedMessages(env.nc, { stream: env.names.eventsStream, filterSubject: env.names.eventSubjects, startSeq: 101, batch: 64 })
    const seqs: number[] = []
    for await (const m of msgs) {
      seqs.push(m.seq)
      if (m.seq === TOTAL) break
    }
    expect(seqs).toEqual(Array.from({ length: TOTAL - 100 }, (_, i) => i + 101))
  })

  it('has at most one batch delivered ahead of a reader that stops taking messages', async () => {
    const msgs = orderedMessages(env.nc, { stream: env.names.eventsStream, filterSubject: env.names.eventSubjects, startSeq: 1, batch: 50 })
    const it = msgs[Symbol.asyncIterator]()
    for (let i = 0; i < 10; i++) await it.next()
    await new Promise((r) => setTimeout(r, 300))
    expect(await deliveredUpTo()).toBeLessThanOrEqual(10 + 50)
    // …and goes on where it was once the reader takes again.
    for (let i = 11; i <= 120; i++) expect((await it.next()).value?.seq).toBe(i)
    await msgs.close()
    await it.return?.()
    await eventually(async () => ((await deliveredUpTo()) === 0 ? true : undefined), 5000)
  })
})
