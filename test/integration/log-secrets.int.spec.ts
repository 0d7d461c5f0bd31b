import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { makeJwtVerifier, makeSecurity, signJwt, signWebhook } from '@zixly/auth'
import { SweepPool } from '@zixly/engine'
import { httpRunner, startExecutor } from '@zixly/executor'
import { buildApp, idempotencyStore, readModel } from '@zixly/ingest'
import { createMarketData } from '@zixly/market-data'
import { logChannel, makeDeliveryStore, makeSender, startNotifier } from '@zixly/notifier'
import { startOrchestrator } from '@zixly/orchestrator'
import { startProjector } from '@zixly/projector'
import { buildApp as buildTradingApi } from '@zixly/trading-api'
import { createTradingApiClient } from '@zixly/trading-api-client'
import { callbackToken, createLogger, createMetrics } from '@zixly/platform'
import { captureStream } from '@zixly/platform/testing'
import { eventually, isolatedEnv, type TestEnv } from '../support/env.ts'

// Every service in this process, all logging at `trace` into one buffer, through a run that uses every
// kind of credential: a user logs in (password, session cookie), a JWT calls the API, an API key posts
// a signed webhook and creates another key, the executor calls a Trading API with its key, the
// Trading API calls back with its per-job token, and the notifier signs a callback. None of the
// secret values may appear anywhere in the log output.

const SIGNING_SECRET = 'whsec-log-secrets-0123456789abcdef'
const JWT_SECRET = 'jwt-secret-log-secrets-0123456789abcdef'
const TRADING_API_KEY = 'tapi-key-log-secrets-0123456789'
const CALLBACK_SECRET = 'callback-secret-log-secrets-0123456789'
const PASSWORD = 'correct horse battery staple 42'
const seed = { ticker: 'BTC-USD', fast_range: [10, 20], slow_range: [20, 30], step: 5, strategy_type: 'SMA' }

const capture = captureStream()
const logger = (service: string) => createLogger(service, 'trace', capture.stream)
const marketData = createMarketData()
/** Every secret value the run handles; the log output must contain none of them. */
const secrets = new Map<string, string>([
  ['signing secret', SIGNING_SECRET],
  ['JWT secret', JWT_SECRET],
  ['Trading-API key', TRADING_API_KEY],
  ['callback secret', CALLBACK_SECRET],
  ['password', PASSWORD],
])
let env: TestEnv
let ingestUrl: string
const closers: Array<() => Promise<unknown>> = []
const callbacks: Array<{ signature: string | undefined }> = []

beforeAll(async () => {
  env = await isolatedEnv('logsecrets')
  const jwt = await makeJwtVerifier({ issuer: 'https://idp.test', audience: 'zixly', algorithms: ['HS256'], secret: JWT_SECRET })
  const security = makeSecurity({ pool: env.pool, redis: env.redis, namespace: env.namespace, jwt })
  await security.admin.ensureTenant('acme', 'acme')
  await security.admin.updateSettings('acme', { rate_limit_per_minute: 1_000_000, read_rate_limit_per_minute: 1_000_000 })
  await security.admin.updateSettings('acme', { signing_secret: 'rotate', signing_secret_value: SIGNING_SECRET })
  const apiKey = (await security.admin.createApiKey('acme', { name: 'ci', role: 'ADMIN' })).key
  secrets.set('API key', apiKey)
  await security.admin.createUser('acme', { email: 'ops@acme.test', password: PASSWORD, role: 'ADMIN' })

  const ingest = await buildApp({
    js: env.nc.jetstream(),
    jsm: await env.nc.jetstreamManager(),
    names: env.names,
    readModel: readModel(env.pool),
    idempotency: idempotencyStore(env.redis, env.namespace, 86_400),
    metrics: createMetrics('ingest'),
    logger: logger('ingest'),
    now: () => new Date(),
    relay: (subject, payload) => env.nc.publish(subject, JSON.stringify(payload)),
    callbackSecret: CALLBACK_SECRET,
    auth: { security },
    knownTicker: (t, i) => marketData.has(t, i),
    checks: [],
  })
  await ingest.listen({ port: 0, host: '127.0.0.1' })
  ingestUrl = `http://127.0.0.1:${(ingest.server.address() as AddressInfo).port}`
  closers.push(() => ingest.close())

  const engine = new SweepPool({ workers: 1 })
  const api = await buildTradingApi({ engine, marketData, apiKey: TRADING_API_KEY, logger: logger('trading-api') })
  await api.listen({ port: 0, host: '127.0.0.1' })
  closers.push(async () => {
    await api.close()
    await engine.close()
  })

  const receiver = http.createServer((req, res) => {
    callbacks.push({ signature: req.headers['x-zixly-signature'] as string | undefined })
    req.resume().on('end', () => res.writeHead(200).end('ok'))
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  closers.push(() => new Promise((r) => receiver.close(r)))

  const orchestrator = await startOrchestrator({ nc: env.nc, names: env.names, logger: logger('orchestrator') })
  const projector = await startProjector({ nc: env.nc, pool: env.pool, names: env.names, logger: logger('projector') })
  const notifierLogger = logger('notifier')
  const notifier = await startNotifier({
    nc: env.nc,
    names: env.names,
    logger: notifierLogger,
    channels: [logChannel(notifierLogger)],
    deliver: {
      store: makeDeliveryStore(env.pool),
      send: makeSender({
        mailer: null,
        emailFrom: 'zixly@localhost',
        signingSecretOf: async (tenantId) => (await security.store.settings(tenantId))?.signingSecret ?? null,
        links: { job: (id) => `http://dashboard.test/jobs/${id}` },
        now: () => new Date(),
        timeoutMs: 5000,
      }),
      policy: { maxAttempts: 3, baseMs: 100, maxMs: 1000 },
      leaseMs: 60_000,
      defaultsFor: () => [],
      callbacks: true,
    },
  })
  const executor = await startExecutor({
    nc: env.nc,
    names: env.names,
    logger: logger('executor'),
    executorId: 'secrets',
    runner: httpRunner({
      nc: env.nc,
      names: env.names,
      client: createTradingApiClient({ baseUrl: `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`, apiKey: TRADING_API_KEY, timeoutMs: 10_000 }),
      callbackBaseUrl: ingestUrl,
      callbackSecret: CALLBACK_SECRET,
      pollIntervalMs: 200,
    }),
  })
  closers.push(() => executor.stop(), () => Promise.all([orchestrator.stop(), projector.stop(), notifier.stop()]))
  secrets.set('receiver', `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`)
}, 60_000)

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {})
  await env?.cleanup()
})

