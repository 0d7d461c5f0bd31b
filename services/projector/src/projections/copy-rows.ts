import type { ColumnTypes } from './sql.ts'
import type { Statement } from './types.ts'

// Rows for `COPY table (…) FROM STDIN WITH (FORMAT binary)`: the bulk path for append-only tables
// (results, timeline), where a row is never updated and the caller knows it cannot exist yet.
//
// Binary rather than text: profiling a rebuild showed number → text formatting (about 45 numbers per
// event) and the strings it allocates among the largest costs in Node, and float parsing among
// Postgres'. In binary a float8 is its 8 bytes, an int its 4, a uuid its 16, a timestamp its
// microseconds: nothing is formatted or parsed, and rows are written into a few large buffers
// instead of one string per field. Pure apart from the buffers it fills.

const EMPTY = Buffer.alloc(0)

/**
 * Byte pieces written one after another into large buffers. A piece never straddles two buffers, so
 * the view `piece()` returns stays valid: a buffer is never written again once left. What is kept of
 * the buffers left behind depends on the use: `data` keeps everything written, in order, for `take`
 * (COPY data); `buffers` keeps the ArrayBuffers behind the pieces for `release` (to transfer them to
 * another thread); `none` keeps nothing (the pieces' views keep what is still in use).
 */
export class Bytes {
  private buf: Buffer
  /** Next byte to write. */
  pos = 0
  private start = 0
  private readonly done: Buffer[] = []
  private readonly used: ArrayBuffer[] = []

  constructor(
    private readonly keep: 'data' | 'buffers' | 'none' = 'none',
    private readonly size = 1 << 18,
  ) {
    this.buf = EMPTY
  }

  /** Makes room for `n` more bytes of the current piece and returns the buffer to write them into at `pos`. */
  room(n: number): Buffer {
    if (this.pos + n <= this.buf.length) return this.buf
    const piece = this.pos - this.start
    // allocUnsafeSlow: a buffer of its own, never a slice of Node's shared pool, so it can be transferred.
    const next = Buffer.allocUnsafeSlow(Math.max(this.size, 2 * (piece + n)))
    this.buf.copy(next, 0, this.start, this.pos)
    if (this.keep === 'data' && this.start > 0) this.done.push(this.buf.subarray(0, this.start))
    if (this.keep === 'buffers' && this.start > 0) this.used.push(this.buf.buffer as ArrayBuffer)
    this.buf = next
    this.pos = piece
    this.start = 0
    return next
  }

  /** Bytes written into the current piece so far. */
  get length(): number {
    return this.pos - this.start
  }

  /** Ends the current piece and returns it (a view into a buffer that is never written again). */
  piece(): Buffer {
    const v = this.buf.subarray(this.start, this.pos)
    this.start = this.pos
    return v
  }

  /** Ends the current piece without a view of it (rows of COPY data, which may be cut anywhere). */
  mark(): void {
    this.start = this.pos
  }

  /** Appends bytes as they are (part of the current piece). */
  append(b: Uint8Array): void {
    this.room(b.length).set(b, this.pos)
    this.pos += b.length
  }

  int16(v: number): void {
    this.pos = this.room(2).writeInt16BE(v, this.pos)
  }

  int32(v: number): void {
    this.pos = this.room(4).writeInt32BE(v, this.pos)
  }

  /** A whole number as a signed 64-bit integer (the number itself, as exact as JavaScript holds it). */
  int64(v: number): void {
    const b = this.room(8)
    const hi = Math.floor(v / 0x1_0000_0000)
    b.writeInt32BE(hi, this.pos)
    b.writeUInt32BE(v - hi * 0x1_0000_0000, this.pos + 4)
    this.pos += 8
  }

  /** Everything written since the last `take` (pieces included), in order; the buffers behind it are not written again. */
  take(): Buffer[] {
    const out = [...this.done]
    if (this.pos > 0) out.push(this.buf.subarray(0, this.pos))
    this.restart()
    return out
  }

  /** The ArrayBuffers behind every piece handed out since the last `release` (to transfer them to another thread), and starts a fresh buffer. */
  release(): ArrayBuffer[] {
    const out = [...this.used]
    if (this.pos > 0) out.push(this.buf.buffer as ArrayBuffer)
    this.restart()
    return out
  }

