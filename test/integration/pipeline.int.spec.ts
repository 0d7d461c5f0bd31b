import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inProcessRunner, startExecutor } from '@zixly/executor'
import { createMarketData } from '@zixly/market-data'
import { RESULT_FIELDS, SweepResultRow } from '@zixly/contracts'
import { eventually, isolatedEnv, type TestEnv } from '../support/env.ts'
import { startBackbone, startIngest } from '../support/stack.ts'

const seed = { ticker: 'BTC-USD', fast_range: [10, 20], slow_range: [20, 30], step: 5, strategy_type: 'SMA' }

let env: TestEnv
let ingest: Awaited<ReturnType<typeof startIngest>>
let backbone: Awaited<ReturnType<typeof startBackbone>>
let executor: Awaited<ReturnType<typeof startExecutor>>
let runner: ReturnType<typeof inProcessRunner>

beforeAll(async () => {
  env = await isolatedEnv('pipeline')
  const marketData = createMarketData()
  ingest = await startIngest(env, { knownTicker: (t, i) => marketData.has(t, i) })
  backbone = await startBackbone(env)
  runner = inProcessRunner({ marketData, workers: 2 })
  executor = await startExecutor({ nc: env.nc, names: env.names, logger: env.logger, runner, executorId: 'it-executor' })
})
afterAll(async () => {
  await executor?.stop()
  await runner?.close()
  await backbone?.stop()
  await ingest?.stop()
  await env?.cleanup()
})

type Job = { status: string; results_count: number; top_results: unknown[]; attempts: Array<{ status: string }>; progress: { pct: number } }

async function submit(body: unknown): Promise<string> {
  const res = await fetch(`${ingest.url}/webhook/trading-sweep`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...ingest.headers },
    body: JSON.stringify(body),
  })
  expect(res.status).toBe(202)
  return ((await res.json()) as { job_id: string }).job_id
}

async function finished(jobId: string, timeoutMs = 15_000): Promise<Job> {
  return eventually(async () => {
    const res = await fetch(`${ingest.url}/webhook/jobs/${jobId}`, { headers: ingest.headers })
    if (res.status !== 200) return undefined
    const job = (await res.json()) as Job
    return ['COMPLETED', 'FAILED', 'CANCELLED'].includes(job.status) ? job : undefined
  }, timeoutMs)
}

describe('one sweep from webhook to read model', () => {
  it('completes the seed request with 8 result rows carrying every SCORE.md field', async () => {
    const jobId = await submit(seed)
    const job = await finished(jobId, 5000)
    expect(job.status).toBe('COMPLETED')
    expect(job.results_count).toBe(8)
    expect(job.progress.pct).toBe(100)
    expect(job.attempts).toMatchObject([{ status: 'SUCCEEDED' }])

    const page = (await (await fetch(`${ingest.url}/webhook/jobs/${jobId}/results?limit=50&offset=0`, { headers: ingest.headers })).json()) as {
      total_count: number
      results: Array<Record<string, unknown>>
    }
    expect(page.total_count).toBe(8)
    const pairs = page.results.map((r) => `${String(r.fast_period)}/${String(r.slow_period)}`).sort()
    expect(pairs).toEqual(['10/20', '10/25', '10/30', '15/20', '15/25', '15/30', '20/25', '20/30'])
    for (const row of page.results) {
      expect(Object.keys(row).sort()).toEqual([...RESULT_FIELDS].sort())
      expect(SweepResultRow.safeParse(row).success).toBe(true)
      expect(row.max_drawdown_duration).toMatch(/^\d+ days$/)
    }
    // Sorted by score, best first, as the job view's top list is.
    const scores = page.results.map((r) => r.score as number)
    expect(scores).toEqual([...scores].sort((a, b) => b - a))
  })

  it('completes the full 7,925-pair grid through the webhook and stores every combination once', async () => {
    const jobId = await submit({ ticker: 'BTC-USD', fast_range: [5, 50], slow_range: [10, 200], step: 1, strategy_type: 'SMA' })
    const job = await finished(jobId, 60_000)
    expect(job.status).toBe('COMPLETED')
    expect(job.results_count).toBe(7925)
    const ranked = await env.pool.query<{ n: string; top: number }>(
      `SELECT count(rank_for_ticker) AS n, min(rank_for_ticker) AS top FROM trading_sweep_results WHERE job_id = $1`,
      [jobId],
    )
    expect(Number(ranked.rows[0]!.n)).toBeGreaterThan(0)
    expect(ranked.rows[0]!.top).toBe(1)
    const page = (await (await fetch(`${ingest.url}/webhook/jobs/${jobId}/results?limit=1000&offset=7000`, { headers: ingest.headers })).json()) as {
      total_count: number
      returned_count: number
    }
    expect(page).toMatchObject({ total_count: 7925, returned_count: 925 })
  })

  it('pages and sorts results by any metric', async () => {
    const jobId = await submit({ ...seed, strategy_type: 'EMA' })
    await finished(jobId)
    const page = (await (await fetch(`${ingest.url}/webhook/jobs/${jobId}/results?sort=max_drawdown_pct&order=asc&limit=3&offset=2`, { headers: ingest.headers })).json()) as {
      total_count: number
      returned_count: number
      results: Array<{ max_drawdown_pct: number }>
    }
    expect(page.total_count).toBe(8)
    expect(page.returned_count).toBe(3)
    const dd = page.results.map((r) => r.max_drawdown_pct)
    expect(dd).toEqual([...dd].sort((a, b) => a - b))
  })

  it('records a failed job with its reason when the data cut leaves too few bars', async () => {
    const jobId = await submit({ ...seed, start: '2030-01-01', max_attempts: 1 })
    const job = (await finished(jobId)) as Job & { error: string }
    expect(job.status).toBe('FAILED')
    expect(job.error).toMatch(/./)
  })

  it('keeps a timeline of every event of the job in order', async () => {
    const jobId = await submit({ ...seed, strategy_type: 'MACD' })
    await finished(jobId)
    const r = await env.pool.query<{ type: string }>(`SELECT type FROM job_events WHERE job_id = $1 ORDER BY seq`, [jobId])
    const types = r.rows.map((x) => x.type)
    expect(types[0]).toBe('SweepRequested')
    expect(types.slice(1, 3)).toEqual(['SweepDispatched', 'SweepStarted'])
    expect(types.at(-1)).toBe('SweepCompleted')
    expect(types).toContain('SweepResultsRecorded')
  })
})
