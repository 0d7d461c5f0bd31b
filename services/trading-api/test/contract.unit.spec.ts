import { parseTradingApiCallback, toSeedSweepForm, TradingApiSweepRequest } from '@zixly/contracts'
import { describe, expect, it } from 'vitest'

const SEED = { ticker: 'BTC-USD', fast_range: [10, 20], slow_range: [20, 30], step: 5, strategy_type: 'SMA' } as const

describe('TradingApiSweepRequest', () => {
  it('reads the seed’s JSON request and its form encoding to the same parameters', () => {
    const fromJson = TradingApiSweepRequest.parse(SEED)
    const fromForm = TradingApiSweepRequest.parse(toSeedSweepForm(SEED))
    expect(fromForm).toEqual(fromJson)
    expect(fromJson).toMatchObject({ step: 5, min_trades: 50, signal_period: 9, interval: '1d', fee: 0.001, init_cash: 1000 })
  })

  it('treats blank form fields as absent', () => {
    const r = TradingApiSweepRequest.parse({ ...toSeedSweepForm(SEED), min_trades: '', webhook_url: '', config_path: '' })
    expect(r.min_trades).toBe(50)
    expect(r.webhook_url).toBeUndefined()
  })

  it('reads webhook_headers from a form field holding JSON', () => {
    const r = TradingApiSweepRequest.parse({ ...toSeedSweepForm(SEED), webhook_headers: '{"authorization":"Bearer x"}' })
    expect(r.webhook_headers).toEqual({ authorization: 'Bearer x' })
  })

  it('rejects a range that is not JSON, a non-integer step and an unknown config_path, naming each', () => {
    const r = TradingApiSweepRequest.safeParse({ ...toSeedSweepForm(SEED), fast_range: '10-20', step: '2.5', config_path: 'max' })
    expect(r.success).toBe(false)
    expect(r.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['config_path', 'fast_range', 'step'])
  })

  it('applies the sweep rules: fast below slow at both ends', () => {
    const r = TradingApiSweepRequest.safeParse({ ...SEED, fast_range: [25, 35] })
    expect(r.error?.issues.map((i) => i.path[0])).toEqual(['fast_range', 'slow_range'])
  })
})

describe('parseTradingApiCallback', () => {
  const realBody = {
    job_id: 'job-1',
    status: 'completed',
    progress: 100,
    result_data: { sweep_run_id: 'run-1', best_result: {} },
    error_message: null,
    created_at: '2025-10-20T10:00:00Z',
    started_at: '2025-10-20T10:00:05Z',
    completed_at: '2025-10-20T10:15:30Z',
    webhook_sent_at: '2025-10-20T10:15:30Z',
  }
  const seedBody = {
    event_type: 'sweep.failed',
    job_id: 'job-2',
    status: 'failed',
    ticker: 'BTC-USD',
    error_message: 'no data',
    timestamp: '2025-10-20T10:15:30Z',
  }

  it('normalizes the real service’s callback, taking sweep_run_id from result_data', () => {
    expect(parseTradingApiCallback(realBody, { 'X-Job-ID': 'job-1' })).toEqual({
      ok: true,
      dialect: 'trading-api',
      callback: { job_id: 'job-1', status: 'completed', sweep_run_id: 'run-1', progress: 100 },
    })
  })

  it('normalizes the seed worker’s failure callback', () => {
    expect(parseTradingApiCallback(seedBody)).toEqual({
      ok: true,
      dialect: 'seed-worker',
      callback: { job_id: 'job-2', status: 'failed', error_message: 'no data', progress: 0 },
    })
  })

  it('reads X-Job-ID from a Headers object and takes job_id from it when the body has none', () => {
    const { job_id: _omit, ...body } = realBody
    const parsed = parseTradingApiCallback(body, new Headers({ 'x-job-id': 'job-9' }))
    expect(parsed).toMatchObject({ ok: true, callback: { job_id: 'job-9' } })
  })

  it('rejects an X-Job-ID that contradicts the body', () => {
    expect(parseTradingApiCallback(realBody, { 'x-job-id': 'job-2' })).toEqual({
      ok: false,
      errors: [{ field: 'X-Job-ID', message: 'header job-2 does not match job_id job-1' }],
    })
  })

  it('rejects a seed callback whose event_type and status disagree', () => {
    const r = parseTradingApiCallback({ ...seedBody, status: 'completed' })
    expect(r).toEqual({ ok: false, errors: [{ field: 'status', message: 'does not match event_type' }] })
  })

  it.each([
    ['an empty object', {}],
    ['a string', 'completed'],
    ['null', null],
    ['an unknown status', { job_id: 'j', status: 'done' }],
    ['a seed event of another kind', { ...seedBody, event_type: 'sweep.started' }],
  ])('lists field errors for %s, which fits neither dialect', (_name, body) => {
    const r = parseTradingApiCallback(body)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.errors.length).toBeGreaterThan(0)
  })
})
