import { RESULT_FIELDS } from '@zixly/contracts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SEED_SWEEP, startTradingApi } from './helpers.ts'

/**
 * A client written the way the seed's pipeline worker talks to a Trading API: an axios-like
 * instance (base URL, `X-API-Key`, 30 s timeout), a health check, a form-encoded submit with the
 * ranges as JSON strings, polling every 5 s up to 60 times until `completed`, then `/best`.
 */
function seedWorkerClient(baseURL: string, apiKey: string) {
  const http = async (method: string, path: string, opts: { data?: URLSearchParams; params?: Record<string, string> } = {}) => {
    const url = new URL(path, baseURL)
    for (const [k, v] of Object.entries(opts.params ?? {})) url.searchParams.set(k, v)
    const res = await fetch(url, {
      method,
      headers: {
        'X-API-Key': apiKey,
        ...(opts.data && { 'Content-Type': 'application/x-www-form-urlencoded' }),
      },
      ...(opts.data && { body: opts.data.toString() }),
      signal: AbortSignal.timeout(30_000),
    })
    if (res.status < 200 || res.status >= 300) throw new Error(`Request failed with status code ${res.status}`)
    return { status: res.status, data: (await res.json()) as Record<string, any> }
  }
  return {
    async healthCheck() {
      const { data } = await http('GET', '/health')
      return data.status === 'healthy'
    },
    async submitSweep(p: typeof SEED_SWEEP) {
      const form = new URLSearchParams()
      form.append('ticker', p.ticker)
      form.append('fast_range', JSON.stringify(p.fast_range))
      form.append('slow_range', JSON.stringify(p.slow_range))
      form.append('step', String(p.step))
      form.append('min_trades', '50')
      form.append('strategy_type', p.strategy_type)
      form.append('config_path', 'minimum')
      return (await http('POST', '/api/v1/strategy/sweep', { data: form })).data
    },
    async waitForCompletion(jobId: string, maxAttempts = 60, intervalMs = 5000) {
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        const { data } = await http('GET', `/api/v1/jobs/${jobId}`)
        if (data.status === 'completed') return { data, attempt }
        if (data.status === 'failed') throw new Error(`Sweep failed: ${String(data.error_message)}`)
        await new Promise((r) => setTimeout(r, intervalMs))
      }
      throw new Error(`Sweep ${jobId} did not complete after ${maxAttempts} attempts`)
    },
    async getBest(sweepRunId: string, ticker: string) {
      return (await http('GET', `/api/v1/sweeps/${sweepRunId}/best`, { params: { ticker } })).data
    },
  }
}

describe('a client written like the seed’s worker', () => {
  let api: Awaited<ReturnType<typeof startTradingApi>>
  beforeAll(async () => {
    api = await startTradingApi({ apiKey: 'seed-worker-key', callbacksEnabled: false })
  })
  afterAll(() => api.close())

  it('completes the seed’s sweep by polling and gets the best pair with every SCORE.md field', async () => {
    const client = seedWorkerClient(api.baseUrl, 'seed-worker-key')
    expect(await client.healthCheck()).toBe(true)

    const submitted = await client.submitSweep(SEED_SWEEP)
    expect(submitted).toMatchObject({ status: 'pending', parameters: { combinations: 8 }, webhook_url: null })
    expect(typeof submitted.message).toBe('string')
    expect(typeof submitted.estimated_duration_seconds).toBe('number')

    const { data: job, attempt } = await client.waitForCompletion(submitted.job_id as string)
    expect(attempt).toBeLessThanOrEqual(60)
    expect(job.sweep_run_id).toBe(job.result_data.sweep_run_id)

    const best = await client.getBest(job.sweep_run_id as string, 'BTC-USD')
    expect(best).toMatchObject({ sweep_run_id: job.sweep_run_id, ticker: 'BTC-USD', total_results: 1, returned: 1 })
    expect(typeof best.query_timestamp).toBe('string')
    expect(typeof best.run_date).toBe('string')
    const pair = best.results[0] as Record<string, unknown>
    for (const field of RESULT_FIELDS) expect(pair, field).toHaveProperty(field)
    expect(pair).toMatchObject({ fast_period: 20, slow_period: 30, rank_for_ticker: 1 })
    expect(pair.total_closed_trades as number).toBeGreaterThanOrEqual(50)
  })
})
