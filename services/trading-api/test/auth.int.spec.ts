import { Problem } from '@zixly/contracts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postJson, SEED_SWEEP, startTradingApi } from './helpers.ts'

describe('X-API-Key when TRADING_API_KEY is set', () => {
  let api: Awaited<ReturnType<typeof startTradingApi>>
  beforeAll(async () => {
    api = await startTradingApi({ apiKey: 'k-123', callbacksEnabled: false })
  })
  afterAll(() => api.close())

  it.each([
    ['no key', {}],
    ['a wrong key', { 'x-api-key': 'k-124' }],
    ['a key of another length', { 'x-api-key': 'k' }],
  ])('refuses a submit with %s: 401 problem+json', async (_name, headers: Record<string, string>) => {
    const res = await postJson(`${api.baseUrl}/api/v1/strategy/sweep`, SEED_SWEEP, headers)
    expect(res.status).toBe(401)
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(Problem.parse(await res.json()).code).toBe('UNAUTHORIZED')
  })

  it('guards reads of jobs and sweeps too', async () => {
    expect((await fetch(`${api.baseUrl}/api/v1/jobs/x`)).status).toBe(401)
    expect((await fetch(`${api.baseUrl}/api/v1/sweeps/latest`)).status).toBe(401)
  })

  it('accepts the right key', async () => {
    const res = await postJson(`${api.baseUrl}/api/v1/strategy/sweep`, SEED_SWEEP, { 'x-api-key': 'k-123' })
    expect(res.status).toBe(202)
  })

  it('leaves health and metrics open for probes and scrapers', async () => {
    expect((await fetch(`${api.baseUrl}/health`)).status).toBe(200)
    expect((await fetch(`${api.baseUrl}/health/`)).status).toBe(200)
    expect((await fetch(`${api.baseUrl}/metrics`)).status).toBe(200)
  })
})

describe('without TRADING_API_KEY', () => {
  it('needs no key', async () => {
    const api = await startTradingApi({ callbacksEnabled: false })
    try {
      expect((await postJson(`${api.baseUrl}/api/v1/strategy/sweep`, SEED_SWEEP)).status).toBe(202)
    } finally {
      await api.close()
    }
  })
})
