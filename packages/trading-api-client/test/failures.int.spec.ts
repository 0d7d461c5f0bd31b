import { EventEmitter, on } from 'node:events'
import type { NormalizedCallback } from '@zixly/contracts'
import { createMetrics } from '@zixly/platform'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createCallbackHub,
  createTradingApiClient,
  runRemoteSweep,
  TradingApiError,
  type TradingApiErrorCode,
} from '../src/index.ts'
import { isoNow, referenceRow, SEED_PARAMS, startFakeApi, type FakeAnswer, type FakeRequest } from './helpers.ts'

const servers: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close()
})
async function fake(handle: (req: FakeRequest, n: number) => FakeAnswer | Promise<FakeAnswer>) {
  const s = await startFakeApi(handle)
  servers.push(s)
  return s
}

const submitted = (jobId = 'job-1') => ({
  json: { job_id: jobId, status: 'pending', created_at: isoNow(), status_url: `/api/v1/jobs/${jobId}`, stream_url: `/api/v1/jobs/${jobId}/stream` },
  status: 202,
})
const job = (status: string, extra: Record<string, unknown> = {}) => ({
  json: { job_id: 'job-1', status, progress: 0, result_data: null, error_message: null, created_at: isoNow(), ...extra },
})
const page = (rows: unknown[]) => ({
  json: { sweep_run_id: 'run-1', total_count: rows.length, returned_count: rows.length, offset: 0, limit: 500, results: rows },
})

/** A scripted remote sweep: the submit, then `statuses` poll by poll (the last repeats), then one page of results. */
function scripted(statuses: FakeAnswer[], rows: unknown[] = [referenceRow(10, 20, 1.2, 60)]) {
  let polls = 0
  return (req: FakeRequest): FakeAnswer => {
    if (req.method === 'POST') return submitted()
    if (req.method === 'DELETE') return job('cancelled')
    if (req.path.startsWith('/api/v1/sweeps/')) return page(rows)
    return statuses[Math.min(polls++, statuses.length - 1)] as FakeAnswer
  }
}

async function failure(p: Promise<unknown>): Promise<TradingApiError> {
  const err = await p.then(
    () => {
      throw new Error('expected a TradingApiError')
    },
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(TradingApiError)
  return err as TradingApiError
}
const expectCode = (err: TradingApiError, code: TradingApiErrorCode, retryable: boolean) =>
  expect({ code: err.code, retryable: err.retryable }).toEqual({ code, retryable })

describe('each failure of a call is a typed error', () => {
  it('a server slower than timeoutMs gives TRADING_API_TIMEOUT, retryable, without waiting it out', async () => {
    const api = await fake(() => ({ ...submitted(), delayMs: 3000 }))
    const started = Date.now()
    const err = await failure(createTradingApiClient({ baseUrl: api.baseUrl, timeoutMs: 200 }).submitSweep(SEED_PARAMS))
    expectCode(err, 'TRADING_API_TIMEOUT', true)
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('a body that stops half way gives TRADING_API_TIMEOUT', async () => {
    const api = await fake(() => ({ stall: true }))
    const err = await failure(createTradingApiClient({ baseUrl: api.baseUrl, timeoutMs: 200 }).getJob('job-1'))
    expectCode(err, 'TRADING_API_TIMEOUT', true)
  })

  it('a 500 gives TRADING_API_HTTP_5XX, retryable, with the status', async () => {
    const api = await fake(() => ({ status: 500, text: 'Internal Server Error' }))
    const err = await failure(runRemoteSweep(createTradingApiClient({ baseUrl: api.baseUrl, timeoutMs: 1000 }), SEED_PARAMS))
    expectCode(err, 'TRADING_API_HTTP_5XX', true)
    expect(err.details.httpStatus).toBe(500)
    expect(err.message).toContain('Internal Server Error')
  })

  it('malformed JSON gives TRADING_API_BAD_RESPONSE, not retryable', async () => {
    const api = await fake(() => ({ text: '{"job_id": "job-1", "status":' }))
    const err = await failure(createTradingApiClient({ baseUrl: api.baseUrl, timeoutMs: 1000 }).submitSweep(SEED_PARAMS))
    expectCode(err, 'TRADING_API_BAD_RESPONSE', false)
    expect(err.message).toMatch(/malformed JSON/)
  })

  it('JSON that does not fit the contract gives TRADING_API_BAD_RESPONSE naming the field', async () => {
    const api = await fake(() => ({ json: { id: 7, state: 'queued' } }))
    const err = await failure(createTradingApiClient({ baseUrl: api.baseUrl, timeoutMs: 1000 }).submitSweep(SEED_PARAMS))
    expectCode(err, 'TRADING_API_BAD_RESPONSE', false)
    expect(err.message).toContain('job_id')
  })

  it('a 429 is a rejection that may be retried; a 422 one that may not', async () => {
    const api = await fake((_r, n) => ({ status: n === 1 ? 429 : 422, json: { detail: 'no' } }))
    const client = createTradingApiClient({ baseUrl: api.baseUrl, timeoutMs: 1000 })
    expectCode(await failure(client.submitSweep(SEED_PARAMS)), 'TRADING_API_REJECTED', true)
    expectCode(await failure(client.submitSweep(SEED_PARAMS)), 'TRADING_API_REJECTED', false)
  })

  it('a closed port gives TRADING_API_UNAVAILABLE, retryable', async () => {
    const api = await fake(() => submitted())
    await api.close()
    const err = await failure(createTradingApiClient({ baseUrl: api.baseUrl, timeoutMs: 1000 }).submitSweep(SEED_PARAMS))
    expectCode(err, 'TRADING_API_UNAVAILABLE', true)
  })

  it('counts latency and errors per endpoint in the metrics it is given', async () => {
    const api = await fake(() => ({ status: 503, text: 'busy' }))
    const metrics = createMetrics('trading-api-client-test')
    await failure(createTradingApiClient({ baseUrl: api.baseUrl, timeoutMs: 1000, metrics }).getJob('x'))
    const text = await metrics.registry.metrics()
    expect(text).toMatch(/trading_api_errors_total\{endpoint="job",error_type="TRADING_API_HTTP_5XX"[^}]*\} 1/)
    expect(text).toMatch(/trading_api_latency_seconds_count\{[^}]*endpoint="job"[^}]*\} 1/)
  })
})