  /** Forgets every buffer written so far; the next byte goes into a new one. */
  private restart(): void {
    this.done.length = 0
    this.used.length = 0
    this.buf = EMPTY
    this.pos = 0
    this.start = 0
  }
}

/** Why a value cannot be written to a column: a typed error, so a bad row fails its batch with a clear reason. */
export class CopyValueError extends Error {
  readonly code = 'COPY_VALUE_INVALID'
  constructor(column: string, type: string, value: unknown) {
    super(`cannot write ${JSON.stringify(value)} to ${column} (${type})`)
    this.name = 'CopyValueError'
  }
}

const PG_EPOCH_MS = Date.UTC(2000, 0, 1)
const ISO = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const isDigit = (c: number) => c >= 48 && c <= 57
/** Whether `s` is `YYYY-MM-DDTHH:MM:SS.mmmZ`, as `Date.prototype.toISOString` writes every time of the log. */
function isMillisUtc(s: string): boolean {
  if (s.length !== 24 || s.charCodeAt(23) !== 90 /* Z */ || s.charCodeAt(19) !== 46 /* . */) return false
  // Hour 24 (`Date.parse` takes only 24:00:00.000; the general path reads the fraction apart).
  if (s.charCodeAt(11) === 50 /* 2 */ && s.charCodeAt(12) === 52 /* 4 */) return false
  for (let i = 0; i < 23; i++) {
    const c = s.charCodeAt(i)
    if (i === 4 || i === 7) {
      if (c !== 45 /* - */) return false
    } else if (i === 10) {
      if (c !== 84 /* T */) return false
    } else if (i === 13 || i === 16) {
      if (c !== 58 /* : */) return false
    } else if (i !== 19 && !isDigit(c)) return false
  }
  return true
}

/** Microseconds since 2000-01-01 UTC (Postgres' timestamp) of an ISO 8601 time; fractions beyond microseconds round, as Postgres' text input does. */
export function pgMicros(iso: string): number | undefined {
  if (isMillisUtc(iso)) {
    const ms = Date.parse(iso)
    return Number.isNaN(ms) ? undefined : (ms - PG_EPOCH_MS) * 1000
  }
  const m = ISO.exec(iso)
  if (!m) return undefined
  const ms = Date.parse(`${m[1]}${m[3]}`)
  if (Number.isNaN(ms)) return undefined
  const frac = m[2] ?? ''
  const us = frac.length <= 6 ? Number(frac.padEnd(6, '0')) : Math.round(Number(`${frac.slice(0, 6)}.${frac.slice(6)}`))
  return (ms - PG_EPOCH_MS) * 1000 + us
}

const HEX = new Int8Array(128).fill(-1)
for (let i = 0; i < 10; i++) HEX[48 + i] = i
for (let i = 0; i < 6; i++) HEX[65 + i] = HEX[97 + i] = 10 + i

type Encode = (out: Bytes, v: unknown) => boolean

/**
 * Writes `s` at `at` when it is short and ASCII (ids, types, tickers, summaries: most text fields) and
 * returns its length; -1 otherwise, having written nothing the caller keeps. Byte by byte from JS is
 * several times cheaper than `Buffer.write` for strings this short (a call into C++ each).
 */
function writeAscii(b: Buffer, s: string, at: number): number {
  if (s.length > 64) return -1
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c > 0x7f) return -1
    b[at + i] = c
  }
  return s.length
}

