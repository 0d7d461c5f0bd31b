// Attack table, row 2: no credentials, a revoked key, a JWT with alg none / a wrong signature / expired /
// from another issuer → 401; a VIEWER triggering, cancelling or retrying → 403; and the whole role ×
// route matrix from the one policy table, over every route ingest registers.
import { randomUUID } from 'node:crypto'
import { authorize, isPermission, makeJwtVerifier, signJwt } from '@zixly/auth'
import type { Role } from '@zixly/contracts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seed, world, type Tenant, type World } from './world.ts'

const ISSUER = 'https://idp.test'
const SECRET = 'jwt-secret-for-the-attack-table-0123456789'
let w: World
let acme: Tenant

beforeAll(async () => {
  w = await world('authn', { jwt: await makeJwtVerifier({ issuer: ISSUER, audience: 'zixly', algorithms: ['HS256'], secret: SECRET }) })
  acme = await w.tenant('acme')
})
afterAll(async () => w?.cleanup())

const inject = (method: string, url: string, headers: Record<string, string> = {}, payload?: unknown) =>
  w.app.inject({ method: method as 'GET', url, headers: payload === undefined ? headers : { ...headers, 'content-type': 'application/json' }, ...(payload === undefined ? {} : { payload: payload as object }) })
const jwt = (o: { iss?: string; exp?: number; key?: string; role?: Role } = {}) =>
  signJwt(
    { sub: 'ci-bot', tenant_id: 'acme', role: o.role ?? 'EDITOR' },
    { secret: o.key ?? SECRET, issuer: o.iss ?? ISSUER, audience: 'zixly', expiresAt: o.exp ?? Math.floor(Date.now() / 1000) + 300 },
  )
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
const bearer = (t: string) => ({ authorization: `Bearer ${t}` })
const concrete = (url: string) => url.replace(/:id\b/g, randomUUID()).replace(/:[a-z_]+/gi, 'x')

