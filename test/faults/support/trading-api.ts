import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { gridPairs, TradingApiSweepRequest, type TradingApiJobState } from '@zixly/contracts'

// A Trading API stand-in speaking the real service's contract (DESIGN.md "The sweep",
// contracts/src/trading-api.ts): submit, job status, DELETE to cancel, paged results. How it behaves
// is scripted per ticker, so one server and one executor serve every case of a test.

/** What the server does with the n-th submission (1-based) for a ticker. */
export type Behaviour = (submission: number) => 'unavailable' | 'complete' | 'hang'

interface RemoteJob {
  id: string
  ticker: string
  status: TradingApiJobState
  pairs: Array<[number, number]>
  minTrades: number
  created: string
}

/** A result row as the reference service pages it. */
function row(fast: number, slow: number, minTrades: number) {
  const score = (slow - fast) / 10
  return {
    fast_period: fast,
    slow_period: slow,
    score,
    sharpe_ratio: 1.1,
    sortino_ratio: 1.4,
    calmar_ratio: 0.7,
    total_return_pct: 120 + fast,
    annualized_return: 12.5,
    max_drawdown_pct: 30,
    max_drawdown_duration: '200 days',
    win_rate_pct: 45,
    profit_factor: 1.8,
    expectancy_per_trade: 2.5,
    total_trades: minTrades + 5,
    total_closed_trades: minTrades + 4,
    trades_per_month: 0.9,
    avg_trade_duration: '12.5 days',
    beats_bnh_pct: 10,
  }
}

export async function startTradingApi(behaviours: Record<string, Behaviour>) {
  const submissions = new Map<string, number>()
  const jobs = new Map<string, RemoteJob>()
  const deletes: string[] = []
  let next = 1
  const send = (res: http.ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  const view = (j: RemoteJob) => ({
    job_id: j.id,
    status: j.status,
    progress: j.status === 'completed' ? 100 : 10,
    result_data:
      j.status === 'completed' ? { sweep_run_id: `run-${j.id}`, total_combinations: j.pairs.length } : null,
    error_message: null,
    created_at: j.created,
    started_at: j.created,
    completed_at: j.status === 'completed' ? new Date().toISOString() : null,
  })

  const server = http.createServer((req, res) => {
    let raw = ''
    req.on('data', (c: Buffer) => (raw += c.toString()))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x')
      const jobMatch = /^\/api\/v1\/jobs\/([^/]+)$/.exec(url.pathname)
      const runMatch = /^\/api\/v1\/sweeps\/run-([^/]+)$/.exec(url.pathname)
      if (req.method === 'POST' && url.pathname === '/api/v1/strategy/sweep') {
        const body = TradingApiSweepRequest.safeParse(raw ? JSON.parse(raw) : {})
        if (!body.success) return send(res, 422, { detail: body.error.issues })
        const ticker = body.data.ticker
        const n = (submissions.get(ticker) ?? 0) + 1
        submissions.set(ticker, n)
        const what = behaviours[ticker]?.(n) ?? 'complete'
        if (what === 'unavailable')
          return send(res, 503, { detail: 'the test server is down for this ticker' })
        const id = `remote-${next++}`
        const job: RemoteJob = {
          id,
          ticker,
          status: what === 'hang' ? 'running' : 'completed',
          pairs: gridPairs(body.data.fast_range, body.data.slow_range, body.data.step),
          minTrades: body.data.min_trades,
          created: new Date().toISOString(),
        }
        jobs.set(id, job)
        return send(res, 200, {
          job_id: id,
          status: 'pending',
          created_at: job.created,
          status_url: `/api/v1/jobs/${id}`,
          stream_url: `/api/v1/jobs/${id}/stream`,
        })
      }
      if (jobMatch) {
        const job = jobs.get(decodeURIComponent(jobMatch[1]!))
        if (!job) return send(res, 404, { detail: 'no such job' })
        if (req.method === 'DELETE') {
          deletes.push(job.id)
          job.status = 'cancelled'
        }
        return send(res, 200, view(job))
      }
      if (req.method === 'GET' && runMatch) {
        const job = jobs.get(decodeURIComponent(runMatch[1]!))
        if (!job || job.status !== 'completed') return send(res, 404, { detail: 'no such sweep run' })
        const limit = Math.min(500, Number(url.searchParams.get('limit') ?? 100))
        const offset = Number(url.searchParams.get('offset') ?? 0)
        const rows = job.pairs.slice(offset, offset + limit).map(([f, s]) => row(f, s, job.minTrades))
        return send(res, 200, {
          sweep_run_id: `run-${job.id}`,
          total_count: job.pairs.length,
          returned_count: rows.length,
          offset,
          limit,
          results: rows,
        })
      }
      if (url.pathname === '/health') return send(res, 200, { status: 'healthy' })
      return send(res, 404, { detail: 'not found' })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    /** Submissions per ticker, remote jobs by id, and the remote jobs a DELETE cancelled. */
    submissions,
    jobs,
    deletes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
