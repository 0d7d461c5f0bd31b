// Attack table, row 4: 150 requests in a minute from one tenant against two ingest instances: exactly
// 100 accepted, the rest 429 with Retry-After and RateLimit-* headers; another tenant is unaffected.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { seed, world, type App, type Tenant, type World } from './world.ts'

let w: World
let second: App
let busy: Tenant
let quiet: Tenant

beforeAll(async () => {
  w = await world('ratelimit')
  second = await w.secondInstance()
  busy = await w.tenant('busy', { highLimits: false })
  quiet = await w.tenant('quiet', { highLimits: false })
})
afterAll(async () => {
  await second?.close()
  await w?.cleanup()
})

const post = (app: App, t: Tenant, i: number) =>
  app.inject({ method: 'POST', url: '/webhook/trading-sweep', headers: { ...t.as(i % 3 === 0 ? 'ADMIN' : 'EDITOR'), 'content-type': 'application/json' }, payload: seed })

it('admits exactly 100 of 150 writes across two instances and tells the rest when to come back', async () => {
  const before = await w.events()
  const answers = []
  // Ten at a time, alternating instances and keys: the limit holds per tenant, across both.
  for (let i = 0; i < 150; i += 10)
    answers.push(...(await Promise.all(Array.from({ length: 10 }, (_, j) => post((i + j) % 2 ? second : w.app, busy, i + j)))))
  const accepted = answers.filter((r) => r.statusCode === 202)
  const limited = answers.filter((r) => r.statusCode === 429)
  expect(accepted).toHaveLength(100)
  expect(limited).toHaveLength(50)
  for (const r of limited) {
    const retry = Number(r.headers['retry-after'])
    expect(retry).toBeGreaterThanOrEqual(1)
    expect(retry).toBeLessThanOrEqual(60)
    expect(r.headers['ratelimit-limit']).toBe('100')
    expect(r.headers['ratelimit-remaining']).toBe('0')
    expect(r.headers['content-type']).toContain('application/problem+json')
    expect(r.json().code).toBe('RATE_LIMITED')
  }
  expect(accepted[0]!.headers['ratelimit-policy']).toBe('100;w=60')
  expect(await w.events()).toBe(before + 100)

  // Another tenant, on either instance, still gets in; and the busy tenant may still read.
  expect((await post(w.app, quiet, 1)).statusCode).toBe(202)
  expect((await post(second, quiet, 2)).statusCode).toBe(202)
  expect((await w.app.inject({ method: 'GET', url: '/api/auth/me', headers: busy.as('VIEWER') })).statusCode).toBe(200)
})

it("honours a tenant's own limit and a key's own lower limit", async () => {
  await w.security.admin.ensureTenant('custom', 'custom')
  await w.security.admin.updateSettings('custom', { rate_limit_per_minute: 5 })
  const small = await w.security.admin.createApiKey('custom', { name: 'small', role: 'EDITOR', rate_limit_per_minute: 2 })
  const big = await w.security.admin.createApiKey('custom', { name: 'big', role: 'EDITOR' })
  const send = (key: string) => w.app.inject({ method: 'POST', url: '/webhook/trading-sweep', headers: { 'x-api-key': key, 'content-type': 'application/json' }, payload: seed })
  const codes = []
  for (const key of [small.key, small.key, small.key, big.key, big.key, big.key, big.key]) codes.push((await send(key)).statusCode)
  expect(codes).toEqual([202, 202, 429, 202, 202, 202, 429])
})
