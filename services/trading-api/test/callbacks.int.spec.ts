import http from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  parseTradingApiCallback,
  SeedSweepCallback,
  toSeedSweepForm,
  TradingApiCallback,
  TradingApiSubmitted,
} from '@zixly/contracts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { json, postForm, postJson, SEED_SWEEP, startReceiver, startTradingApi, waitForJob } from './helpers.ts'

describe('callbacks to webhook_url', () => {
  let api: Awaited<ReturnType<typeof startTradingApi>>
  beforeAll(async () => {
    api = await startTradingApi({ callbackRetries: 2 })
  })
  afterAll(() => api.close())

  it('POSTs the final status with X-Job-ID and the client’s webhook_headers, readable in both dialects', async () => {
    const hook = await startReceiver()
    try {
      const submitted = TradingApiSubmitted.parse(
        await json(
          await postJson(`${api.baseUrl}/api/v1/strategy/sweep`, {
            ...SEED_SWEEP,
            webhook_url: hook.url,
            webhook_headers: { authorization: 'Bearer t0k', 'x-custom': 'yes' },
          }),
        ),
      )
      expect(submitted.webhook_url).toBe(hook.url)
      const [call] = await hook.waitFor(1)
      expect(call?.headers['x-job-id']).toBe(submitted.job_id)
      expect(call?.headers.authorization).toBe('Bearer t0k')
      expect(call?.headers['x-custom']).toBe('yes')
      expect(call?.headers['content-type']).toBe('application/json')

      const real = TradingApiCallback.parse(call?.body)
      expect(real).toMatchObject({ job_id: submitted.job_id, status: 'completed', progress: 100 })
      expect(Date.parse(real.webhook_sent_at ?? '')).not.toBeNaN()
      expect(real.sweep_run_id).toBe(real.result_data?.sweep_run_id)
      const seed = SeedSweepCallback.parse(call?.body)
      expect(seed).toMatchObject({ event_type: 'sweep.completed', ticker: 'BTC-USD', sweep_run_id: real.sweep_run_id })
      expect(seed.result_data?.total_combinations).toBe(8)

      const parsed = parseTradingApiCallback(call?.body, call?.headers ?? {})
      expect(parsed).toEqual({
        ok: true,
        dialect: 'seed-worker',
        callback: { job_id: submitted.job_id, status: 'completed', sweep_run_id: real.sweep_run_id, progress: 100 },
      })
      const job = await waitForJob(api.baseUrl, submitted.job_id)
      await api.app.tradingApi.runner.idle()
      expect((await json(await fetch(`${api.baseUrl}/api/v1/jobs/${submitted.job_id}`))).webhook_response_status).toBe(200)
      expect(job.status).toBe('completed')
    } finally {
      await hook.close()
    }
  })

  it('retries a callback answered with 503 and stops at the first 2xx', async () => {
    const hook = await startReceiver((n) => (n < 3 ? 503 : 204))
    try {
      await postForm(`${api.baseUrl}/api/v1/strategy/sweep`, toSeedSweepForm({ ...SEED_SWEEP, webhook_url: hook.url }))
      await hook.waitFor(3)
      await api.app.tradingApi.runner.idle()
      expect(hook.received).toHaveLength(3)
      expect(new Set(hook.received.map((r) => r.headers['x-job-id'])).size).toBe(1)
    } finally {
      await hook.close()
    }
  })

  it('does not retry a callback answered with 400', async () => {
    const hook = await startReceiver(() => 400)
    try {
      await postJson(`${api.baseUrl}/api/v1/strategy/sweep`, { ...SEED_SWEEP, webhook_url: hook.url })
      await hook.waitFor(1)
      await api.app.tradingApi.runner.idle()
      expect(hook.received).toHaveLength(1)
    } finally {
      await hook.close()
    }
  })

  it('gives up on a receiver that never answers after the timeout and retries', async () => {
    const silent = http.createServer(() => undefined) // reads the request, never answers
    let attempts = 0
    silent.on('request', () => attempts++)
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const quick = await startTradingApi({ callbackTimeoutMs: 150, callbackRetries: 1 })
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/hook`
      const { job_id } = TradingApiSubmitted.parse(
        await json(await postJson(`${quick.baseUrl}/api/v1/strategy/sweep`, { ...SEED_SWEEP, webhook_url: url })),
      )
      await waitForJob(quick.baseUrl, job_id)
      await quick.app.tradingApi.runner.idle()
      expect(attempts).toBe(2)
      const job = await json(await fetch(`${quick.baseUrl}/api/v1/jobs/${job_id}`))
      expect(job.webhook_response_status).toBeNull()
      expect(job.webhook_sent_at).not.toBeNull()
    } finally {
      await quick.close()
      silent.closeAllConnections()
      await new Promise<void>((resolve) => silent.close(() => resolve()))
    }
  })

  it('calls back a cancelled job with status cancelled and no event_type', async () => {
    const hook = await startReceiver()
    try {
      const { job_id } = TradingApiSubmitted.parse(
        await json(await postJson(`${api.baseUrl}/api/v1/strategy/sweep`, { ...SEED_SWEEP, interval: '1h', fast_range: [5, 50], slow_range: [10, 200], step: 1, webhook_url: hook.url })),
      )
      await fetch(`${api.baseUrl}/api/v1/jobs/${job_id}`, { method: 'DELETE' })
      const [call] = await hook.waitFor(1)
      expect(call?.body).toMatchObject({ job_id, status: 'cancelled' })
      expect(call?.body).not.toHaveProperty('event_type')
      expect(parseTradingApiCallback(call?.body, call?.headers ?? {})).toMatchObject({ ok: true, callback: { status: 'cancelled' } })
    } finally {
      await hook.close()
    }
  })
})

describe('with CALLBACKS_ENABLED=false', () => {
  it('never calls webhook_url, and the job still completes for a poller', async () => {
    const api = await startTradingApi({ callbacksEnabled: false })
    const hook = await startReceiver()
    try {
      const { job_id } = TradingApiSubmitted.parse(
        await json(await postJson(`${api.baseUrl}/api/v1/strategy/sweep`, { ...SEED_SWEEP, webhook_url: hook.url })),
      )
      expect((await waitForJob(api.baseUrl, job_id)).status).toBe('completed')
      await api.app.tradingApi.runner.idle()
      expect(hook.received).toHaveLength(0)
    } finally {
      await hook.close()
      await api.close()
    }
  })
})
