import { randomUUID } from 'node:crypto'
import { InvalidEventError, parseEvent } from '@zixly/contracts'
import { describe, expect, it } from 'vitest'
import { parseData } from '../src/parse.ts'
import { failedAttempt, lifecycle } from './fixtures.ts'

const events = () => {
  const id = randomUUID()
  return [...lifecycle(id, 'tenant-a', Date.UTC(2026, 0, 1)), failedAttempt(id, 'tenant-a', Date.UTC(2026, 0, 2), 1)]
}
const errorOf = (fn: () => unknown) => {
  try {
    fn()
  } catch (err) {
    return err
  }
  throw new Error('expected an error')
}

describe('parsing an event of the log', () => {
  it('gives exactly what parseEvent gives for every current event type, unknown keys stripped', () => {
    for (const e of events()) {
      const withExtra = { ...e, extra: 1, data: { ...e.data, extra: 2 }, metadata: { ...e.metadata, extra: 3 } }
      for (const input of [e, withExtra]) {
        const got = parseData(structuredClone(input))
        expect(got).toStrictEqual(parseEvent(structuredClone(input)))
        expect(Object.keys(got)).toEqual(Object.keys(parseEvent(structuredClone(input))))
      }
    }
  })

  it('upcasts an older version as parseEvent does', () => {
    const e = events()[0]!
    const v1 = { ...e, version: 1, data: { job_id: e.data.job_id, ticker: 'BTC-USD', fast_range: [5, 10], slow_range: [20, 30] } }
    expect(parseData(structuredClone(v1))).toStrictEqual(parseEvent(structuredClone(v1)))
    expect(parseData(structuredClone(v1)).version).toBe(2)
  })

  it("rejects an invalid event with parseEvent's error", () => {
    const [requested, dispatched] = events()
    for (const bad of [
      { ...dispatched!, data: { ...dispatched!.data, job_id: 'not-a-uuid' } },
      { ...requested!, metadata: { ...requested!.metadata, occurredAt: 'yesterday' } },
      { ...dispatched!, type: 'NoSuchEvent' },
    ]) {
      const err = errorOf(() => parseData(structuredClone(bad)))
      expect(err).toBeInstanceOf(InvalidEventError)
      expect((err as Error).message).toBe((errorOf(() => parseEvent(structuredClone(bad))) as Error).message)
    }
  })
})
