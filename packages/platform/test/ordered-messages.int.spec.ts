import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, isolatedEnv, type TestEnv } from '../../../test/support/env.ts'
import { orderedMessages, readCheck } from '../src/nats.ts'

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

/** A program that publishes argv[3] messages to subject argv[2] on server argv[1] with JetStream acks. */
const APPEND = `
const { connect } = require('nats')
const [url, subject, n] = process.argv.slice(1)
connect({ servers: url }).then(async (nc) => {
  const js = nc.jetstream()
  for (let i = 0; i < Number(n); i++) await js.publish(subject, JSON.stringify({ burst: i }))
  await nc.close()
})`

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

  it('loses nothing a pull delivered while the event loop was blocked past the pull\'s end', { timeout: 20_000 }, async () => {
    // A burst arrives while a pull is open and the reader's event loop is busy (a batch being folded,
    // a long GC) until after the pull has expired. nats.js ends a fetch with a timer of its own: when
    // the loop gets free, timers run before the socket is read, so that timer closes the fetch's
    // subscription and the messages waiting in the socket go nowhere — with no acks, for good. Nothing
    // told the reader until a later message showed the gap; now the short pull's end does.
    const subject = `${env.names.eventSubjects.slice(0, -1)}t.sweep.burst`
    const last = (await (await env.nc.jetstreamManager()).streams.info(env.names.eventsStream)).state.last_seq
    const opened = Date.now()
    const msgs = orderedMessages(env.nc, { stream: env.names.eventsStream, filterSubject: env.names.eventSubjects, startSeq: last, batch: 100, expires: 1000 })
    const it = msgs[Symbol.asyncIterator]()
    expect((await it.next()).value?.seq).toBe(last)
    const waiting = it.next() // the next pull is open, with nothing to deliver yet
    await new Promise((r) => setTimeout(r, 150))
    await new Promise((r) => setImmediate(r))
    // Another process appends 40 events while this one is blocked (spawnSync), and stays busy until
    // well after the pull's end (1 s; nats.js' own timer at 1.05 s).
    const appended = spawnSync(process.execPath, ['-e', APPEND, env.env.NATS_URL!, subject, '40'], { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8' })
    expect(appended.stderr).toBe('')
    while (Date.now() - opened < 1600);
    const seqs: Array<number | undefined> = []
    const stalled = () => new Promise<'stalled'>((r) => setTimeout(() => r('stalled'), 8000))
    for (let next = waiting; seqs.length < 40; next = it.next()) {
      const m = await Promise.race([next, stalled()])
      if (m === 'stalled') break
      seqs.push(m.value?.seq)
    }
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => last + 1 + i))
    await msgs.close()
    await it.return?.()
  })

  it('says reading is failing, since its first failure, while its stream is missing, and clears once a message is read', { timeout: 20_000 }, async () => {
    const jsm = await env.nc.jetstreamManager()
    const stream = `${env.names.eventsStream}_LATE`
    const subject = `late_${env.namespace}.x`
    const seen: Array<number | undefined> = []
    const msgs = orderedMessages(env.nc, { stream, filterSubject: subject, startSeq: 1, batch: 10, onError: () => seen.push(msgs.failing?.since) })
    const it = msgs[Symbol.asyncIterator]()
    const first = it.next()
    try {
      expect(msgs.failing).toBeUndefined()
      await eventually(async () => (seen.length >= 2 ? true : undefined), 10_000)
      // Retried (250 ms, then 500 ms), and still dated from the first failure.
      expect(seen[0]).toBeTypeOf('number')
      expect(seen[1]).toBe(seen[0])
      expect(String(msgs.failing?.error)).toMatch(/stream not found/i)
      await expect(readCheck(msgs, stream, 0)()).rejects.toMatchObject({ code: 'READ_FAILING', message: expect.stringContaining(stream) })
      await expect(readCheck(msgs, stream, 60_000)()).resolves.toBeUndefined()

      await jsm.streams.add({ name: stream, subjects: [subject] })
      await env.nc.jetstream().publish(subject, JSON.stringify({ late: true }))
      expect((await first).value?.seq).toBe(1)
      expect(msgs.failing).toBeUndefined()
      await expect(readCheck(msgs, stream, 0)()).resolves.toBeUndefined()
    } finally {
      await msgs.close()
      await it.return?.()
      await jsm.streams.delete(stream).catch(() => false)
    }
  })
})