const text: Encode = (out, v) => {
  const s = typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v)
  const b = out.room(4 + 3 * s.length)
  let n = writeAscii(b, s, out.pos + 4)
  if (n < 0) n = b.write(s, out.pos + 4, 'utf8')
  b.writeInt32BE(n, out.pos)
  out.pos += 4 + n
  return true
}
const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN)
const int4: Encode = (out, v) => {
  const n = num(v)
  if (!Number.isInteger(n) || n < -2147483648 || n > 2147483647) return false
  out.int32(4)
  out.int32(n)
  return true
}
const INT64 = 2 ** 63
const int8: Encode = (out, v) => {
  const n = num(v)
  if (!Number.isInteger(n) || n < -INT64 || n >= INT64) return false
  out.int32(8)
  out.int64(n)
  return true
}
const float8: Encode = (out, v) => {
  const n = num(v)
  if (typeof v !== 'number' && Number.isNaN(n) && !(typeof v === 'string' && v.trim() === 'NaN')) return false
  const b = out.room(12)
  b.writeInt32BE(8, out.pos)
  b.writeDoubleBE(n, out.pos + 4)
  out.pos += 12
  return true
}
const uuid: Encode = (out, v) => {
  if (typeof v !== 'string' || !UUID.test(v)) return false
  const b = out.room(20)
  b.writeInt32BE(16, out.pos)
  let at = out.pos + 4
  for (let i = 0; i < 36; i += 2) {
    if (v.charCodeAt(i) === 45) i++ // '-'
    b[at++] = (HEX[v.charCodeAt(i)]! << 4) | HEX[v.charCodeAt(i + 1)]!
  }
  out.pos += 20
  return true
}
const timestamptz: Encode = (out, v) => {
  const us = typeof v === 'string' ? pgMicros(v) : v instanceof Date ? (v.getTime() - PG_EPOCH_MS) * 1000 : undefined
  if (us === undefined || !Number.isInteger(us) || Math.abs(us) >= INT64) return false
  out.int32(8)
  out.int64(us)
  return true
}
const jsonb: Encode = (out, v) => {
  const s = JSON.stringify(v)
  const b = out.room(5 + 3 * s.length)
  b[out.pos + 4] = 1 // jsonb's binary format: version 1, then the JSON text
  const n = b.write(s, out.pos + 5, 'utf8')
  b.writeInt32BE(n + 1, out.pos)
  out.pos += 5 + n
  return true
}

const ENCODERS: Readonly<Record<string, Encode>> = { text, int: int4, integer: int4, bigint: int8, float8, uuid, timestamptz, jsonb }

/** Header of binary COPY data: signature, flags, header extension length. */
const HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0])
const TRAILER = Buffer.from([0xff, 0xff])

/**
 * Rows of one table in binary COPY format. A row can be pushed whole (`push`), or from pieces encoded
 * earlier (`encode` one group of its columns into any `Bytes`, `pushPieces` them in column order):
 * a job's result rows share their leading columns, encoded once; the timeline row of an event is
 * encoded as soon as the event is parsed, on another thread during a rebuild. JSON null and
 * undefined are SQL NULL (as the array literals of `ColumnRows` write them).
 */
export class CopyRows {
  private readonly names: readonly string[]
  private readonly types: readonly string[]
  private readonly encoders: readonly Encode[]
  private readonly out = new Bytes('data')
  size = 0

  constructor(types: ColumnTypes) {
    this.names = Object.keys(types)
    this.types = this.names.map((n) => types[n]!)
    this.encoders = this.types.map((t) => {
      const e = ENCODERS[t]
      if (!e) throw new Error(`no binary COPY encoder for column type ${t}`)
      return e
    })
  }

  /** Number of columns. */
  get width(): number {
    return this.names.length
  }

  /** Writes the fields of columns `from`…`from + values.length - 1` into `out` (part of its current piece). */
  encode(out: Bytes, values: readonly unknown[], from = 0): void {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]
      if (v === null || v === undefined) out.int32(-1)
      else if (!this.encoders[from + i]!(out, v)) throw new CopyValueError(this.names[from + i]!, this.types[from + i]!, v)
    }
  }

  /** Adds a row given in column order. */
  push(values: readonly unknown[]): void {
    if (values.length !== this.names.length) throw new Error(`a row of ${this.names.length} columns, got ${values.length}`)
    this.out.int16(this.names.length)
    this.encode(this.out, values)
    this.out.mark()
    this.size++
  }

  /** Adds a row whose fields were encoded earlier by `encode`, in column order (pieces of every column, nothing else). */
  pushPieces(a: Uint8Array, b?: Uint8Array): void {
    this.out.int16(this.names.length)
    this.out.append(a)
    if (b) this.out.append(b)
    this.out.mark()
    this.size++
  }

  /** The COPY statement for `table`, with its data. */
  copy(table: string): Statement {
    return { text: `COPY ${table} (${this.names.join(', ')}) FROM STDIN WITH (FORMAT binary)`, values: [], copy: [HEADER, ...this.out.take(), TRAILER] }
  }
}
