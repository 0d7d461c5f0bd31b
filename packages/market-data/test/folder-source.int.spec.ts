import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createMarketData,
  DEFAULT_PRICES_DIR,
  EmptyPriceRange,
  PriceFileInvalid,
  UnknownTicker,
} from '../src/index.ts'
import { sourcesTable } from './helpers.ts'

const table = sourcesTable()
const md = createMarketData()

describe('the bundled pack through the default source', () => {
  it('SOURCES.md describes every CSV file and index.json lists exactly them', async () => {
    const csvs = (await readdir(DEFAULT_PRICES_DIR)).filter((f) => f.endsWith('.csv')).sort()
    expect(table.map((r) => r.file).sort()).toEqual(csvs)
    const index = JSON.parse(await readFile(join(DEFAULT_PRICES_DIR, 'index.json'), 'utf8')) as string[]
    expect([...index].sort()).toEqual(csvs)
  })

  it.each(table.map((r) => [r.file, r] as const))('%s loads with the row count and dates of SOURCES.md', async (_f, row) => {
    const hourly = row.file.endsWith('_1h.csv')
    const ticker = row.file.replace(/(_1h)?\.csv$/, '')
    const s = await md.load(ticker, { interval: hourly ? '1h' : '1d' })
    expect(s.closes.length).toBe(row.rows)
    expect(s.dates.length).toBe(row.rows)
    expect(s.dates[0]?.startsWith(row.first)).toBe(true)
    expect(s.dates.at(-1)?.startsWith(row.last)).toBe(true)
  })

  it('lists every ticker once, hourly files folded into their ticker', async () => {
    expect(await md.listTickers()).toEqual(['AAPL', 'BTC-USD', 'ETH-USD', 'EURUSD', 'GLD', 'MSFT', 'SPY'])
  })

  it('knows which intervals exist', async () => {
    expect(await md.has('BTC-USD', '1h')).toBe(true)
    expect(await md.has('SPY', '1h')).toBe(false)
    expect(await md.has('NOPE', '1d')).toBe(false)
    expect(await md.has('../etc/passwd', '1d')).toBe(false)
  })

  it('cuts by start and end inclusively', async () => {
    const s = await md.load('BTC-USD', { interval: '1d', start: '2020-01-01', end: '2020-01-31' })
    expect(s.dates[0]).toBe('2020-01-01')
    expect(s.dates.at(-1)).toBe('2020-01-31')
    expect(s.closes.length).toBe(31)
  })

  it('cuts hourly bars by the date part of each timestamp', async () => {
    const s = await md.load('BTC-USD', { interval: '1h', start: '2021-01-01', end: '2021-01-01' })
    expect(s.dates[0]).toBe('2021-01-01 00:00:00')
    expect(s.dates.at(-1)).toBe('2021-01-01 23:00:00')
    expect(s.closes.length).toBe(24)
  })

  it('hands out copies, so a caller mutating its closes does not change the cache', async () => {
    const a = await md.load('ETH-USD', { interval: '1d' })
    const first = a.closes[0]
    a.closes[0] = -1
    const b = await md.load('ETH-USD', { interval: '1d' })
    expect(b.closes[0]).toBe(first)
  })

  it('rejects an unknown ticker with a 400 naming the field and the known tickers', async () => {
    const err = await md.load('DOGE-USD', { interval: '1d' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UnknownTicker)
    expect((err as UnknownTicker).status).toBe(400)
    expect((err as UnknownTicker).fields[0]?.field).toBe('ticker')
    expect((err as UnknownTicker).message).toContain('BTC-USD')
  })

  it('rejects a cut that leaves no bar', async () => {
    const err = await md.load('BTC-USD', { interval: '1d', start: '2030-01-01' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(EmptyPriceRange)
    expect((err as EmptyPriceRange).code).toBe('EMPTY_PRICE_RANGE')
  })
})

describe('a folder of the operator’s own', () => {
  const dirs: string[] = []
  const tempDir = async () => {
    const d = await mkdtemp(join(tmpdir(), 'zixly-prices-'))
    dirs.push(d)
    return d
  }
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true })
  })

  it('is chosen by a file: URL and re-lists only after the listing TTL', async () => {
    const dir = await tempDir()
    await copyFile(join(DEFAULT_PRICES_DIR, 'GLD.csv'), join(dir, 'GLD.csv'))
    let clock = 0
    const own = createMarketData(pathToFileURL(dir).href, { now: () => clock, listTtlMs: 1000 })
    expect(await own.listTickers()).toEqual(['GLD'])
    await copyFile(join(DEFAULT_PRICES_DIR, 'SPY.csv'), join(dir, 'SPY.csv'))
    clock = 999
    expect(await own.listTickers()).toEqual(['GLD'])
    clock = 1000
    expect(await own.listTickers()).toEqual(['GLD', 'SPY'])
  })

  it('serves a parsed series from memory until it is evicted from the LRU', async () => {
    const dir = await tempDir()
    const csv = (close: number) => `Date,Open,High,Low,Close,Adj Close,Volume\n2024-01-01,1,1,1,${close},${close},0\n`
    for (const t of ['A', 'B', 'C']) await writeFile(join(dir, `${t}.csv`), csv(1))
    const own = createMarketData(dir, { cacheSize: 2 })
    await own.load('A', { interval: '1d' })
    await own.load('B', { interval: '1d' })
    await writeFile(join(dir, 'A.csv'), csv(2))
    expect((await own.load('A', { interval: '1d' })).closes[0]).toBe(1) // cached
    await own.load('C', { interval: '1d' }) // evicts B, the least recently used
    await own.load('B', { interval: '1d' }) // evicts A
    expect((await own.load('A', { interval: '1d' })).closes[0]).toBe(2) // read again
  })

  it('reports a broken file with its name and line', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'BAD.csv'), 'Date,Close\n2024-01-01,1\n2024-01-01,2\n')
    const err = await createMarketData(dir).load('BAD', { interval: '1d' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PriceFileInvalid)
    expect((err as Error).message).toBe('BAD.csv:3: duplicate date 2024-01-01')
  })

  it('says where it looked when the folder does not exist', async () => {
    const missing = join(tmpdir(), 'zixly-no-such-folder-xyz')
    const err = await createMarketData(missing).listTickers().catch((e: unknown) => e)
    expect((err as { code: string }).code).toBe('DEPENDENCY_UNAVAILABLE')
    expect((err as Error).message).toContain(missing)
  })
})