describe('401: who are you?', () => {
  it('no credentials on every route that is not public', async () => {
    const routes = w.app.securedRoutes().filter((r) => r.permission !== 'public')
    expect(routes.length).toBeGreaterThan(5)
    for (const r of routes) {
      const res = await inject(r.method, concrete(r.url), {}, r.method === 'GET' || r.method === 'DELETE' ? undefined : seed)
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(401)
      expect(res.headers['content-type']).toContain('application/problem+json')
    }
  })
  it('a revoked key', async () => {
    const created = (await inject('POST', '/api/keys', acme.as('ADMIN'), { name: 'soon revoked', role: 'EDITOR' })).json()
    expect((await inject('GET', '/api/auth/me', { 'x-api-key': created.key })).statusCode).toBe(200)
    expect((await inject('DELETE', `/api/keys/${created.id}`, acme.as('ADMIN'))).statusCode).toBe(200)
    expect((await inject('POST', '/webhook/trading-sweep', { 'x-api-key': created.key }, seed)).statusCode).toBe(401)
    expect((await inject('GET', '/api/auth/me', bearer(created.key))).statusCode).toBe(401)
  })
  it('a key that is well formed but unknown, or altered by one character', async () => {
    const k = acme.keys.EDITOR
    const altered = k.slice(0, -1) + (k.endsWith('A') ? 'B' : 'A')
    expect((await inject('GET', '/api/auth/me', { 'x-api-key': altered })).statusCode).toBe(401)
    expect((await inject('GET', '/api/auth/me', { 'x-api-key': `zxk_000000000000_${'A'.repeat(43)}` })).statusCode).toBe(401)
  })
  it('a JWT with alg none', async () => {
    const claims = { sub: 'ci-bot', tenant_id: 'acme', role: 'ADMIN', iss: ISSUER, aud: 'zixly', exp: Math.floor(Date.now() / 1000) + 300 }
    expect((await inject('GET', '/api/auth/me', bearer(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`))).statusCode).toBe(401)
  })
  it('a JWT with a wrong signature, an expired one, and one from another issuer', async () => {
    expect((await inject('GET', '/api/auth/me', bearer(await jwt({ key: 'someone-elses-secret-0123456789-abcdefgh' })))).statusCode).toBe(401)
    expect((await inject('GET', '/api/auth/me', bearer(await jwt({ exp: Math.floor(Date.now() / 1000) - 600 })))).statusCode).toBe(401)
    expect((await inject('GET', '/api/auth/me', bearer(await jwt({ iss: 'https://evil.test' })))).statusCode).toBe(401)
  })
  it('a valid JWT is accepted (the control), for its own tenant and role', async () => {
    const res = await inject('GET', '/api/auth/me', bearer(await jwt()))
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ user: { id: 'ci-bot', email: '', role: 'EDITOR', tenant_id: 'acme' } })
  })
  it('a session cookie that does not exist, and another authorization scheme', async () => {
    expect((await inject('GET', '/api/auth/me', { cookie: `zixly_session=${'x'.repeat(43)}` })).statusCode).toBe(401)
    expect((await inject('GET', '/api/auth/me', { authorization: 'Basic YWRtaW46YWRtaW4=' })).statusCode).toBe(401)
  })
})

describe('403: a VIEWER may only read', () => {
  it('triggering', async () => {
    const before = await w.events()
    expect((await inject('POST', '/webhook/trading-sweep', acme.as('VIEWER'), seed)).statusCode).toBe(403)
    expect((await inject('POST', '/webhook/trading-sweep', bearer(await jwt({ role: 'VIEWER' })), seed)).statusCode).toBe(403)
    expect(await w.events()).toBe(before)
  })
  it('cancelling and retrying (every route guarded by jobs:cancel or jobs:retry)', async () => {
    const guarded = w.app.securedRoutes().filter((r) => r.permission === 'jobs:cancel' || r.permission === 'jobs:retry')
    for (const r of guarded) expect((await inject(r.method, concrete(r.url), acme.as('VIEWER'), {})).statusCode, r.url).toBe(403)
  })
  it('a forged POST from a VIEWER session', async () => {
    const u = await w.user('acme', 'VIEWER')
    const login = await inject('POST', '/api/auth/login', {}, { email: u.email, password: u.password })
    const cookie = String(login.headers['set-cookie']).split(';')[0]!
    expect((await inject('POST', '/webhook/trading-sweep', { cookie }, seed)).statusCode).toBe(403)
  })
})

describe('the role × route matrix', () => {
  it('every route declares a permission the policy table knows (or is public)', () => {
    const bad = w.app.securedRoutes().filter((r) => r.permission !== 'public' && r.permission !== 'authenticated' && !isPermission(r.permission))
    expect(bad).toEqual([])
  })
  it('each role reaches exactly the routes the policy table gives it', async () => {
    const failures: string[] = []
    for (const r of w.app.securedRoutes()) {
      if (!isPermission(r.permission)) continue
      for (const role of ['VIEWER', 'EDITOR', 'ADMIN'] as const) {
        const res = await inject(r.method, concrete(r.url), acme.as(role), r.method === 'GET' || r.method === 'DELETE' ? undefined : {})
        const allowed = authorize({ role }, r.permission)
        if (allowed ? res.statusCode === 401 || res.statusCode === 403 : res.statusCode !== 403)
          failures.push(`${role} ${r.method} ${r.url} (${r.permission}) → ${res.statusCode}`)
      }
    }
    expect(failures).toEqual([])
  })
})

describe('sessions for people', () => {
  it('log in (cookie HttpOnly, SameSite=Strict, Path=/), use, and log out', async () => {
    const u = await w.user('acme', 'EDITOR')
    expect((await inject('POST', '/api/auth/login', {}, { email: u.email, password: 'wrong password!' })).statusCode).toBe(401)
    const login = await inject('POST', '/api/auth/login', {}, { email: u.email.toUpperCase(), password: u.password })
    expect(login.statusCode).toBe(200)
    expect(login.json()).toEqual({ user: { id: u.id, email: u.email, role: 'EDITOR', tenant_id: 'acme' } })
    const setCookie = String(login.headers['set-cookie'])
    expect(setCookie).toMatch(/^zixly_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/$/)
    const cookie = setCookie.split(';')[0]!
    expect((await inject('GET', '/api/auth/me', { cookie })).json().user.email).toBe(u.email)
    const out = await inject('POST', '/api/auth/logout', { cookie })
    expect(out.statusCode).toBe(204)
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0')
    expect((await inject('GET', '/api/auth/me', { cookie })).statusCode).toBe(401)
  })
  it('end when an admin changes the user’s role', async () => {
    const u = await w.user('acme', 'EDITOR')
    const cookie = String((await inject('POST', '/api/auth/login', {}, { email: u.email, password: u.password })).headers['set-cookie']).split(';')[0]!
    expect((await inject('PATCH', `/api/users/${u.id}`, acme.as('ADMIN'), { role: 'VIEWER' })).statusCode).toBe(200)
    expect((await inject('GET', '/api/auth/me', { cookie })).statusCode).toBe(401)
  })
  it('an unknown email is refused like a wrong password', async () => {
    const res = await inject('POST', '/api/auth/login', {}, { email: 'nobody@acme.test', password: 'whatever it is' })
    expect(res.statusCode).toBe(401)
    expect(res.json().detail).toBe('invalid email or password')
  })
})
