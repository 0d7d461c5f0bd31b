import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, type NatsConnection } from 'nats'
import { infraUrls } from '../../../test/support/env.ts'
import { connectNats } from '../src/nats.ts'

// connectNats makes a connection write once per turn of the event loop (writeOncePerTurn): what a
// chain of awaits publishes goes out in one socket write, and nothing is lost or reordered.

/** Counts the socket writes of a connection (its transport's `send`). */
function countWrites(nc: NatsConnection): () => number {
  const transport = (nc as unknown as { protocol: { transport: { send(frame: Uint8Array): void } } }).protocol.transport
  const send = transport.send.bind(transport)
  let writes = 0
  transport.send = (frame) => {
    writes++
    send(frame)
  }
  return () => writes
}

async function publishAcrossAwaits(nc: NatsConnection, subject: string, n: number) {
  for (let i = 0; i < n; i++) {
    nc.publish(subject, String(i))
    await Promise.resolve()
  }
}

let batched: NatsConnection
let plain: NatsConnection
beforeAll(async () => {
  batched = await connectNats(infraUrls().NATS_URL, 'writes-test')
  plain = await connect({ servers: infraUrls().NATS_URL })
})
afterAll(async () => {
  await batched?.close()
  await plain?.close()
})

describe('connectNats writes', () => {
  it('sends what a chain of awaits publishes in one turn in one socket write, in order and complete', async () => {
    const subject = `writes.${process.pid}.${Date.now()}`
    const got: string[] = []
    const sub = plain.subscribe(subject, { callback: (_e, m) => got.push(m.string()) })
    await plain.flush()
    const writes = countWrites(batched)
    await publishAcrossAwaits(batched, subject, 50)
    await batched.flush()
    await new Promise((r) => setTimeout(r, 100))
    sub.unsubscribe()
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => String(i)))
    // The 50 publishes and the flush's PING: at most two writes (a plain connection makes about 50).
    expect(writes()).toBeLessThanOrEqual(2)
  })

  it('still answers requests (a request and its reply cross turns)', async () => {
    const subject = `writes.req.${process.pid}.${Date.now()}`
    const sub = plain.subscribe(subject, { callback: (_e, m) => m.respond(new TextEncoder().encode(`re:${m.string()}`)) })
    await plain.flush()
    const replies = await Promise.all([1, 2, 3].map((i) => batched.request(subject, String(i), { timeout: 2000 })))
    sub.unsubscribe()
    expect(replies.map((r) => r.string())).toEqual(['re:1', 're:2', 're:3'])
  })
})

describe('connectNats close', () => {
  it('sends what was published in the same turn before closing', async () => {
    const subject = `writes.close.${process.pid}.${Date.now()}`
    const got: string[] = []
    const sub = plain.subscribe(subject, { callback: (_e, m) => got.push(m.string()) })
    await plain.flush()
    const nc = await connectNats(infraUrls().NATS_URL, 'writes-close-test')
    nc.publish(subject, 'last words')
    await nc.close()
    await new Promise((r) => setTimeout(r, 100))
    sub.unsubscribe()
    expect(got).toEqual(['last words'])
  })
})
