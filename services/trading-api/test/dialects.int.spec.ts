import {
  Problem,
  RESULT_FIELDS,
  toSeedSweepForm,
  TradingApiBestResults,
  TradingApiJob,
  TradingApiSubmitted,
  TradingApiSweepPage,
  TradingApiSweepRequest,
} from '@zixly/contracts'
import { runSweep } from '@zixly/engine'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { specFor } from '../src/index.ts'
import { json, LONG_SWEEP, marketData, postForm, postJson, SEED_SWEEP, startTradingApi, waitForJob } from './helpers.ts'

let api: Awaited<ReturnType<typeof startTradingApi>>
let sweepUrl: string
beforeAll(async () => {
  api = await startTradingApi({ callbacksEnabled: false })
  sweepUrl = `${api.baseUrl}/api/v1/strategy/sweep`
})
afterAll(() => api.close())

async function expectProblem(res: Response, status: number, fields: string[] = []) {
  expect(res.status).toBe(status)
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
  const body = Problem.parse(await res.json())
  expect(body.status).toBe(status)
  for (const f of fields) expect(body.errors?.map((e) => e.field)).toContain(f)
  return body
}

describe('submit in either dialect', () => {
  it.each([
    ['JSON', () => postJson(sweepUrl, SEED_SWEEP)],
    ['form-encoded', () => postForm(sweepUrl, { ...toSeedSweepForm(SEED_SWEEP), config_path: 'standard', min_trades: '50' })],
  ])('a %s submit answers with the real service’s and the seed worker’s fields', async (_name, submit) => {
    const res = await submit()
    expect(res.status).toBe(202)
    const body = TradingApiSubmitted.parse(await res.json())
    expect(body.status).toBe('pending')
    expect(body.status_url).toBe(`/api/v1/jobs/${body.job_id}`)
    expect(body.stream_url).toBe(`/api/v1/jobs/${body.job_id}/stream`)
    expect(body.parameters).toEqual({ ticker: 'BTC-USD', fast_range: [10, 20], slow_range: [20, 30], step: 5, combinations: 8 })
    expect(body.message).toContain('8 combinations')
    expect(body.estimated_duration_seconds).toBeGreaterThan(0)
    expect(body.webhook_url).toBeNull()
    expect(Date.parse(body.created_at)).not.toBeNaN()
  })

  it('a completed job carries sweep_run_id both nested and at the top level, with the engine’s results', async () => {
    const { job_id } = TradingApiSubmitted.parse(await json(await postJson(sweepUrl, SEED_SWEEP)))
    const job = TradingApiJob.parse(await waitForJob(api.baseUrl, job_id))
    expect(job).toMatchObject({ status: 'completed', progress: 100, error_message: null })
    expect(job.sweep_run_id).toBeTruthy()
    expect(job.result_data?.sweep_run_id).toBe(job.sweep_run_id)
    expect(job.result_data?.total_combinations).toBe(8)
    for (const t of [job.created_at, job.started_at, job.completed_at]) expect(Date.parse(t ?? '')).not.toBeNaN()

    const page = TradingApiSweepPage.parse(await json(await fetch(`${api.baseUrl}/api/v1/sweeps/${job.sweep_run_id}?limit=500`)))
    const series = await marketData.load('BTC-USD', { interval: '1d' })
    const direct = runSweep(series.closes, specFor(TradingApiSweepRequest.parse(SEED_SWEEP)))
    const key = (r: { fast_period: number; slow_period: number }) => `${r.fast_period}-${r.slow_period}`
    const byKey = new Map(direct.map((r) => [key(r), r]))
    expect(page.results).toHaveLength(direct.length)
    for (const r of page.results) expect(r).toMatchObject({ ...byKey.get(key(r)), ticker: 'BTC-USD', strategy_type: 'SMA' })
  })

  it('rejects a JSON body that fits neither dialect with 400 problem+json naming the fields', async () => {
    await expectProblem(await postJson(sweepUrl, { symbol: 'BTC-USD', fast: 10 }), 400, ['ticker', 'fast_range', 'slow_range'])
  })

  it('rejects a form body that fits neither dialect with 400 problem+json', async () => {
    await expectProblem(await postForm(sweepUrl, { symbol: 'BTC-USD', fast_range: '10..20' }), 400, ['ticker', 'fast_range'])
  })

  it('rejects a JSON array, malformed JSON, plain text and an unknown content type as problems', async () => {
    await expectProblem(await postJson(sweepUrl, [SEED_SWEEP]), 400)
    await expectProblem(await fetch(sweepUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"ticker":' }), 400)
    await expectProblem(await fetch(sweepUrl, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' }), 400)
    await expectProblem(await fetch(sweepUrl, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<a/>' }), 415)
  })

  it('names every broken rule: ranges out of order, a non-integer step', async () => {
    const body = await expectProblem(
      await postJson(sweepUrl, { ticker: 'BTC-USD', fast_range: [30, 40], slow_range: [20, 30], step: 1.5 }),
      400,
      ['step'],
    )
    const again = await expectProblem(await postJson(sweepUrl, { ...SEED_SWEEP, fast_range: [30, 40] }), 400, ['fast_range', 'slow_range'])
    expect(body.code).toBe('VALIDATION_FAILED')
    expect(again.errors).toHaveLength(2)
  })

  it('refuses an unknown ticker or an empty date range up front, naming the field', async () => {
    const unknown = await expectProblem(await postForm(sweepUrl, toSeedSweepForm({ ...SEED_SWEEP, ticker: 'DOGE-USD' })), 400, ['ticker'])
    expect(unknown.detail).toContain('DOGE-USD')
    await expectProblem(await postJson(sweepUrl, { ...SEED_SWEEP, start: '2031-01-01' }), 400, ['start'])
  })
})

describe('jobs', () => {
  it('answers an unknown job with 404 problem+json', async () => {
    await expectProblem(await fetch(`${api.baseUrl}/api/v1/jobs/nope`), 404)
  })

  it('DELETE cancels a running sweep and frees the engine for the next job', async () => {
    const long = TradingApiSubmitted.parse(await json(await postJson(sweepUrl, LONG_SWEEP)))
    const next = TradingApiSubmitted.parse(await json(await postJson(sweepUrl, SEED_SWEEP)))
    const res = await fetch(`${api.baseUrl}/api/v1/jobs/${long.job_id}`, { method: 'DELETE' })
    expect(res.status).toBe(200)
    expect(TradingApiJob.parse(await res.json()).status).toBe('cancelled')
    const started = Date.now()
    expect((await waitForJob(api.baseUrl, next.job_id)).status).toBe('completed')
    expect(Date.now() - started).toBeLessThan(5000)
    expect((await waitForJob(api.baseUrl, long.job_id)).status).toBe('cancelled')
    await expectProblem(await fetch(`${api.baseUrl}/api/v1/jobs/${long.job_id}`, { method: 'DELETE' }), 409)
  })
})

describe('sweep results', () => {
  let runId: string
  beforeAll(async () => {
    const { job_id } = TradingApiSubmitted.parse(await json(await postForm(sweepUrl, toSeedSweepForm(SEED_SWEEP))))
    runId = TradingApiJob.parse(await waitForJob(api.baseUrl, job_id)).sweep_run_id as string
  })

  it('pages results with limit and offset, best score first, every SCORE.md field present', async () => {
    const p1 = TradingApiSweepPage.parse(await json(await fetch(`${api.baseUrl}/api/v1/sweeps/${runId}?limit=3`)))
    const p3 = TradingApiSweepPage.parse(await json(await fetch(`${api.baseUrl}/api/v1/sweeps/${runId}?limit=3&offset=6`)))
    expect(p1).toMatchObject({ sweep_run_id: runId, total_count: 8, returned_count: 3, offset: 0, limit: 3 })
    expect(p3).toMatchObject({ total_count: 8, returned_count: 2, offset: 6 })
    const scores = p1.results.map((r) => r.score as number)
    expect(scores).toEqual([...scores].sort((a, b) => b - a))
    for (const f of RESULT_FIELDS) expect(p1.results[0]).toHaveProperty(f)
  })

  it('caps limit at 500', async () => {
    await expectProblem(await fetch(`${api.baseUrl}/api/v1/sweeps/${runId}?limit=501`), 400, ['limit'])
  })

  it('answers /best for the run’s ticker with the rank-1 pair in the seed worker’s shape', async () => {
    const best = TradingApiBestResults.parse(await json(await fetch(`${api.baseUrl}/api/v1/sweeps/${runId}/best?ticker=BTC-USD`)))
    expect(best).toMatchObject({ sweep_run_id: runId, ticker: 'BTC-USD', total_results: 1, returned: 1 })
    expect(best.results[0]).toMatchObject({ rank_for_ticker: 1, fast_period: 20, slow_period: 30 })
    expect(Date.parse(best.query_timestamp ?? '')).not.toBeNaN()
    expect(Date.parse(best.run_date)).not.toBeNaN()
    await expectProblem(await fetch(`${api.baseUrl}/api/v1/sweeps/${runId}/best?ticker=ETH-USD`), 404)
  })

  it('answers /best-per-ticker, /latest and the list of runs', async () => {
    const perTicker = TradingApiBestResults.parse(await json(await fetch(`${api.baseUrl}/api/v1/sweeps/${runId}/best-per-ticker`)))
    expect(perTicker.results.map((r) => r.ticker)).toEqual(['BTC-USD'])
    const latest = TradingApiBestResults.parse(await json(await fetch(`${api.baseUrl}/api/v1/sweeps/latest?limit=5`)))
    expect(latest.sweep_run_id).toBe(runId)
    expect(latest.results).toHaveLength(5)
    const list = (await (await fetch(`${api.baseUrl}/api/v1/sweeps/`)).json()) as Array<{ sweep_run_id: string }>
    expect(list[0]?.sweep_run_id).toBe(runId)
  })

  it('answers an unknown sweep run with 404', async () => {
    await expectProblem(await fetch(`${api.baseUrl}/api/v1/sweeps/00000000-0000-0000-0000-000000000000`), 404)
  })
})

describe('health and metrics', () => {
  it.each(['/health', '/health/'])('%s answers healthy', async (path) => {
    const body = await json(await fetch(api.baseUrl + path))
    expect(body.status).toBe('healthy')
  })

  it('/metrics exposes request durations and job counts', async () => {
    const text = await (await fetch(`${api.baseUrl}/metrics`)).text()
    expect(text).toContain('http_request_duration_seconds_bucket')
    expect(text).toMatch(/pipeline_jobs\{[^}]*status="completed"[^}]*\} [1-9]/)
  })
})
