import { describe, expect, it } from 'vitest'
import { peekEventType } from '../src/peek.ts'

const bytes = (s: string) => new TextEncoder().encode(s)

describe('peekEventType', () => {
  it('reads the top-level type of an event as written', () => {
    const e = { id: 'SweepStarted:abc:1', type: 'SweepStarted', version: 1, data: { job_id: 'x', type: 'nested' }, metadata: {} }
    expect(peekEventType(bytes(JSON.stringify(e)))).toBe('SweepStarted')
  })
  it('skips a "type" key in nested objects and strings before the envelope type', () => {
    const s = '{"data":{"type":"SweepStarted","x":["{\\"type\\":1"]},"note":"\\"type\\":\\"A\\"","type":"SweepCompleted"}'
    expect(peekEventType(bytes(s))).toBe('SweepCompleted')
    expect(JSON.parse(s).type).toBe('SweepCompleted')
  })
  it('answers null (parse in full) when unsure', () => {
    expect(peekEventType(bytes('[1,2]'))).toBeNull()
    expect(peekEventType(bytes('{"id":"x","data":{}}'))).toBeNull()
    expect(peekEventType(bytes(`{"id":"${'x'.repeat(600)}","type":"SweepCompleted"}`))).toBeNull()
    expect(peekEventType(bytes('{"type":"Sweep Completed"}'))).toBeNull()
    expect(peekEventType(bytes('{"type":7}'))).toBeNull()
    expect(peekEventType(bytes('not json'))).toBeNull()
  })
})
