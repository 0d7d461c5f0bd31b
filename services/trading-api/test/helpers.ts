import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { SweepPool } from '@zixly/engine'
import { createMarketData } from '@zixly/market-data'
import { buildApp, type TradingApiOptions } from '../src/index.ts'

/** The seed's own request, exactly as its clients send it. */
export const SEED_SWEEP = { ticker: 'BTC-USD', fast_range: [10, 20], slow_range: [20, 30], step: 5, strategy_type: 'SMA' } as const

/** A grid on the hourly series big enough to still be running when a test cancels it. */
export const LONG_SWEEP = { ticker: 'BTC-USD', interval: '1h', fast_range: [5, 50], slow_range: [10, 200], step: 1 } as const

export const marketData = createMarketData()

/** The bundled server on an ephemeral port, over a real engine pool and the bundled market data. */
export async function startTradingApi(opts: Partial<TradingApiOptions> & { pool?: SweepPool } = {}) {
  const pool = opts.pool ?? new SweepPool({ workers: 1 })
  const app = await buildApp({ engine: pool, marketData, callbackBackoffMs: 20, ...opts })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  return {
    app,
    baseUrl: `http://127.0.0.1:${port}`,
    async close() {
      await app.close()
      if (!opts.pool) await pool.close()
    },
  }
}

export interface Received {
  headers: http.IncomingHttpHeaders
  body: unknown
}

/** An HTTP server that records what is POSTed to it; `answer` picks the status of each request. */
export async function startReceiver(answer: (n: number) => number = () => 200) {
  const received: Received[] = []
  let n = 0
  const waiters: Array<() => void> = []
  const server = http.createServer((req, res) => {
    let raw = ''
    req.on('data', (c: Buffer) => (raw += c.toString()))
    req.on('end', () => {
      received.push({ headers: req.headers, body: raw ? (JSON.parse(raw) as unknown) : null })
      res.writeHead(answer(++n)).end()
      waiters.splice(0).forEach((w) => w())
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    /** Resolves once `count` requests have arrived. */
    async waitFor(count: number, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} callbacks, got ${received.length}`)
        await new Promise<void>((resolve) => {
          waiters.push(resolve)
          setTimeout(resolve, 100)
        })
      }
      return received
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

export async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>
}

/** Polls a job until it reaches a terminal status. */
export async function waitForJob(baseUrl: string, jobId: string, headers: Record<string, string> = {}, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const job = await json(await fetch(`${baseUrl}/api/v1/jobs/${jobId}`, { headers }))
    if (['completed', 'failed', 'cancelled'].includes(job.status as string)) return job
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${String(job.status)}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

export const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })

export const postForm = (url: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form).toString() })
