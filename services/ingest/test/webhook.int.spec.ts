import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isolatedEnv, type TestEnv } from '../../../test/support/env.ts'
import { startIngest, streamCount } from '../../../test/support/stack.ts'

const seed = { ticker: 'BTC-USD', fast_range: [10, 20], slow_range: [20, 30], step: 5, strategy_type: 'SMA' }
let env: TestEnv
let ingest: Awaited<ReturnType<typeof startIngest>>

beforeAll(async () => {
  env = await isolatedEnv('webhook')
  ingest = await startIngest(env, { knownTicker: async (t) => ['BTC-USD', 'ETH-USD'].includes(t) })
})
afterAll(async () => {
  await ingest?.stop()
  await env?.cleanup()
})

const post = (body: string | undefined, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(`${ingest.url}/webhook/trading-sweep`, { method: 'POST', headers: { ...headers, ...ingest.headers }, ...(body === undefined ? {} : { body }) })

describe('POST /webhook/trading-sweep', () => {
  it('answers 202 with job_id, status_url and Location only after the append is stored', async () => {
    const before = await streamCount(env, env.names.eventsStream)
    const res = await post(JSON.stringify(seed))
    expect(res.status).toBe(202)
    const body = (await res.json()) as { job_id: string; status: string; status_url: string; created_at: string }
    expect(body.status).toBe('QUEUED')
    expect(body.status_url).toBe(`/webhook/jobs/${body.job_id}`)
    expect(res.headers.get('location')).toBe(body.status_url)
    expect(new Date(body.created_at).toString()).not.toBe('Invalid Date')
    expect(await streamCount(env, env.names.eventsStream)).toBe(before + 1)
  })

  it('gives the same job for the same Idempotency-Key, with one event in the log', async () => {
    const before = await streamCount(env, env.names.eventsStream)
    const headers = { 'content-type': 'application/json', 'idempotency-key': 'order-42' }
    const a = (await (await post(JSON.stringify(seed), headers)).json()) as { job_id: string }
    const second = await post(JSON.stringify(seed), headers)
    const b = (await second.json()) as { job_id: string }
    expect(second.status).toBe(202)
    expect(b.job_id).toBe(a.job_id)
    expect(second.headers.get('idempotent-replayed')).toBe('true')
    expect(await streamCount(env, env.names.eventsStream)).toBe(before + 1)
  })

  it('keeps the job for a key even when the Redis record is gone (beyond any cache window)', async () => {
    const headers = { 'content-type': 'application/json', 'idempotency-key': 'order-43' }
    const a = (await (await post(JSON.stringify(seed), headers)).json()) as { job_id: string }
    for (const k of await env.redis.keys(`zixly:${env.namespace}:idem:*`)) await env.redis.del(k)
    const before = await streamCount(env, env.names.eventsStream)
    const b = (await (await post(JSON.stringify(seed), headers)).json()) as { job_id: string }
    expect(b.job_id).toBe(a.job_id)
    expect(await streamCount(env, env.names.eventsStream)).toBe(before)
  })

  it('refuses a reused Idempotency-Key with another body (422) and appends nothing', async () => {
    const headers = { 'content-type': 'application/json', 'idempotency-key': 'order-44' }
    await post(JSON.stringify(seed), headers)
    const before = await streamCount(env, env.names.eventsStream)
    const res = await post(JSON.stringify({ ...seed, step: 1 }), headers)
    expect(res.status).toBe(422)
    expect(res.headers.get('content-type')).toContain('application/problem+json')
    expect(await streamCount(env, env.names.eventsStream)).toBe(before)
  })

  const bad: Array<[string, string | undefined, string[], Record<string, string>?]> = [
    ['a reversed fast_range', JSON.stringify({ ...seed, fast_range: [30, 10] }), ['fast_range']],
    ['fast_range[0] ≥ slow_range[0]', JSON.stringify({ ...seed, fast_range: [20, 25] }), ['fast_range']],
    ['a missing ticker', JSON.stringify({ ...seed, ticker: undefined }), ['ticker']],
    ['a 500-character ticker', JSON.stringify({ ...seed, ticker: 'X'.repeat(500) }), ['ticker']],
    ['a string step', JSON.stringify({ ...seed, step: '5' }), ['step']],
    ['an unknown strategy_type', JSON.stringify({ ...seed, strategy_type: 'RSI' }), ['strategy_type']],
    ['an unknown ticker', JSON.stringify({ ...seed, ticker: 'NOPE-USD' }), ['ticker']],
    ['several bad fields at once', JSON.stringify({ ...seed, ticker: 5, step: 'x', strategy_type: 'RSI' }), ['ticker', 'step', 'strategy_type']],
    ['a body that is not JSON', 'ticker=BTC-USD', []],
    ['a form-encoded body', 'ticker=BTC-USD', [], { 'content-type': 'application/x-www-form-urlencoded' }],
    ['an empty body', '', []],
    ['no body at all', undefined, ['(body)'], {}],
  ]
  it.each(bad)('answers 400 problem+json for %s and appends nothing', async (_name, body, fields, headers) => {
    const before = await streamCount(env, env.names.eventsStream)
    const res = await post(body, headers)
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toContain('application/problem+json')
    const problem = (await res.json()) as { status: number; code: string; errors?: Array<{ field: string }> }
    expect(problem.status).toBe(400)
    const named = (problem.errors ?? []).map((e) => e.field)
    for (const f of fields) expect(named).toContain(f)
    expect(await streamCount(env, env.names.eventsStream)).toBe(before)
  })
})

describe('GET /webhook/jobs/:id', () => {
  it('answers 404 problem+json for an unknown job', async () => {
    const res = await fetch(`${ingest.url}/webhook/jobs/4f0c3c7e-1111-4111-8111-111111111111`, { headers: ingest.headers })
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toContain('application/problem+json')
  })
  it('answers 404 for an id that is not a job id', async () => {
    expect((await fetch(`${ingest.url}/webhook/jobs/..%2f..%2fetc`, { headers: ingest.headers })).status).toBe(404)
  })
})

describe('operations', () => {
  it('reports readiness of NATS, Postgres and Redis', async () => {
    const res = await fetch(`${ingest.url}/ready`)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'ready', checks: { nats: { ok: true }, postgres: { ok: true }, redis: { ok: true } } })
  })
  it('serves an OpenAPI document generated from the request schema', async () => {
    const doc = (await (await fetch(`${ingest.url}/openapi.json`)).json()) as any
    const schema = doc.paths['/webhook/trading-sweep'].post.requestBody.content['application/json'].schema
    expect(schema.properties.strategy_type.enum).toEqual(['SMA', 'EMA', 'MACD'])
    expect(schema.required).toEqual(expect.arrayContaining(['ticker', 'fast_range', 'slow_range']))
  })
  it('exports request metrics', async () => {
    const text = await (await fetch(`${ingest.url}/metrics`)).text()
    expect(text).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/webhook\/trading-sweep"/)
    expect(text).toMatch(/pipeline_jobs_queued_total\{[^}]*ticker="BTC-USD"[^}]*\} [1-9]/)
  })
})
