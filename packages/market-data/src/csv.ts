import { PriceFileInvalid } from './errors.ts'

/** One parsed price file: ascending dates and their closes. */
export interface PriceSeries {
  readonly dates: readonly string[]
  readonly closes: Float64Array
}

const DATE = /^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$/
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

/**
 * Parses `Date,Open,High,Low,Close,Adj Close,Volume` (columns found by name, so other orders and
 * extra columns are fine). Rejects, naming `file` and the line: a missing Date/Close column,
 * a malformed date, dates not strictly ascending (unsorted or duplicate), and a close that is not
 * a positive number. Blank lines are skipped; CRLF and a BOM are accepted.
 */
export function parsePriceCsv(text: string, file: string): PriceSeries {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  const lines = body.split('\n')
  const header = (lines[0] ?? '').replace(/\r$/, '').split(',').map((h) => h.trim().toLowerCase())
  const dateCol = header.indexOf('date')
  const closeCol = header.indexOf('close')
  if (dateCol < 0 || closeCol < 0)
    throw new PriceFileInvalid(file, 1, `header must name Date and Close columns, got "${lines[0]?.trim() ?? ''}"`)

  const dates: string[] = []
  const closes = new Float64Array(lines.length)
  let prev = ''
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i] as string
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw
    if (line.trim() === '') continue
    const lineNo = i + 1
    const cells = line.split(',')
    if (cells.length !== header.length)
      throw new PriceFileInvalid(file, lineNo, `expected ${header.length} columns, got ${cells.length}`)
    const date = (cells[dateCol] as string).trim()
    if (!DATE.test(date)) throw new PriceFileInvalid(file, lineNo, `date "${date}" is not YYYY-MM-DD[ HH:MM[:SS]]`)
    if (date === prev) throw new PriceFileInvalid(file, lineNo, `duplicate date ${date}`)
    if (date < prev) throw new PriceFileInvalid(file, lineNo, `date ${date} comes after ${prev}: rows must be ascending`)
    const cell = (cells[closeCol] as string).trim()
    const close = NUMBER.test(cell) ? Number(cell) : Number.NaN
    if (!Number.isFinite(close)) throw new PriceFileInvalid(file, lineNo, `close "${cell}" is not a number`)
    if (close <= 0) throw new PriceFileInvalid(file, lineNo, `close ${cell} is not positive`)
    closes[dates.length] = close
    dates.push(date)
    prev = date
  }
  if (dates.length === 0) throw new PriceFileInvalid(file, 2, 'no price rows')
  return { dates, closes: closes.slice(0, dates.length) }
}

/** Index range `[from, to)` of the bars inside `[start, end]`; a bound of `YYYY-MM-DD` compares against the date part. */
export function cutRange(dates: readonly string[], start?: string, end?: string): [number, number] {
  const key = (d: string, bound: string) => (bound.length === 10 ? d.slice(0, 10) : d)
  const from = start === undefined ? 0 : lowerBound(dates, (d) => key(d, start) >= start)
  const to = end === undefined ? dates.length : lowerBound(dates, (d) => key(d, end) > end)
  return [from, Math.max(from, to)]
}

/** First index whose date satisfies a predicate that is monotone over ascending dates. */
function lowerBound(dates: readonly string[], pred: (d: string) => boolean): number {
  let lo = 0
  let hi = dates.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (pred(dates[mid] as string)) hi = mid
    else lo = mid + 1
  }
  return lo
}
