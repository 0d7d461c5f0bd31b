import { mkdtemp, rm, writeFile, copyFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMarketData, DEFAULT_PRICES_DIR, UnknownTicker } from '../src/index.ts'
import { startStaticServer } from './helpers.ts'

describe('market data from an HTTP base URL', () => {
  let server: Awaited<ReturnType<typeof startStaticServer>>
  beforeAll(async () => {
    server = await startStaticServer(DEFAULT_PRICES_DIR)
  })
  afterAll(() => server.close())

  it('lists tickers from index.json', async () => {
    const md = createMarketData(server.baseUrl)
    expect(await md.listTickers()).toEqual(['AAPL', 'BTC-USD', 'ETH-USD', 'EURUSD', 'GLD', 'MSFT', 'SPY'])
    expect(server.requests).toContain('/prices/index.json')
  })

  it('loads the same series as the folder source', async () => {
    const [overHttp, local] = await Promise.all([
      createMarketData(server.baseUrl).load('SPY', { interval: '1d', start: '2010-01-01', end: '2010-12-31' }),
      createMarketData().load('SPY', { interval: '1d', start: '2010-01-01', end: '2010-12-31' }),
    ])
    expect(overHttp.dates).toEqual(local.dates)
    expect([...overHttp.closes]).toEqual([...local.closes])
    expect(overHttp.closes.length).toBe(252)
  })

  it('shares one request between concurrent loads of the same file', async () => {
    const md = createMarketData(server.baseUrl)
    const before = server.requests.filter((p) => p === '/prices/MSFT.csv').length
    await Promise.all([md.load('MSFT', { interval: '1d' }), md.load('MSFT', { interval: '1d' })])
    expect(server.requests.filter((p) => p === '/prices/MSFT.csv').length - before).toBe(1)
  })

  it('answers an unknown ticker with UnknownTicker, not a transport error', async () => {
    await expect(createMarketData(server.baseUrl).load('NOPE', { interval: '1d' })).rejects.toBeInstanceOf(UnknownTicker)
  })

  it('without index.json, checks a ticker by asking for its file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zixly-http-'))
    await copyFile(join(DEFAULT_PRICES_DIR, 'GLD.csv'), join(dir, 'GLD.csv'))
    const bare = await startStaticServer(dir)
    try {
      const md = createMarketData(bare.baseUrl)
      expect(await md.has('GLD', '1d')).toBe(true)
      expect(await md.has('SPY', '1d')).toBe(false)
      expect(await md.listTickers()).toEqual([])
    } finally {
      await bare.close()
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('turns a 5xx answer into a retryable DependencyUnavailable', async () => {
    const broken = await startStaticServer(DEFAULT_PRICES_DIR, { failWith: 503 })
    try {
      const err = await createMarketData(broken.baseUrl).load('SPY', { interval: '1d' }).catch((e: unknown) => e)
      expect(err).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: true })
    } finally {
      await broken.close()
    }
  })

  it('rejects an index.json that is not a list of names', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zixly-http-'))
    await writeFile(join(dir, 'index.json'), '{"files": 3}')
    const odd = await startStaticServer(dir)
    try {
      const err = await createMarketData(odd.baseUrl).listTickers().catch((e: unknown) => e)
      expect((err as Error).message).toContain('index.json must be an array of file names')
    } finally {
      await odd.close()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
