import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { annFactorFor, runSweep, SweepPool } from '@zixly/engine'
import { createMarketData } from '@zixly/market-data'
import { folderStore } from '@zixly/object-store'
import { buildApp as buildTradingApi } from '@zixly/trading-api'
import { createTradingApiClient } from '@zixly/trading-api-client'
import { httpRunner, startExecutor, withResultsArchive, type ResultsArchive } from '@zixly/executor'
import { gridPairs, parseEvent, type SweepResultRow } from '@zixly/contracts'
import { readSubject } from '@zixly/platform'
import { eventually, isolatedEnv, type TestEnv } from '../support/env.ts'
import { startBackbone, startIngest, TEST_CALLBACK_SECRET } from '../support/stack.ts'

const seed = { ticker: 'BTC-USD', fast_range: [10, 20], slow_range: [20, 30], step: 5, strategy_type: 'SMA' } as const
const marketData = createMarketData()

let env: TestEnv
let ingest: Awaited<ReturnType<typeof startIngest>>
let backbone: Awaited<ReturnType<typeof startBackbone>>
let objects: string

beforeAll(async () => {
  env = await isolatedEnv('httpadapter')
  ingest = await startIngest(env, { knownTicker: (t, i) => marketData.has(t, i) })
  backbone = await startBackbone(env)
  objects = await mkdtemp(join(tmpdir(), 'zixly-objects-'))
})
afterAll(async () => {
  await backbone?.stop()
  await ingest?.stop()
  await env?.cleanup()
  await rm(objects, { recursive: true, force: true })
})

/** The engine run directly on the same series: what every adapter must reproduce. */
async function expectedRows(): Promise<SweepResultRow[]> {
  const { closes } = await marketData.load('BTC-USD', { interval: '1d' })
  return runSweep(closes, {
    strategy: 'SMA',
    pairs: gridPairs(seed.fast_range, seed.slow_range, seed.step),
    minTrades: 50,
    fee: 0.001,
    initCash: 1000,
    annFactor: annFactorFor('BTC-USD', '1d'),
    signalPeriod: 9,
    barUnit: 'days',
  })
}

async function withExecutor(baseUrl: string, opts: { callbacks: boolean; pollMs: number }, fn: () => Promise<void>) {
  const runner = withResultsArchive(
    httpRunner({
      nc: env.nc,
      names: env.names,
      client: createTradingApiClient({ baseUrl, timeoutMs: 5000 }),
      callbackBaseUrl: opts.callbacks ? ingest.url : null,
      callbackSecret: TEST_CALLBACK_SECRET,
      pollIntervalMs: opts.pollMs,
    }),
    { store: folderStore(objects), marketData },
  )
  const executor = await startExecutor({ nc: env.nc, names: env.names, logger: env.logger, runner, executorId: 'http' })
  try {
    await fn()
  } finally {
    await executor.stop()
  }
}

async function submit(body: unknown): Promise<string> {
  const res = await fetch(`${ingest.url}/webhook/trading-sweep`, { method: 'POST', headers: { 'content-type': 'application/json', ...ingest.headers }, body: JSON.stringify(body) })
  expect(res.status).toBe(202)
  return ((await res.json()) as { job_id: string }).job_id
}

async function completedRows(jobId: string, timeoutMs = 20_000) {
  await eventually(async () => {
    const r = await env.pool.query<{ status: string }>(`SELECT status FROM pipeline_jobs WHERE id = $1`, [jobId])
    return r.rows[0]?.status === 'COMPLETED' ? true : undefined
  }, timeoutMs)
  const page = (await (await fetch(`${ingest.url}/webhook/jobs/${jobId}/results?sort=fast_period&order=asc&limit=100`, { headers: ingest.headers })).json()) as { results: SweepResultRow[] }
  return page.results
}

const byPair = (rows: SweepResultRow[]) => [...rows].sort((a, b) => a.fast_period - b.fast_period || a.slow_period - b.slow_period)

async function events(jobId: string) {
  const msgs = await readSubject(env.nc.jetstream(), await env.nc.jetstreamManager(), env.names.eventsStream, env.names.eventSubject('local', jobId))
  return msgs.map((m) => parseEvent(m.data))
}

describe('the http adapter against the bundled Trading-API server', () => {
  let api: { url: string; close: () => Promise<void> }
  beforeAll(async () => {
    const pool = new SweepPool({ workers: 1 })
    const app = await buildTradingApi({ engine: pool, marketData })
    await app.listen({ port: 0, host: '127.0.0.1' })
    api = {
      url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
      close: async () => {
        await app.close()
        await pool.close()
      },
    }
  })
  afterAll(async () => api?.close())

  it('completes the seed request by callback with the same results as in-process, and archives them', async () => {
    // Polls only every minute: within the deadline, only the callback through ingest can end the wait.
    await withExecutor(api.url, { callbacks: true, pollMs: 60_000 }, async () => {
      const jobId = await submit(seed)
      const rows = await completedRows(jobId)
      expect(byPair(rows)).toEqual(byPair(await expectedRows()))
      const archive = JSON.parse(await readFile(join(objects, 'local', jobId, 'results.json'), 'utf8')) as ResultsArchive
      expect(archive.results).toHaveLength(8)
      // The default archive (`RESULTS_ARCHIVE=rows`) keeps params and rows only: the dashboard
      // recomputes a pair's equity curve on demand (web/src/lib/server/equity.ts).
      expect(archive.params.ticker).toBe('BTC-USD')
      expect(archive.equity_curves).toBeUndefined()
      expect(archive.dates).toBeUndefined()
      const completed = (await events(jobId)).find((e) => e.type === 'SweepCompleted')
      expect(completed?.type === 'SweepCompleted' && completed.data.results_uri).toMatch(new RegExp(`^file://.*local/${jobId}/results\\.json$`))
      // A remote Trading API does not report buy-and-hold; the archive wrapper computes it.
      expect(completed?.type === 'SweepCompleted' && completed.data.bnh_return_pct).not.toBe(0)
    })
  })

  it('completes the seed request by polling when callbacks are disabled', async () => {
    await withExecutor(api.url, { callbacks: false, pollMs: 50 }, async () => {
      const jobId = await submit(seed)
      expect(byPair(await completedRows(jobId))).toEqual(byPair(await expectedRows()))
    })
  })
})

