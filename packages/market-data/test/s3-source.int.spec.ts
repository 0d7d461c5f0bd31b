import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import S3rver from 's3rver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMarketData, DEFAULT_PRICES_DIR, loadMarketDataConfig, UnknownTicker } from '../src/index.ts'

// A real S3-compatible server (s3rver) on an ephemeral port, written to through the AWS SDK.
describe('market data from an S3 bucket', () => {
  let s3rver: S3rver
  let dir: string
  let endpoint: string
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zixly-s3rver-'))
    s3rver = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir })
    const { port } = await s3rver.run()
    endpoint = `http://127.0.0.1:${port}`
    const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials })
    await client.send(new CreateBucketCommand({ Bucket: 'market-data' }))
    for (const f of ['BTC-USD.csv', 'SPY.csv', 'BTC-USD_1h.csv'])
      await client.send(
        new PutObjectCommand({ Bucket: 'market-data', Key: `packs/v1/${f}`, Body: await readFile(join(DEFAULT_PRICES_DIR, f)) }),
      )
    await client.send(new PutObjectCommand({ Bucket: 'market-data', Key: 'packs/v1/old/ETH-USD.csv', Body: 'x' }))
    await client.send(new PutObjectCommand({ Bucket: 'market-data', Key: 'packs/GLD.csv', Body: 'x' }))
    client.destroy()
  })
  afterAll(async () => {
    await s3rver.close()
    await rm(dir, { recursive: true, force: true })
  })

  const open = () =>
    createMarketData('s3://market-data/packs/v1', { s3: { endpoint, region: 'us-east-1', forcePathStyle: true, credentials } })

  it('lists only the objects directly under the prefix', async () => {
    expect(await open().listTickers()).toEqual(['BTC-USD', 'SPY'])
  })

  it('loads daily and hourly series identical to the bundled files', async () => {
    const md = open()
    const local = createMarketData()
    for (const interval of ['1d', '1h'] as const) {
      const [a, b] = await Promise.all([md.load('BTC-USD', { interval }), local.load('BTC-USD', { interval })])
      expect(a.dates).toEqual(b.dates)
      expect([...a.closes]).toEqual([...b.closes])
    }
  })

  it('answers a missing object with UnknownTicker', async () => {
    await expect(open().load('ETH-USD', { interval: '1d' })).rejects.toBeInstanceOf(UnknownTicker)
  })

  it('is configured from the environment the way a service reads it', async () => {
    const { source, deps } = loadMarketDataConfig({
      MARKET_DATA_URL: 's3://market-data/packs/v1/',
      MARKET_DATA_S3_ENDPOINT: endpoint,
      MARKET_DATA_S3_REGION: 'us-east-1',
      MARKET_DATA_S3_FORCE_PATH_STYLE: 'true',
      MARKET_DATA_S3_ACCESS_KEY_ID: 'S3RVER',
      MARKET_DATA_S3_SECRET_ACCESS_KEY: 'S3RVER',
    })
    const md = createMarketData(source, deps)
    expect(md.description).toBe('s3://market-data/packs/v1/')
    expect(await md.has('SPY', '1d')).toBe(true)
  })

  it('reports an unreachable endpoint as a retryable DependencyUnavailable', async () => {
    const md = createMarketData('s3://market-data/packs/v1', {
      s3: { endpoint: 'http://127.0.0.1:9', region: 'us-east-1', forcePathStyle: true, credentials },
    })
    const err = await md.listTickers().catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: true })
  })
})
