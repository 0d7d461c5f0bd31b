// The login limit per address counts people, not the dashboard in front of them: X-Forwarded-For is
// believed from a proxy ingest trusts (TRUST_PROXY) and ignored from anyone else.
import { makeSecurity } from '@zixly/auth'
import { createMetrics } from '@zixly/platform'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp, idempotencyStore, readModel } from '../src/index.ts'
import { isolatedEnv, type TestEnv } from '../../../test/support/env.ts'

const PROXY = '127.0.0.1'
const PER_ADDRESS = 30 // session-routes.ts LOGIN_LIMITS.perIp
let env: TestEnv
let app: FastifyInstance
let user: { email: string; password: string }

beforeAll(async () => {
  env = await isolatedEnv('loginlimit')
  const security = makeSecurity({ pool: env.pool, redis: env.redis, namespace: env.namespace })
  app = await buildApp({
    js: env.nc.jetstream(),
    jsm: await env.nc.jetstreamManager(),
    names: env.names,
    readModel: readModel(env.pool),
    idempotency: idempotencyStore(env.redis, env.namespace, 86_400),
    metrics: createMetrics('ingest'),
    now: () => new Date(),
    relay: () => {},
    callbackSecret: 'test-callback-secret-0123456789',
    auth: { security, trustProxy: [PROXY] },
    checks: [],
  })
  await app.ready()
  await security.admin.ensureTenant('acme', 'acme')
  user = { email: 'person@acme.test', password: 'a long enough password' }
  await security.admin.createUser('acme', { ...user, role: 'VIEWER' })
})
afterAll(async () => {
  await app?.close()
  await env?.cleanup()
})

let n = 0
/** A login with a wrong password for a new email each time (so only the per-address bucket fills). */
const attempt = (remoteAddress: string, forwardedFor?: string, body = { email: `guess${++n}@acme.test`, password: 'not the password' }) =>
  app.inject({
    method: 'POST',
    url: '/api/auth/login',
    remoteAddress,
    headers: { 'content-type': 'application/json', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
    payload: body,
  })

describe('the login limit per address', { timeout: 120_000 }, () => {
  it('counts each person behind the trusted dashboard server, so one guessing does not lock out another', async () => {
    for (let i = 0; i < PER_ADDRESS; i++) expect((await attempt(PROXY, '203.0.113.7')).statusCode).toBe(401)
    const refused = await attempt(PROXY, '203.0.113.7')
    expect(refused.statusCode).toBe(429)
    expect(refused.headers['retry-after']).toBeDefined()
    // Someone else, through the same dashboard server, signs in.
    expect((await attempt(PROXY, '198.51.100.20', user)).statusCode).toBe(200)
  })

  it('ignores X-Forwarded-For from an address it does not trust', async () => {
    const stranger = '192.0.2.44'
    for (let i = 0; i < PER_ADDRESS; i++) expect((await attempt(stranger, `203.0.113.${100 + i}`)).statusCode).toBe(401)
    expect((await attempt(stranger, '203.0.113.250', user)).statusCode).toBe(429)
  })
})