describe('runRemoteSweep against servers that misbehave', () => {
  it('completes by polling, backing off, when the server never calls back; ranks rows the server left unranked', async () => {
    const api = await fake(
      scripted([job('running', { progress: 30 }), job('running', { progress: 60 }), job('completed', { progress: 100, result_data: { sweep_run_id: 'run-1' } })], [
        referenceRow(10, 20, 1.2, 60),
        referenceRow(15, 30, 1.5, 40),
        referenceRow(20, 30, 1.1, 55),
      ]),
    )
    const hub = createCallbackHub()
    const progress: number[] = []
    const result = await runRemoteSweep(createTradingApiClient({ baseUrl: api.baseUrl, timeoutMs: 1000 }), SEED_PARAMS, {
      callbacks: hub.subscribe,
      webhookUrl: 'http://127.0.0.1:1/never-called',
      pollIntervalMs: 50,
      pollFactor: 5,
      onProgress: (p) => progress.push(p),
    })
    expect(result).toMatchObject({ jobId: 'job-1', sweepRunId: 'run-1', via: 'poll' })
    expect(progress).toEqual([30, 60, 100])
    const polls = api.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/api/v1/jobs/')).map((r) => r.at)
    const gaps = polls.slice(1).map((t, i) => t - (polls[i] as number))
    // 50 ms, then 250 ms: the wide factor keeps the check meaningful on a loaded machine.
    expect(gaps[1]).toBeGreaterThanOrEqual(240)
    expect(gaps[1]).toBeGreaterThan((gaps[0] as number) + 100)
    // min_trades 50: (15,30) scores best but has 40 closed trades, so it gets no rank.
    expect(result.rows.map((r) => [r.fast_period, r.rank_for_ticker])).toEqual([
      [10, 1],
      [15, null],
      [20, 2],
    ])
    expect(result.rows[0]).toMatchObject({ calmar_ratio: 0, beats_bnh_pct: 0, profit_factor: 2.2 })
    const submit = api.requests[0]?.body as Record<string, unknown>
    expect(submit).toMatchObject({ ticker: 'BTC-USD', fast_range: [10, 20], webhook_url: 'http://127.0.0.1:1/never-called' })
  })

  it('takes a callback that arrives before the submit answer', async () => {
    const hub = createCallbackHub()
    const api = await fake((req) => {
      if (req.method === 'POST') {
        hub.publish({ job_id: 'job-1', status: 'completed', sweep_run_id: 'run-1', progress: 100 })
        return { ...submitted(), delayMs: 50 }
      }
      if (req.path.startsWith('/api/v1/sweeps/')) return page([referenceRow(10, 20, 1.2, 60)])
      return job('running')
    })
    const result = await runRemoteSweep(createTradingApiClient({ baseUrl: api.baseUrl, timeoutMs: 1000 }), SEED_PARAMS, {
      callbacks: hub.subscribe,
      pollIntervalMs: 60_000,
    })
    expect(result.via).toBe('callback')
    expect(api.requests.some((r) => r.path.startsWith('/api/v1/jobs/'))).toBe(false)
  })

  it('hears callbacks from an async iterable, ignoring other jobs’ callbacks', async () => {
    const emitter = new EventEmitter()
    async function* callbacks(): AsyncGenerator<NormalizedCallback> {
      for await (const [cb] of on(emitter, 'callback')) yield cb as NormalizedCallback
    }
    const api = await fake(scripted([job('running')]))
    setTimeout(() => {
      emitter.emit('callback', { job_id: 'someone-else', status: 'failed' })
      emitter.emit('callback', { job_id: 'job-1', status: 'completed', sweep_run_id: 'run-1' })
    }, 100)
    const result = await runRemoteSweep(createTradingApiClient({ baseUrl: api.baseUrl, timeoutMs: 1000 }), SEED_PARAMS, {
      callbacks: callbacks(),
      pollIntervalMs: 60_000,
    })
    expect(result).toMatchObject({ via: 'callback', sweepRunId: 'run-1' })
  })

  it('asks for the job once when a completion callback carries no sweep_run_id', async () => {
    const api = await fake(scripted([job('completed', { sweep_run_id: 'run-1', result_data: { sweep_run_id: 'run-1' } })]))
    let served = false
    const result = await runRemoteSweep(createTradingApiClient({ baseUrl: api.baseUrl, timeoutMs: 1000 }), SEED_PARAMS, {
      callbacks: {
        next: async () => {
          if (served) return new Promise<never>(() => undefined)
          served = true
          return { job_id: 'job-1', status: 'completed' }
        },
      },
      pollIntervalMs: 60_000,
    })
    expect(result).toMatchObject({ via: 'callback', sweepRunId: 'run-1' })
    expect(api.requests.filter((r) => r.path === '/api/v1/jobs/job-1')).toHaveLength(1)
  })

  it('a remote job that failed gives TRADING_API_JOB_FAILED with its reason', async () => {
    const api = await fake(scripted([job('failed', { error_message: 'vectorbt: out of memory' })]))
    const err = await failure(runRemoteSweep(createTradingApiClient({ baseUrl: api.baseUrl, timeoutMs: 1000 }), SEED_PARAMS, { pollIntervalMs: 20 }))
    expectCode(err, 'TRADING_API_JOB_FAILED', true)
    expect(err.message).toContain('vectorbt: out of memory')
  })

  it('a remote job cancelled by someone else gives TRADING_API_CANCELLED', async () => {
    const api = await fake(scripted([job('cancelled')]))
    const err = await failure(runRemoteSweep(createTradingApiClient({ baseUrl: api.baseUrl, timeoutMs: 1000 }), SEED_PARAMS, { pollIntervalMs: 20 }))
    expectCode(err, 'TRADING_API_CANCELLED', false)
  })

  it('rides out a few 500s while polling', async () => {
    const err500: FakeAnswer = { status: 500, text: 'oops' }
    const api = await fake(scripted([err500, err500, job('completed', { sweep_run_id: 'run-1' })]))
    const result = await runRemoteSweep(createTradingApiClient({ baseUrl: api.baseUrl, timeoutMs: 1000 }), SEED_PARAMS, { pollIntervalMs: 20 })
    expect(result.sweepRunId).toBe('run-1')
  })

  it('gives up with TRADING_API_HTTP_5XX when polls keep failing', async () => {
    const api = await fake(scripted([{ status: 502, text: 'bad gateway' }]))
    const err = await failure(
      runRemoteSweep(createTradingApiClient({ baseUrl: api.baseUrl, timeoutMs: 1000 }), SEED_PARAMS, { pollIntervalMs: 10, maxPollFailures: 2 }),
    )
    expectCode(err, 'TRADING_API_HTTP_5XX', true)
    expect(api.requests.filter((r) => r.method === 'GET')).toHaveLength(3)
  })

  it('a job the server forgot (404 while polling) gives TRADING_API_JOB_LOST, retryable', async () => {
    const api = await fake(scripted([{ status: 404, json: { detail: 'Job not found' } }]))
    const err = await failure(runRemoteSweep(createTradingApiClient({ baseUrl: api.baseUrl, timeoutMs: 1000 }), SEED_PARAMS, { pollIntervalMs: 10 }))
    expectCode(err, 'TRADING_API_JOB_LOST', true)
  })

  it('the overall timeout gives TRADING_API_TIMEOUT and cancels the remote job', async () => {
    const api = await fake(scripted([job('running', { progress: 10 })]))
    const err = await failure(
      runRemoteSweep(createTradingApiClient({ baseUrl: api.baseUrl, timeoutMs: 1000 }), SEED_PARAMS, { pollIntervalMs: 20, overallTimeoutMs: 300 }),
    )
    expectCode(err, 'TRADING_API_TIMEOUT', true)
    expect(api.requests.at(-1)).toMatchObject({ method: 'DELETE', path: '/api/v1/jobs/job-1' })
  })

  it('a result page with malformed rows gives TRADING_API_BAD_RESPONSE', async () => {
    const api = await fake(scripted([job('completed', { sweep_run_id: 'run-1' })], [{ fast_period: 'ten', slow_period: 20 }]))
    const err = await failure(runRemoteSweep(createTradingApiClient({ baseUrl: api.baseUrl, timeoutMs: 1000 }), SEED_PARAMS, { pollIntervalMs: 10 }))
    expectCode(err, 'TRADING_API_BAD_RESPONSE', false)
  })

  it('sends the API key on every call', async () => {
    const api = await fake(scripted([job('completed', { sweep_run_id: 'run-1' })]))
    await runRemoteSweep(createTradingApiClient({ baseUrl: api.baseUrl, apiKey: 's3cret', timeoutMs: 1000 }), SEED_PARAMS, { pollIntervalMs: 10 })
    expect(api.requests.map((r) => r.headers['x-api-key'])).toEqual(api.requests.map(() => 's3cret'))
  })
})
