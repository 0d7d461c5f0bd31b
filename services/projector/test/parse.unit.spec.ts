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

  it('accepts and rejects exactly what parseEvent does at the bounds of each field', () => {
    const [, dispatched, started, , completed] = events()
    const progressed = { ...dispatched!, id: 'p1', type: 'SweepProgressed', data: { job_id: dispatched!.data.job_id, attempt: 1, done: 3, total: 30 } }
    const variants: unknown[] = []
    const vary = (e: Record<string, unknown>, path: string[], values: unknown[]) => {
      for (const v of values) {
        const copy = structuredClone(e)
        let at = copy
        for (const k of path.slice(0, -1)) at = at[k] as Record<string, unknown>
        if (v === 'absent') delete at[path.at(-1)!]
        else at[path.at(-1)!] = v
        variants.push(copy)
      }
    }
    for (const e of [dispatched!, started!, progressed] as unknown as Array<Record<string, unknown>>) {
      vary(e, ['data', 'attempt'], [0, 1, 2.5, '1', 2 ** 53, -1, null, 'absent'])
      vary(e, ['data', 'job_id'], ['00000000-0000-0000-0000-000000000000', 'ABCDEF01-2345-4678-89AB-CDEF01234567', '1234', 7])
      vary(e, ['id'], ['', 'x'.repeat(200), 'x'.repeat(201)])
      vary(e, ['version'], [2, '1'])
      vary(e, ['metadata', 'tenantId'], ['a.b', 'x'.repeat(64), 'x'.repeat(65), ''])
      vary(e, ['metadata', 'occurredAt'], ['2024-02-29T00:00:00.000Z', '2026-02-29T00:00:00.000Z', '2026-01-01T00:00:00Z', '2026-01-01T00:00Z', '2026-01-01T00:00:00+01:00'])
      vary(e, ['metadata', 'traceparent'], ['00-abc', 'x'.repeat(101), 3])
      vary(e, ['metadata'], [null, [], 'm'])
      vary(e, ['data'], [null, []])
    }
    vary(dispatched as unknown as Record<string, unknown>, ['data', 'command_id'], ['', 'c'.repeat(200), 'c'.repeat(201)])
    vary(dispatched as unknown as Record<string, unknown>, ['data', 'deadline_at'], ['2026-01-01T00:00:00.000Z', 'soon', null])
    vary(started as unknown as Record<string, unknown>, ['data', 'executor_id'], ['', 'e'.repeat(201)])
    vary(progressed, ['data', 'done'], [0, -1, 1e300])
    const best = (completed!.data as { best: Record<string, unknown> }).best
    vary(completed as unknown as Record<string, unknown>, ['data', 'best'], [null, 'absent', { ...best, extra: 1 }, { ...best, score: '1' }, { ...best, profit_factor: null }, { ...best, profit_factor: 2 }])
    vary(completed as unknown as Record<string, unknown>, ['data', 'best', 'rank_for_ticker'], [null, 0, 1, 1.5, 'absent'])
    vary(completed as unknown as Record<string, unknown>, ['data', 'best', 'max_drawdown_duration'], [null, 3, ''])
    vary(completed as unknown as Record<string, unknown>, ['data', 'results_uri'], [null, 'absent', 'u'.repeat(2001)])
    vary(completed as unknown as Record<string, unknown>, ['data', 'duration_ms'], [0, -1, 0.5])
    expect(variants.length).toBeGreaterThan(100)
    for (const v of variants) {
      const expected = (() => {
        try {
          return parseEvent(structuredClone(v))
        } catch (err) {
          return { error: (err as Error).message }
        }
      })()
      const got = (() => {
        try {
          return parseData(structuredClone(v))
        } catch (err) {
          return { error: (err as Error).message }
        }
      })()
      expect(got).toStrictEqual(expected)
    }
  })
})
