// Hardening, row by row: security headers as helmet sets them, the CORS allow-list, body size, JSON
// depth, prototype keys, charsets and content types — each refused before anything is appended.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seed, world, type Tenant, type World } from './world.ts'

let w: World
let t: Tenant
beforeAll(async () => {
  w = await world('hardening', { corsOrigins: ['https://dashboard.acme.test'] })
  t = await w.tenant('hard')
})
afterAll(async () => w?.cleanup())

const post = (payload: string, headers: Record<string, string> = {}) =>
  w.app.inject({ method: 'POST', url: '/webhook/trading-sweep', headers: { ...t.as('EDITOR'), 'content-type': 'application/json', ...headers }, payload })

describe('headers', () => {
  it('carry helmet’s protections, an API CSP and no-store on every answer, errors included', async () => {
    for (const res of [await w.app.inject({ method: 'GET', url: '/health' }), await w.app.inject({ method: 'GET', url: '/api/jobs' })]) {
      expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'")
      expect(res.headers['x-content-type-options']).toBe('nosniff')
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN')
      expect(res.headers['strict-transport-security']).toContain('max-age=')
      expect(res.headers['cache-control']).toBe('no-store')
      expect(res.headers['x-powered-by']).toBeUndefined()
    }
  })
  it('allow CORS for an allow-listed origin only, without credentials', async () => {
    const ok = await w.app.inject({ method: 'OPTIONS', url: '/api/jobs', headers: { origin: 'https://dashboard.acme.test', 'access-control-request-method': 'GET' } })
    expect(ok.headers['access-control-allow-origin']).toBe('https://dashboard.acme.test')
    expect(ok.headers['access-control-allow-credentials']).toBeUndefined()
    const evil = await w.app.inject({ method: 'OPTIONS', url: '/api/jobs', headers: { origin: 'https://evil.test', 'access-control-request-method': 'GET' } })
    expect(evil.headers['access-control-allow-origin']).toBeUndefined()
    const get = await w.app.inject({ method: 'GET', url: '/api/jobs', headers: { ...t.as('VIEWER'), origin: 'https://evil.test' } })
    expect(get.headers['access-control-allow-origin']).toBeUndefined()
  })
})

describe('bodies', () => {
  const refused: Array<[string, string, Record<string, string>, number, string]> = [
    ['larger than 64 KiB', JSON.stringify({ ...seed, ticker: 'X'.repeat(70_000) }), {}, 413, 'FST_ERR_CTP_BODY_TOO_LARGE'],
    ['nested 33 levels deep', `{"a":${'['.repeat(33)}${']'.repeat(33)}}`, {}, 400, 'JSON_TOO_DEEP'],
    ['nested 100,000 levels deep', '['.repeat(100_000) + ']'.repeat(100_000), {}, 413, 'FST_ERR_CTP_BODY_TOO_LARGE'],
    ['with a __proto__ key', `{"__proto__":{"admin":true},${JSON.stringify(seed).slice(1)}`, {}, 400, 'FORBIDDEN_JSON_KEY'],
    ['with an escaped __proto__ key', `{"\\u005f_proto__":{"x":1},${JSON.stringify(seed).slice(1)}`, {}, 400, 'FORBIDDEN_JSON_KEY'],
    ['in UTF-16', JSON.stringify(seed), { 'content-type': 'application/json; charset=utf-16' }, 400, 'FST_ERR_CTP_INVALID_MEDIA_TYPE'],
    ['as text/plain', JSON.stringify(seed), { 'content-type': 'text/plain' }, 400, 'FST_ERR_CTP_INVALID_MEDIA_TYPE'],
    ['with an unknown field', JSON.stringify({ ...seed, tenant_id: 'someone-else' }), {}, 400, 'VALIDATION_FAILED'],
  ]
  it.each(refused)('refuse a body %s and append nothing', async (_name, payload, headers, status, code) => {
    const before = await w.events()
    const res = await post(payload, headers)
    expect(res.statusCode).toBe(status)
    expect(res.json().code).toBe(code)
    expect(await w.events()).toBe(before)
  })
  it('accept 32 levels (the limit) where a field allows nesting, as a validation error, not a parser one', async () => {
    const res = await post(`{"fast_range":${'['.repeat(31)}${']'.repeat(31)}}`)
    expect(res.statusCode).toBe(400)
    expect(res.json().code).toBe('VALIDATION_FAILED')
  })
})
