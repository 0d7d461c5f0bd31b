import { describe, expect, it } from 'vitest'
import { cutRange, parsePriceCsv, PriceFileInvalid } from '../src/index.ts'

const HEADER = 'Date,Open,High,Low,Close,Adj Close,Volume'
const row = (date: string, close: string) => `${date},1,1,1,${close},${close},100`

function failure(text: string): PriceFileInvalid {
  try {
    parsePriceCsv(text, 'X.csv')
  } catch (err) {
    expect(err).toBeInstanceOf(PriceFileInvalid)
    return err as PriceFileInvalid
  }
  throw new Error('expected the file to be rejected')
}

describe('parsePriceCsv', () => {
  it('reads dates and closes in file order', () => {
    const s = parsePriceCsv([HEADER, row('2024-01-01', '10.5'), row('2024-01-02', '11')].join('\n'), 'X.csv')
    expect(s.dates).toEqual(['2024-01-01', '2024-01-02'])
    expect([...s.closes]).toEqual([10.5, 11])
  })

  it('accepts CRLF line ends, a BOM, a trailing newline and blank lines', () => {
    const text = '\ufeff' + [HEADER, row('2024-01-01', '1'), '', row('2024-01-02', '2'), ''].join('\r\n')
    const s = parsePriceCsv(text, 'X.csv')
    expect(s.dates).toEqual(['2024-01-01', '2024-01-02'])
    expect(s.closes.length).toBe(2)
  })

  it('finds Close by name when columns are in another order', () => {
    const s = parsePriceCsv('Close,High,Low,Open,Volume,Date\n3,4,2,3,0,2024-05-01\n', 'X.csv')
    expect([...s.closes]).toEqual([3])
  })

  it('reads hourly timestamps', () => {
    const s = parsePriceCsv([HEADER, row('2024-01-01 10:00:00', '1'), row('2024-01-01 11:00:00', '2')].join('\n'), 'X.csv')
    expect(s.dates).toEqual(['2024-01-01 10:00:00', '2024-01-01 11:00:00'])
  })

  it('rejects a header without a Close column, at line 1', () => {
    const e = failure('Date,Open\n2024-01-01,1\n')
    expect(e.line).toBe(1)
    expect(e.message).toMatch(/^X\.csv:1: /)
  })

  it('rejects a duplicate date naming file and line', () => {
    const e = failure([HEADER, row('2024-01-01', '1'), row('2024-01-02', '2'), row('2024-01-02', '3')].join('\n'))
    expect(e.code).toBe('PRICE_FILE_INVALID')
    expect(e.file).toBe('X.csv')
    expect(e.line).toBe(4)
    expect(e.message).toContain('duplicate date 2024-01-02')
  })

  it('rejects unsorted dates', () => {
    const e = failure([HEADER, row('2024-01-02', '1'), row('2024-01-01', '2')].join('\n'))
    expect(e.line).toBe(3)
    expect(e.reason).toMatch(/ascending/)
  })

  it.each([['0'], ['-1.5'], ['0.000']])('rejects the non-positive close %s', (close) => {
    const e = failure([HEADER, row('2024-01-01', '1'), row('2024-01-02', close)].join('\n'))
    expect(e.line).toBe(3)
    expect(e.reason).toMatch(/not positive/)
  })

  it.each([['null'], ['NaN'], [''], ['12abc'], ['Infinity'], ['1,5']])('rejects the non-numeric close "%s"', (close) => {
    const e = failure([HEADER, `2024-01-01,1,1,1,${close},1,100`].join('\n'))
    expect(e.line).toBe(2)
  })

  it('rejects a malformed date', () => {
    expect(failure([HEADER, row('01/02/2024', '1')].join('\n')).reason).toMatch(/not YYYY-MM-DD/)
  })

  it('rejects a row whose column count differs from the header', () => {
    expect(failure([HEADER, '2024-01-01,1,2'].join('\n')).reason).toMatch(/columns/)
  })

  it('rejects a file with no rows', () => {
    expect(failure(HEADER + '\n').reason).toBe('no price rows')
  })
})

describe('cutRange', () => {
  const daily = ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-05']
  const hourly = ['2024-01-01 22:00:00', '2024-01-01 23:00:00', '2024-01-02 00:00:00', '2024-01-02 01:00:00', '2024-01-03 00:00:00']

  it('is inclusive of both ends', () => {
    expect(cutRange(daily, '2024-01-02', '2024-01-03')).toEqual([1, 3])
  })
  it('takes bounds that fall between bars to the bars inside', () => {
    expect(cutRange(daily, '2023-12-01', '2024-01-04')).toEqual([0, 3])
  })
  it('gives an empty range when start is after the data', () => {
    const [from, to] = cutRange(daily, '2025-01-01')
    expect(to - from).toBe(0)
  })
  it('compares a date bound against the date part of hourly bars', () => {
    expect(cutRange(hourly, '2024-01-02', '2024-01-02')).toEqual([2, 4])
  })
  it('compares a timestamp bound against the full timestamp', () => {
    expect(cutRange(hourly, '2024-01-01 23:00:00', '2024-01-02 00:00:00')).toEqual([1, 3])
  })
})
