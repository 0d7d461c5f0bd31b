import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { connect, ErrorCode, NatsError, type NatsConnection } from 'nats'
import { infraUrls } from '../../../test/support/env.ts'
import { connectNats } from '../src/nats.ts'

// connectNats gives single-reply requests a resolver that does not build the NatsError nats.js
// throws away after every reply (repliesWithoutCancelError); requests still end as they did.

/** How many `Cancelled` NatsErrors the client builds while `fn` runs. */
async function cancelErrorsDuring(fn: () => Promise<unknown>): Promise<number> {
  const spy = vi.spyOn(NatsError, 'errorForCode')
  try {
    await fn()
    return spy.mock.calls.filter(([code]) => code === (ErrorCode.Cancelled as string)).length
  } finally {
    spy.mockRestore()
  }
}

/** The requests a connection is still waiting on. */
function openRequests(nc: NatsConnection): number {
  return (nc as unknown as { protocol: { muxSubscriptions: { size(): number } } }).protocol.muxSubscriptions.size()
}

let patched: NatsConnection
let plain: NatsConnection
const subject = `requests.${process.pid}.${Date.now()}`
beforeAll(async () => {
  patched = await connectNats(infraUrls().NATS_URL, 'requests-test')
  plain = await connect({ servers: infraUrls().NATS_URL })
  plain.subscribe(`${subject}.echo`, { callback: (_e, m) => m.respond(new TextEncoder().encode(`re:${m.string()}`)) })
  plain.subscribe(`${subject}.slow`, { callback: (_e, m) => setTimeout(() => m.respond(), 500) })
  await plain.flush()
})
afterEach(() => vi.restoreAllMocks())
afterAll(async () => {
  await patched?.close()
  await plain?.close()
})

describe('connectNats requests', () => {
  it('resolve with their replies without building an error for each (a plain connection builds one per reply)', async () => {
    const ask = (nc: NatsConnection) => Promise.all([1, 2, 3].map((i) => nc.request(`${subject}.echo`, String(i), { timeout: 2000 })))
    let replies: string[] = []
    const built = await cancelErrorsDuring(async () => {
      replies = (await ask(patched)).map((r) => r.string())
    })
    expect(replies).toEqual(['re:1', 're:2', 're:3'])
    expect(built).toBe(0)
    expect(await cancelErrorsDuring(() => ask(plain))).toBe(3)
    expect(openRequests(patched)).toBe(0)
  })

  it('still fail with no responders when nobody listens, and leave the request table', async () => {
    const err = await patched.request(`${subject}.nobody`, 'x', { timeout: 2000 }).catch((e: unknown) => e)
    expect((err as NatsError).code).toBe(ErrorCode.NoResponders)
    expect(openRequests(patched)).toBe(0)
  })

  it('still time out with the TIMEOUT code, and leave the request table', async () => {
    const err = await patched.request(`${subject}.slow`, 'x', { timeout: 100 }).catch((e: unknown) => e)
    expect((err as NatsError).code).toBe(ErrorCode.Timeout)
    expect(openRequests(patched)).toBe(0)
  })

  it('still serve JetStream publishes (a request per publish)', async () => {
    const jsm = await patched.jetstreamManager()
    const stream = `REQTEST_${process.pid}_${Date.now()}`
    await jsm.streams.add({ name: stream, subjects: [`${subject}.js`] })
    try {
      const acks = await Promise.all([1, 2, 3].map((i) => patched.jetstream().publish(`${subject}.js`, String(i))))
      expect(acks.map((a) => a.seq).sort()).toEqual([1, 2, 3])
      expect(openRequests(patched)).toBe(0)
    } finally {
      await jsm.streams.delete(stream)
    }
  })
})
