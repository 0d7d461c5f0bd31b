import { ZixlyError } from '@zixly/platform'

/** A price file breaks the CSV contract; names the file and the 1-based line. */
export class PriceFileInvalid extends ZixlyError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super('PRICE_FILE_INVALID', 422, `${file}:${line}: ${reason}`)
  }
}

/** No price file for this ticker and interval in the configured source. */
export class UnknownTicker extends ZixlyError {
  readonly fields: Array<{ field: string; message: string }>
  constructor(
    readonly ticker: string,
    readonly interval: string,
    known: readonly string[] = [],
  ) {
    const hint = known.length > 0 ? ` (known: ${known.slice(0, 20).join(', ')}${known.length > 20 ? ', …' : ''})` : ''
    const message = `unknown ticker "${ticker}" for interval ${interval}${hint}`
    super('UNKNOWN_TICKER', 400, message)
    this.fields = [{ field: 'ticker', message }]
  }
}

/** The `start` / `end` cut leaves no bar. */
export class EmptyPriceRange extends ZixlyError {
  readonly fields: Array<{ field: string; message: string }>
  constructor(ticker: string, start: string | undefined, end: string | undefined, first: string, last: string) {
    const message = `no ${ticker} bars between ${start ?? 'the start'} and ${end ?? 'the end'} (data covers ${first} .. ${last})`
    super('EMPTY_PRICE_RANGE', 400, message)
    this.fields = [{ field: start !== undefined ? 'start' : 'end', message }]
  }
}