describe('POST /webhook/sweep-callback', () => {
  /** A Trading API that never calls back and reports "running" forever: only a callback can end a job. */
  async function silentApi(rows: SweepResultRow[]) {
    const submitted: string[] = []
    const server = http.createServer((req, res) => {
      const send = (code: number, body: unknown) => res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body))
      let raw = ''
      req.on('data', (c: Buffer) => (raw += c.toString()))
      req.on('end', () => {
        const now = new Date().toISOString()
        if (req.method === 'POST' && req.url === '/api/v1/strategy/sweep') {
          const id = `remote-${submitted.length + 1}`
          submitted.push(id)
          return send(200, { job_id: id, status: 'pending', created_at: now, status_url: `/api/v1/jobs/${id}`, stream_url: `/api/v1/jobs/${id}/stream` })
        }
        const job = /^\/api\/v1\/jobs\/([^/?]+)$/.exec(req.url ?? '')
        if (job && req.method === 'GET')
          return send(200, { job_id: job[1], status: 'running', progress: 50, result_data: null, error_message: null, created_at: now, started_at: now, completed_at: null })
        if (req.url?.startsWith('/api/v1/sweeps/run-'))
          return send(200, { sweep_run_id: 'run-x', total_count: rows.length, returned_count: rows.length, offset: 0, limit: 500, results: rows })
        return send(404, { detail: 'not found' })
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, submitted, close: () => new Promise<void>((r) => server.close(() => r())) }
  }

  const token = (jobId: string) => new URLSearchParams({ job_id: jobId, tenant: 'local', token: '' }).toString()
  async function callbackUrl(jobId: string) {
    const { callbackToken } = await import('@zixly/platform')
    return `${ingest.url}/webhook/sweep-callback?${new URLSearchParams({ job_id: jobId, tenant: 'local', token: callbackToken(TEST_CALLBACK_SECRET, 'local', jobId) }).toString()}`
  }

  const dialects: Array<[string, (remote: string) => { body: unknown; headers: Record<string, string> }]> = [
    [
      "the real service's status body with X-Job-ID",
      (remote) => ({
        body: { job_id: remote, status: 'completed', progress: 100, result_data: { sweep_run_id: 'run-x' }, error_message: null, created_at: new Date().toISOString(), started_at: null, completed_at: new Date().toISOString(), webhook_sent_at: new Date().toISOString() },
        headers: { 'x-job-id': remote },
      }),
    ],
    [
      "the seed worker's event_type body",
      (remote) => ({
        body: { event_type: 'sweep.completed', job_id: remote, sweep_run_id: 'run-x', status: 'completed', ticker: 'BTC-USD', timestamp: new Date().toISOString(), result_data: { sweep_run_id: 'run-x', total_combinations: 8, execution_time_seconds: 1.2, completed_at: new Date().toISOString() } },
        headers: {},
      }),
    ],
  ]

  it.each(dialects)('completes the job once for %s; an identical second callback changes nothing', async (_name, make) => {
    const rows = await expectedRows()
    const fake = await silentApi(rows)
    try {
      await withExecutor(fake.url, { callbacks: true, pollMs: 60_000 }, async () => {
        const jobId = await submit(seed)
        await eventually(async () => (fake.submitted.length > 0 && (await events(jobId)).some((e) => e.type === 'SweepStarted') ? true : undefined))
        const remote = fake.submitted.at(-1)!
        const { body, headers } = make(remote)
        const post = async () =>
          fetch(await callbackUrl(jobId), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
        expect((await post()).status).toBe(200)
        expect(byPair(await completedRows(jobId))).toEqual(byPair(rows))
        const count = (await events(jobId)).length
        expect((await post()).status).toBe(200)
        await new Promise((r) => setTimeout(r, 300))
        expect((await events(jobId)).length).toBe(count)
        expect((await events(jobId)).filter((e) => e.type === 'SweepCompleted')).toHaveLength(1)
      })
    } finally {
      await fake.close()
    }
  })

  it('refuses a callback without a valid token (401) and a body that fits neither dialect (400)', async () => {
    const jobId = '4f0c3c7e-1111-4111-8111-111111111111'
    const bad = await fetch(`${ingest.url}/webhook/sweep-callback?${token(jobId)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(bad.status).toBe(401)
    const neither = await fetch(await callbackUrl(jobId), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hello: 'world' }) })
    expect(neither.status).toBe(400)
    expect(neither.headers.get('content-type')).toContain('application/problem+json')
  })
})
