import { describe, expect, it } from 'vitest'
import { Bytes, CopyRows, CopyValueError, pgMicros } from '../src/projections/copy-rows.ts'

describe('binary COPY encoding', () => {
  it('turns ISO times into microseconds since 2000-01-01 UTC, offsets and microsecond fractions included, as Postgres reads them', () => {
    expect(pgMicros('2000-01-01T00:00:00Z')).toBe(0)
    expect(pgMicros('2000-01-01T00:00:01.5Z')).toBe(1_500_000)
    expect(pgMicros('2026-01-01T00:00:00.123456Z')).toBe((Date.UTC(2026, 0, 1) - Date.UTC(2000, 0, 1)) * 1000 + 123_456)
    expect(pgMicros('2026-01-01T02:00:00.000001+02:00')).toBe((Date.UTC(2026, 0, 1) - Date.UTC(2000, 0, 1)) * 1000 + 1)
    // Beyond microseconds Postgres rounds.
    expect(pgMicros('2000-01-01T00:00:00.0000015Z')).toBe(2)
    expect(pgMicros('1999-12-31T23:59:59Z')).toBe(-1_000_000)
    expect(pgMicros('yesterday')).toBeUndefined()
    expect(pgMicros('2026-13-01T00:00:00Z')).toBeUndefined()
  })

  it('rejects a value its column cannot hold with a typed error naming the column', () => {
    const rows = new CopyRows({ k: 'int', u: 'uuid', at: 'timestamptz', n: 'float8' })
    expect(() => rows.push([1.5, null, null, null])).toThrow(CopyValueError)
    expect(() => rows.push([2 ** 31, null, null, null])).toThrow(/k \(int\)/)
    expect(() => rows.push([1, 'not-a-uuid', null, null])).toThrow(/u \(uuid\)/)
    expect(() => rows.push([1, null, 'soon', null])).toThrow(/at \(timestamptz\)/)
    expect(() => rows.push([1, null, null, 'many'])).toThrow(/n \(float8\)/)
    expect(() => rows.push([1, 'x', null, null])).toThrow(expect.objectContaining({ code: 'COPY_VALUE_INVALID' }))
  })

  it('keeps every piece it handed out intact when later pieces spill into new buffers', () => {
    const out = new Bytes('buffers', 64)
    const pieces = Array.from({ length: 50 }, (_, i) => {
      out.append(new Uint8Array(i % 7 === 0 ? 100 : 5).fill(i))
      return out.piece()
    })
    pieces.forEach((p, i) => expect([...p]).toEqual(new Array(i % 7 === 0 ? 100 : 5).fill(i)))
    const buffers = out.release()
    expect(new Set(pieces.map((p) => p.buffer)).size).toBe(buffers.length)
    for (const p of pieces) expect(buffers).toContain(p.buffer)
  })
})