const call = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
  fetch(ingestUrl + path, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  })

describe('no credential reaches a log line', () => {
  it('logs a run that uses every kind of credential without any of their values', async () => {
    const apiKey = secrets.get('API key')!
    const callbackUrl = secrets.get('receiver')!
    secrets.delete('receiver')

    // A user logs in (and once with a wrong password), then uses the session cookie.
    expect((await call('POST', '/api/auth/login', {}, { email: 'ops@acme.test', password: `${PASSWORD}!` })).status).toBe(401)
    const login = await call('POST', '/api/auth/login', {}, { email: 'ops@acme.test', password: PASSWORD })
    expect(login.status).toBe(200)
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!
    secrets.set('session cookie', cookie.split('=')[1]!)
    expect((await call('GET', '/api/auth/me', { cookie })).status).toBe(200)

    // A JWT calls the API; a forged one is refused.
    const token = await signJwt({ sub: 'ci-bot', tenant_id: 'acme', role: 'EDITOR' }, { secret: JWT_SECRET, issuer: 'https://idp.test', audience: 'zixly', expiresAt: Math.floor(Date.now() / 1000) + 300 })
    secrets.set('JWT', token)
    expect((await call('GET', '/api/auth/me', { authorization: `Bearer ${token}` })).status).toBe(200)
    expect((await call('GET', '/api/auth/me', { authorization: `Bearer ${token}x` })).status).toBe(401)

    // The API key creates another key (its value is in the answer only) and a wrong key is refused.
    const created = await call('POST', '/api/keys', { 'x-api-key': apiKey }, { name: 'second', role: 'VIEWER' })
    expect(created.status).toBe(201)
    secrets.set('created API key', ((await created.json()) as { key: string }).key)
    expect((await call('GET', '/webhook/jobs/00000000-0000-4000-8000-000000000000', { 'x-api-key': `${apiKey}x` })).status).toBe(401)

    // A signed webhook, and the same body with a bad signature.
    const body = JSON.stringify({ ...seed, callback_url: callbackUrl })
    const signature = signWebhook(SIGNING_SECRET, body, Math.floor(Date.now() / 1000))
    secrets.set('webhook signature', signature)
    expect((await call('POST', '/webhook/trading-sweep', { 'x-api-key': apiKey, 'x-zixly-signature': `${signature}0` }, body)).status).toBe(401)
    const accepted = await call('POST', '/webhook/trading-sweep', { 'x-api-key': apiKey, 'x-zixly-signature': signature }, body)
    expect(accepted.status).toBe(202)
    const jobId = ((await accepted.json()) as { job_id: string }).job_id

    // It runs through the Trading API (key, callback token) and ends with a signed callback.
    await eventually(async () => (callbacks.length > 0 ? true : undefined), 60_000, 100)
    secrets.set('callback signature', callbacks[0]!.signature!)
    secrets.set('callback token', callbackToken(CALLBACK_SECRET, 'acme', jobId))
    const lines = capture.lines()
    // Requests are logged with their headers at trace level: the credential headers are there, redacted.
    const requests = lines.filter((l) => l.msg === 'request') as Array<{ request: { headers: Record<string, string> } }>
    for (const h of ['x-api-key', 'x-zixly-signature', 'authorization', 'cookie'])
      expect(requests.some((r) => r.request.headers[h] === '[redacted]'), h).toBe(true)
    const about = lines.filter((l) => l.job_id === jobId)
    expect(new Set(about.map((l) => l.service))).toEqual(expect.objectContaining(new Set(['executor', 'notifier'])))

    // Every service wrote, at trace level, and none of the secrets is anywhere in it.
    expect(new Set(lines.map((l) => l.service))).toEqual(new Set(['ingest', 'orchestrator', 'executor', 'projector', 'notifier', 'trading-api']))
    const text = capture.text()
    for (const [name, value] of secrets) {
      expect(value.length, name).toBeGreaterThan(8)
      expect(text.includes(value), `the ${name} is in the logs`).toBe(false)
    }
  }, 120_000)
})
