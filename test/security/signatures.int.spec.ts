// Attack table, row 3: for a tenant with a signing secret, a webhook with a missing, wrong, 10-minute-old
// or already-used signature is a 401 and appends nothing; a fresh one is accepted once.
import { signWebhook } from '@zixly/auth'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seed, world, type Tenant, type World } from './world.ts'

const SECRET = 'whsec_attack_table_0123456789abcdefghijkl'
let w: World
let signed: Tenant
let unsigned: Tenant

beforeAll(async () => {
  w = await world('signatures')
  signed = await w.tenant('signed', { signingSecret: SECRET })
  unsigned = await w.tenant('unsigned')
})
afterAll(async () => w?.cleanup())

const body = JSON.stringify(seed)
const now = () => Math.floor(Date.now() / 1000)
const post = (headers: Record<string, string>, payload = body) =>
  w.app.inject({ method: 'POST', url: '/webhook/trading-sweep', headers: { 'content-type': 'application/json', ...headers }, payload })

describe('signed webhooks', () => {
  const refused: Array<[string, () => Record<string, string>]> = [
    ['a missing signature', () => ({})],
    ['a signature made with another secret', () => ({ 'x-zixly-signature': signWebhook('not-the-tenant-secret-0123456789', body, now()) })],
    ['a signature over another body', () => ({ 'x-zixly-signature': signWebhook(SECRET, body.replace('BTC', 'ETH'), now()) })],
    ['a 10-minute-old signature', () => ({ 'x-zixly-signature': signWebhook(SECRET, body, now() - 600) })],
    ['a malformed header', () => ({ 'x-zixly-signature': 'sha256=deadbeef' })],
  ]
  it.each(refused)('refuse %s with 401 and append nothing', async (_name, header) => {
    const before = await w.events()
    const res = await post({ ...signed.as('EDITOR'), ...header() })
    expect(res.statusCode).toBe(401)
    expect(res.headers['content-type']).toContain('application/problem+json')
    expect(await w.events()).toBe(before)
  })

  it('accept a fresh signature once; the same signature again is a 401 and appends nothing', async () => {
    const header = { ...signed.as('EDITOR'), 'x-zixly-signature': signWebhook(SECRET, body, now()) }
    const before = await w.events()
    expect((await post(header)).statusCode).toBe(202)
    expect(await w.events()).toBe(before + 1)
    const replay = await post(header)
    expect(replay.statusCode).toBe(401)
    expect(replay.json().detail).toMatch(/already used/)
    expect(await w.events()).toBe(before + 1)
  })

  it('verify against the raw bytes received, not a re-serialisation', async () => {
    const spaced = JSON.stringify(seed, null, 2)
    const res = await post({ ...signed.as('EDITOR'), 'x-zixly-signature': signWebhook(SECRET, spaced, now()) }, spaced)
    expect(res.statusCode).toBe(202)
  })

  it('are not required from a tenant without a signing secret', async () => {
    expect((await post(unsigned.as('EDITOR'))).statusCode).toBe(202)
  })

  it('are not asked of a signed-in person (the dashboard form): the session cookie is SameSite=Strict', async () => {
    const u = await w.user(signed.id, 'EDITOR')
    const login = await w.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: u.email, password: u.password } })
    const cookie = String(login.headers['set-cookie']).split(';')[0]!
    expect((await post({ cookie })).statusCode).toBe(202)
  })
})
