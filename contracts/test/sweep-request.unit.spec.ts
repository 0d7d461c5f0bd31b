import { describe, expect, it } from 'vitest'
import { gridPairs, parseEvent, SweepRequestBody } from '../src/index.ts'

const seed = { ticker: 'BTC-USD', fast_range: [10, 20], slow_range: [20, 30], step: 5, strategy_type: 'SMA' }
const fields = (body: unknown) => {
  const r = SweepRequestBody.safeParse(body)
  return r.success ? [] : r.error.issues.map((i) => (i.code === 'unrecognized_keys' ? i.keys.join(',') : String(i.path[0] ?? '')))
}

describe('sweep request', () => {
  it('accepts the seed body exactly and fills the documented defaults', () => {
    const r = SweepRequestBody.parse(seed)
    expect(r).toMatchObject({ ...seed, min_trades: 50, fee: 0.001, init_cash: 1000, interval: '1d', priority: 5, max_attempts: 3 })
  })

  it.each([
    ['a reversed fast range', { ...seed, fast_range: [30, 10] }, 'fast_range'],
    ['fast start not below slow start', { ...seed, fast_range: [20, 25], slow_range: [20, 30] }, 'fast_range'],
    ['a missing ticker', { ...seed, ticker: undefined }, 'ticker'],
    ['a 500-character ticker', { ...seed, ticker: 'A'.repeat(500) }, 'ticker'],
    ['a string step', { ...seed, step: '5' }, 'step'],
    ['an unknown strategy', { ...seed, strategy_type: 'RSI' }, 'strategy_type'],
    ['an unknown field', { ...seed, colour: 'red' }, 'colour'],
  ])('names the bad field for %s', (_name, body, field) => {
    expect(fields(body)).toContain(field)
  })

  it('names every bad field at once', () => {
    expect(fields({ ...seed, ticker: 7, step: 'x', strategy_type: 'RSI' })).toEqual(expect.arrayContaining(['ticker', 'step', 'strategy_type']))
  })

  it('builds the seed grid: fast 10,15,20 × slow 20,25,30 with fast < slow', () => {
    expect(gridPairs([10, 20], [20, 30], 5)).toEqual([
      [10, 20], [10, 25], [10, 30], [15, 20], [15, 25], [15, 30], [20, 25], [20, 30],
    ])
  })
})

describe('event versions', () => {
  it('upcasts SweepRequested v1 (no strategy, no options) to the current version', () => {
    const v1 = {
      id: 'SweepRequested:x',
      type: 'SweepRequested',
      version: 1,
      data: { job_id: '11111111-1111-4111-8111-111111111111', ticker: 'ETH-USD', fast_range: [5, 10], slow_range: [20, 40] },
      metadata: { tenantId: 'local', correlationId: 'c', causationId: 'c', occurredAt: '2025-01-01T00:00:00.000Z' },
    }
    const e = parseEvent(v1)
    expect(e.type).toBe('SweepRequested')
    if (e.type !== 'SweepRequested') return
    expect(e.version).toBe(2)
    expect(e.data.params).toMatchObject({ ticker: 'ETH-USD', strategy_type: 'SMA', step: 1, min_trades: 50, fast_range: [5, 10] })
  })

  it('rejects an envelope whose data does not fit its type', () => {
    expect(() => parseEvent({ id: 'x', type: 'SweepStarted', version: 1, data: {}, metadata: {} })).toThrow(/event/)
  })
})
