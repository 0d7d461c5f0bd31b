import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { gridPairs, parseTradingApiCallback, type SweepResultRow } from '@zixly/contracts'
import { annFactorFor, runSweep, SweepPool } from '@zixly/engine'
import { createMarketData } from '@zixly/market-data'
import { buildApp } from '@zixly/trading-api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createCallbackHub,
  createTradingApiClient,
  runRemoteSweep,
  TradingApiError,
  type RemoteSweepParams,
} from '../src/index.ts'
import { SEED_PARAMS } from './helpers.ts'

const marketData = createMarketData()
const KEY = 'adapter-test-key'
let pool: SweepPool

/** The bundled server on an ephemeral port. */
async function serve(opts: { callbacksEnabled: boolean; apiKey?: string }) {
  const app = await buildApp({ engine: pool, marketData, callbackBackoffMs: 20, ...opts })
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, baseUrl: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` }
}

/** Stands in for ingest's `POST /webhook/sweep-callback`: parses either dialect and publishes it, as the executor would hear it over NATS. */
async function startCallbackRelay() {
  const hub = createCallbackHub()
  const received: unknown[] = []
  const server = http.createServer((req, res) => {
    let raw = ''
    req.on('data', (c: Buffer) => (raw += c.toString()))
    req.on('end', () => {
      const parsed = parseTradingApiCallback(JSON.parse(raw), req.headers)
      received.push(parsed)
      if (!parsed.ok) return void res.writeHead(400).end()
      res.writeHead(202).end()
      hub.publish(parsed.callback)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    hub,
    received,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook/sweep-callback`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** What the engine gives for the same sweep when called directly, in grid order. */
async function direct(p: RemoteSweepParams): Promise<SweepResultRow[]> {
  const s = await marketData.load(p.ticker, { interval: '1d' })
  const rows = runSweep(s.closes, {
    strategy: p.strategy_type,
    pairs: gridPairs(p.fast_range, p.slow_range, p.step),
    minTrades: p.min_trades,
    fee: 0.001,
    initCash: 1000,
    annFactor: annFactorFor(p.ticker, '1d'),
    signalPeriod: 9,
    barUnit: 'days',
  })
  return byPair(rows)
}
const byPair = (rows: readonly SweepResultRow[]) =>
  [...rows].sort((a, b) => a.fast_period - b.fast_period || a.slow_period - b.slow_period)

let withCallbacks: Awaited<ReturnType<typeof serve>>
let pollingOnly: Awaited<ReturnType<typeof serve>>
let relay: Awaited<ReturnType<typeof startCallbackRelay>>
beforeAll(async () => {
  pool = new SweepPool({ workers: 1 })
  withCallbacks = await serve({ callbacksEnabled: true, apiKey: KEY })
  pollingOnly = await serve({ callbacksEnabled: false })
  relay = await startCallbackRelay()
})
afterAll(async () => {
  await withCallbacks.app.close()
  await pollingOnly.app.close()
  await relay.close()
  await pool.close()
})

describe('runRemoteSweep against the bundled Trading API', () => {
  it('finishes by callback and returns the same rows as the engine called directly', async () => {
    const client = createTradingApiClient({ baseUrl: withCallbacks.baseUrl, apiKey: KEY, timeoutMs: 5000 })
    const progress: number[] = []
    const result = await runRemoteSweep(client, SEED_PARAMS, {
      callbacks: relay.hub.subscribe,
      webhookUrl: relay.url,
      pollIntervalMs: 60_000, // only a callback can end the wait within the test's time
      onProgress: (p) => progress.push(p),
    })
    expect(result.via).toBe('callback')
    expect(byPair(result.rows)).toEqual(await direct(SEED_PARAMS))
    expect(progress.at(-1)).toBe(100)
    expect(relay.hub.listenerCount).toBe(0)
  })

  it('finishes by polling when the server never calls back, with the same rows', async () => {
    const client = createTradingApiClient({ baseUrl: pollingOnly.baseUrl, timeoutMs: 5000 })
    const result = await runRemoteSweep(client, SEED_PARAMS, {
      callbacks: relay.hub.subscribe,
      webhookUrl: relay.url,
      pollIntervalMs: 50,
    })
    expect(result.via).toBe('poll')
    expect(byPair(result.rows)).toEqual(await direct(SEED_PARAMS))
  })

  it('fetches results in pages of 500 until it has them all', async () => {
    const big = { ...SEED_PARAMS, fast_range: [5, 30] as [number, number], slow_range: [31, 60] as [number, number], step: 1 }
    const client = createTradingApiClient({ baseUrl: pollingOnly.baseUrl, timeoutMs: 10_000 })
    const result = await runRemoteSweep(client, big, { pollIntervalMs: 50 })
    expect(result.rows).toHaveLength(26 * 30)
    expect(byPair(result.rows)).toEqual(await direct(big))
  })

  it('sends DELETE when the caller aborts, and the remote job ends cancelled', async () => {
    const client = createTradingApiClient({ baseUrl: pollingOnly.baseUrl, timeoutMs: 5000 })
    const abort = new AbortController()
    let jobId = ''
    const long = { ...SEED_PARAMS, interval: '1h' as const, fast_range: [5, 50] as [number, number], slow_range: [10, 200] as [number, number], step: 1 }
    const err = await runRemoteSweep(client, long, {
      signal: abort.signal,
      pollIntervalMs: 50,
      onSubmitted: (s) => {
        jobId = s.job_id
        setTimeout(() => abort.abort(new Error('attempt timed out')), 100)
      },
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TradingApiError)
    expect(err).toMatchObject({ code: 'TRADING_API_CANCELLED', retryable: false })
    expect((await client.getJob(jobId)).status).toBe('cancelled')
  })

  it('reports a missing API key as a non-retryable rejection', async () => {
    const client = createTradingApiClient({ baseUrl: withCallbacks.baseUrl, timeoutMs: 5000 })
    const err = await client.submitSweep(SEED_PARAMS).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'TRADING_API_REJECTED', retryable: false, details: { httpStatus: 401 } })
  })

  it('reports an unknown ticker as a non-retryable rejection naming it', async () => {
    const client = createTradingApiClient({ baseUrl: pollingOnly.baseUrl, timeoutMs: 5000 })
    const err = await runRemoteSweep(client, { ...SEED_PARAMS, ticker: 'NOPE-USD' }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'TRADING_API_REJECTED', retryable: false })
    expect((err as Error).message).toContain('NOPE-USD')
  })
})
