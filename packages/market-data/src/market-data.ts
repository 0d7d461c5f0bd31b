import { Ticker, type Interval } from '@zixly/contracts'
import { cutRange, parsePriceCsv, type PriceSeries } from './csv.ts'
import { EmptyPriceRange, UnknownTicker } from './errors.ts'
import { Lru } from './lru.ts'
import { sourceFromUrl, type HttpSourceOptions, type PriceSource, type S3SourceOptions } from './sources.ts'

export interface LoadOptions {
  interval: Interval
  /** Inclusive; `YYYY-MM-DD` compares against the date part of each bar. */
  start?: string | undefined
  end?: string | undefined
}

export interface LoadedSeries {
  ticker: string
  interval: Interval
  dates: string[]
  /** A fresh copy: callers may transfer or mutate it. */
  closes: Float64Array
}

export interface MarketData {
  readonly description: string
  /** Tickers with at least one file (daily or hourly), sorted. */
  listTickers(): Promise<string[]>
  has(ticker: string, interval: Interval): Promise<boolean>
  load(ticker: string, opts: LoadOptions): Promise<LoadedSeries>
}

export interface MarketDataDeps {
  /** Parsed series kept in memory (default 16). */
  cacheSize?: number
  /** How long a listing is trusted (default 30 s). */
  listTtlMs?: number
  now?: () => number
  s3?: S3SourceOptions
  http?: HttpSourceOptions
}

/** `<TICKER>.csv` for daily bars, `<TICKER>_1h.csv` for hourly. */
export function fileNameFor(ticker: string, interval: Interval): string {
  return interval === '1d' ? `${ticker}.csv` : `${ticker}_${interval}.csv`
}

function seriesOf(file: string): { ticker: string; interval: Interval } | null {
  if (!file.endsWith('.csv')) return null
  const stem = file.slice(0, -4)
  const hourly = stem.endsWith('_1h')
  const ticker = hourly ? stem.slice(0, -3) : stem
  return Ticker.safeParse(ticker).success ? { ticker, interval: hourly ? '1h' : '1d' } : null
}

/**
 * Market data from a `MARKET_DATA_URL` (or a ready source). Parsed series are cached in a bounded
 * LRU (concurrent loads of one file share one read); the listing is cached for `listTtlMs`.
 */
export function createMarketData(source?: string | PriceSource, deps: MarketDataDeps = {}): MarketData {
  const src =
    typeof source === 'object'
      ? source
      : sourceFromUrl(source, { ...(deps.s3 && { s3: deps.s3 }), ...(deps.http && { http: deps.http }) })
  const now = deps.now ?? Date.now
  const ttl = deps.listTtlMs ?? 30_000
  const cache = new Lru<string, Promise<PriceSeries | null>>(deps.cacheSize ?? 16)
  let listing: { at: number; files: Promise<Set<string> | null> } | null = null

  const files = (): Promise<Set<string> | null> => {
    if (listing === null || now() - listing.at >= ttl) {
      const p = src.list().then((names) => (names === null ? null : new Set(names)))
      listing = { at: now(), files: p }
      p.catch(() => {
        if (listing?.files === p) listing = null
      })
    }
    return listing.files
  }

  const series = (file: string): Promise<PriceSeries | null> => {
    const hit = cache.get(file)
    if (hit) return hit
    const p = src.read(file).then((text) => (text === null ? null : parsePriceCsv(text, file)))
    cache.set(file, p)
    // A failure or a missing file is not cached: the next call asks the source again.
    p.then(
      (s) => s === null && cache.delete(file),
      () => cache.delete(file),
    )
    return p
  }

  const listTickers = async () => {
    const names = (await files()) ?? new Set<string>()
    const tickers = new Set<string>()
    for (const f of names) {
      const s = seriesOf(f)
      if (s) tickers.add(s.ticker)
    }
    return [...tickers].sort()
  }

  const has = async (ticker: string, interval: Interval) => {
    if (!Ticker.safeParse(ticker).success) return false
    const names = await files()
    // A source that cannot list (HTTP without index.json) is asked for the file itself.
    if (names === null) return (await series(fileNameFor(ticker, interval))) !== null
    return names.has(fileNameFor(ticker, interval))
  }

  return {
    description: src.description,
    listTickers,
    has,
    async load(ticker, opts) {
      const file = fileNameFor(ticker, opts.interval)
      const s = Ticker.safeParse(ticker).success ? await series(file) : null
      if (s === null) throw new UnknownTicker(ticker, opts.interval, await listTickers().catch(() => []))
      const [from, to] = cutRange(s.dates, opts.start, opts.end)
      if (to <= from)
        throw new EmptyPriceRange(ticker, opts.start, opts.end, s.dates[0] as string, s.dates[s.dates.length - 1] as string)
      return { ticker, interval: opts.interval, dates: s.dates.slice(from, to), closes: s.closes.slice(from, to) }
    },
  }
}
