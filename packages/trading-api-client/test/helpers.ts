import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeRequest {
  method: string
  path: string
  headers: http.IncomingHttpHeaders
  body: unknown
  at: number
}

export type FakeAnswer =
  | { status?: number; json?: unknown; text?: string; delayMs?: number }
  /** Sends headers and part of the body, then never finishes. */
  | { stall: true }

/** A scripted stand-in for a Trading API: `handle` answers each request; every request is recorded. */
export async function startFakeApi(handle: (req: FakeRequest, n: number) => FakeAnswer | Promise<FakeAnswer>) {
  const requests: FakeRequest[] = []
  const open = new Set<http.ServerResponse>()
  const server = http.createServer((req, res) => {
    let raw = ''
    req.on('data', (c: Buffer) => (raw += c.toString()))
    req.on('end', () => {
      const r: FakeRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body: raw ? (JSON.parse(raw) as unknown) : undefined,
        at: Date.now(),
      }
      requests.push(r)
      void Promise.resolve(handle(r, requests.length)).then(async (a) => {
        if ('stall' in a) {
          open.add(res)
          res.writeHead(200, { 'content-type': 'application/json' })
          res.write('{"job_id":')
          return
        }
        if (a.delayMs) {
          open.add(res)
          await new Promise((resolve) => setTimeout(resolve, a.delayMs))
          open.delete(res)
          if (res.destroyed) return
        }
        const body = a.text ?? (a.json === undefined ? '' : JSON.stringify(a.json))
        res.writeHead(a.status ?? 200, { 'content-type': 'application/json' }).end(body)
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of open) res.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export const SEED_PARAMS = {
  ticker: 'BTC-USD',
  fast_range: [10, 20] as [number, number],
  slow_range: [20, 30] as [number, number],
  step: 5,
  min_trades: 50,
  strategy_type: 'SMA' as const,
}

/** A row as the reference service pages it: no `rank_for_ticker`, zero metrics written as null. */
export function referenceRow(fast: number, slow: number, score: number, closedTrades: number) {
  return {
    result_id: `r-${fast}-${slow}`,
    ticker: 'BTC-USD',
    strategy_type: 'SMA',
    signal_period: null,
    fast_period: fast,
    slow_period: slow,
    score,
    sharpe_ratio: 1.1,
    sortino_ratio: 1.4,
    calmar_ratio: null,
    total_return_pct: 250.5,
    annualized_return: 20.1,
    win_rate_pct: 40,
    profit_factor: 2.2,
    expectancy_per_trade: 3.3,
    max_drawdown_pct: 50,
    max_drawdown_duration: '400 days',
    total_trades: closedTrades + 1,
    total_closed_trades: closedTrades,
    trades_per_month: 0.8,
    avg_trade_duration: '12.5 days',
    beats_bnh_pct: null,
  }
}

export const isoNow = () => new Date().toISOString()
