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

describe('binary COPY encoding shortcuts', () => {
  const general = (iso: string) => {
    const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(Z)$/.exec(iso)
    if (!m) return undefined
    const ms = Date.parse(`${m[1]}${m[3]}`)
    return Number.isNaN(ms) ? undefined : (ms - Date.UTC(2000, 0, 1)) * 1000 + Number((m[2] ?? '').padEnd(6, '0'))
  }

  it('reads a toISOString time as the general ISO path does, hour 24 and impossible dates included', () => {
    for (let i = 0; i < 2000; i++) {
      const iso = new Date(Math.floor(Math.random() * 4e12) - 1e12).toISOString()
      expect(pgMicros(iso)).toBe(general(iso))
    }
    for (const iso of ['2025-12-31T24:00:00.000Z', '2025-12-31T24:00:00.001Z', '2026-02-30T00:00:00.000Z', '2025-13-01T00:00:00.000Z', '2025-12-31T23:60:00.000Z'])
      expect(pgMicros(iso)).toBe(general(iso))
    expect(pgMicros('2025-12-31T24:00:00.001Z')).toBe(general('2026-01-01T00:00:00.001Z'))
  })

  it('writes text fields as UTF-8 whatever their length or characters', () => {
    const values = ['', 'ascii', 'é and ü', '🙂', 'x'.repeat(64), 'y'.repeat(65), `${'z'.repeat(63)}é`]
    const rows = new CopyRows({ t: 'text' })
    for (const v of values) rows.push([v])
    const data = Buffer.concat(rows.copy('t').copy!.map((c) => Buffer.from(c)))
    let at = 19
    for (const v of values) {
      expect(data.readInt16BE(at)).toBe(1)
      const n = data.readInt32BE(at + 2)
      expect(data.subarray(at + 6, at + 6 + n).toString('utf8')).toBe(v)
      expect(n).toBe(Buffer.byteLength(v))
      at += 6 + n
    }
  })
})
