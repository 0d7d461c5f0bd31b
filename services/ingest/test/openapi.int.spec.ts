import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Validator } from '@seriousme/openapi-schema-validator'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import { isPermission, POLICY } from '@zixly/auth'
import { callbackToken } from '@zixly/platform'
import { startProjector } from '@zixly/projector'
import { isolatedEnv, type TestEnv } from '../../../test/support/env.ts'
import { startIngest, TEST_CALLBACK_SECRET } from '../../../test/support/stack.ts'
import { openApiDocument } from '../src/openapi.ts'
import type { RouteRule } from '../src/plugins/index.ts'

// The OpenAPI document against the app itself: every route fastify registered (the onRoute list
// that test/security walks too) is documented and nothing else is; what each operation says about
// credentials holds when asked without them or with too small a role; and what the routes answer,
// status and body, is what the document says they answer.

/** A parsed JSON document, walked by key. */
type Doc = any

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const
const toOpenApi = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')
const toFastify = (path: string) => path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1')
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020

let env: TestEnv
let ingest: Awaited<ReturnType<typeof startIngest>>
let doc: Doc
let rules: RouteRule[]
let projector: Awaited<ReturnType<typeof startProjector>> | undefined
const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }))

/** Every operation of the document as `METHOD /path`. */
function documented(d: Doc): Array<{ key: string; method: string; path: string; op: Doc }> {
  const out = []
  for (const [path, item] of Object.entries<Doc>(d.paths))
    for (const m of METHODS)
      if (item[m]) out.push({ key: `${m.toUpperCase()} ${path}`, method: m.toUpperCase(), path, op: item[m] })
  return out
}

const operationOf = (method: string, path: string): Doc => doc.paths[path]?.[method.toLowerCase()]

/** A concrete URL for a path template (ids that fit each route's parameter). */
const concrete = (path: string) =>
  path.replace(
    '{id}',
    path.startsWith('/api/keys')
      ? '0123456789ab'
      : path.startsWith('/api/dead-letters')
        ? 'dl-1'
        : '4f0c3c7e-1111-4111-8111-111111111111',
  )

/**
 * Calls a route and checks the answer against the document: the status must be one the operation
 * lists, and the body must fit the schema listed for it (by its content type).
 */
async function call(
  method: string,
  path: string,
  opts: { url?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const op = operationOf(method, path)
  expect(op, `${method} ${path} is documented`).toBeDefined()
  const res = await fetch(`${ingest.url}${opts.url ?? concrete(path)}`, {
    method,
    headers: {
      ...(opts.headers ?? ingest.headers),
      ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
  })
  const text = await res.text()
  const documentedStatus = op.responses[String(res.status)]
  expect(
    documentedStatus,
    `${method} ${path} answered ${res.status} (${text.slice(0, 300)}), which it does not document`,
  ).toBeDefined()
  const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim()
  let body: unknown = text
  if (documentedStatus.content) {
    const media = documentedStatus.content[type]
    expect(
      media,
      `${method} ${path} ${res.status} answered ${type}, documented: ${Object.keys(documentedStatus.content).join(', ')}`,
    ).toBeDefined()
    if (type.endsWith('json')) {
      body = JSON.parse(text)
      const schema = media.schema.$ref ? resolve(media.schema.$ref) : media.schema
      const validate = ajv.compile(schema)
      expect(
        validate(body),
        `${method} ${path} ${res.status}: ${JSON.stringify(validate.errors)}\n${text.slice(0, 500)}`,
      ).toBe(true)
    }
  } else expect(text, `${method} ${path} ${res.status} documents no body`).toBe('')
  return { res, body: body as any }
}

function resolve(ref: string): Doc {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce((node, key) => node?.[key], doc)
}

beforeAll(async () => {
  env = await isolatedEnv('openapi')
  ingest = await startIngest(env)
  rules = ingest.app.securedRoutes()
  const res = await fetch(`${ingest.url}/openapi.json`)
  expect(res.status).toBe(200)
  doc = await res.json()
})
afterAll(async () => {
  await projector?.stop()
  await ingest?.stop()
  await env?.cleanup()
})

describe('GET /openapi.json', () => {
  it('serves openApiDocument(), without credentials', () => {
    expect(doc).toEqual(JSON.parse(JSON.stringify(openApiDocument())))
  })

  it('documents every route the app registered, and no other', () => {
    const registered = rules.map((r) => `${r.method} ${toOpenApi(r.url)}`).sort()
    expect(new Set(registered).size).toBe(registered.length)
    expect(registered.length).toBeGreaterThanOrEqual(30)
    // The probes and this document are among them (the list is the whole app, not only the API).
    expect(registered).toEqual(
      expect.arrayContaining(['GET /health', 'GET /openapi.json', 'POST /webhook/trading-sweep']),
    )
    expect(
      documented(doc)
        .map((o) => o.key)
        .sort(),
    ).toEqual(registered)
    // And from the other side, asked of the router itself rather than the onRoute list.
    for (const { method, path } of documented(doc))
      expect(ingest.app.hasRoute({ method, url: toFastify(path) }), `${method} ${path}`).toBe(true)
  })

  it('is a valid OpenAPI 3.1 document whose schemas all compile', async () => {
    const validator = new Validator()
    const result = await validator.validate(structuredClone(doc))
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 1)).toEqual([])
    expect(result.valid).toBe(true)
    expect(validator.version).toBe('3.1')
    const ids = documented(doc).map((o) => o.op.operationId)
    expect(new Set(ids).size).toBe(ids.length)
    let compiled = 0
    const walk = (node: Doc): void => {
      if (Array.isArray(node)) return node.forEach(walk)
      if (node === null || typeof node !== 'object') return
      for (const [k, v] of Object.entries<Doc>(node)) {
        if (k === 'schema' && v && typeof v === 'object' && !v.$ref) {
          ajv.compile(v)
          compiled++
        } else walk(v)
      }
    }
    walk(doc.paths)
    expect(compiled).toBeGreaterThan(60)
  })

  it('says of each operation what its route asks for: permission, credentials, path parameters, problems', () => {
    const byKey = new Map(rules.map((r) => [`${r.method} ${toOpenApi(r.url)}`, r]))
    for (const { key, path, op } of documented(doc)) {
      const rule = byKey.get(key)!
      expect(op['x-zixly-permission'], key).toBe(rule.permission)
      const security: Array<Record<string, string[]>> = op.security
      expect(Array.isArray(security), key).toBe(true)
      if (rule.permission === 'public') {
        // No principal's credentials are asked for (login, callback token, probes).
        for (const req of security) {
          expect(Object.keys(req), key).not.toContain('ApiKey')
          expect(Object.keys(req), key).not.toContain('Bearer')
        }
      } else {
        expect(security, key).toEqual(
          expect.arrayContaining([{ ApiKey: [] }, { Bearer: [] }, { Session: [] }]),
        )
        expect(Object.keys(op.responses), key).toEqual(expect.arrayContaining(['401', '429']))
        if (isPermission(rule.permission)) expect(Object.keys(op.responses), key).toContain('403')
      }
      for (const req of security)
        for (const name of Object.keys(req))
          expect(doc.components.securitySchemes[name], `${key}: ${name}`).toBeDefined()

      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort()
      const pathParams = (op.parameters ?? []).filter((p: Doc) => p.in === 'path')
      expect(pathParams.map((p: Doc) => p.name).sort(), key).toEqual(templated)
      for (const p of pathParams) expect(p.required, `${key} ${p.name}`).toBe(true)

      const bodied = op.requestBody !== undefined
      if (bodied) expect(Object.keys(op.requestBody.content), key).toEqual(['application/json'])
      if (bodied || (op.parameters ?? []).some((p: Doc) => p.in === 'query'))
        expect(Object.keys(op.responses), key).toContain('400')
      for (const [status, response] of Object.entries<Doc>(op.responses)) {
        if (Number(status) < 400 || key === 'GET /ready') continue
        expect(response.content?.['application/problem+json']?.schema, `${key} ${status}`).toEqual({
          $ref: '#/components/schemas/Problem',
        })
      }
    }
    // The webhook is signed: an API key request may have to carry X-Zixly-Signature.
    expect(operationOf('POST', '/webhook/trading-sweep').security).toContainEqual({
      ApiKey: [],
      WebhookSignature: [],
    })
    expect(doc.components.securitySchemes.WebhookSignature).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'X-Zixly-Signature',
    })
    expect(doc.components.securitySchemes.ApiKey).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'X-API-Key',
    })
    expect(doc.components.securitySchemes.Bearer).toMatchObject({ type: 'http', scheme: 'bearer' })
    expect(doc.components.securitySchemes.Session).toMatchObject({ type: 'apiKey', in: 'cookie' })
  })

  it('keeps the request schema of the webhook (generated from SweepRequestBody)', () => {
    const schema = operationOf('POST', '/webhook/trading-sweep').requestBody.content['application/json']
      .schema
    expect(schema.properties.strategy_type.enum).toEqual(['SMA', 'EMA', 'MACD'])
    expect(schema.required).toEqual(expect.arrayContaining(['ticker', 'fast_range', 'slow_range']))
  })
})

describe('the routes answer as documented', () => {
  it('every route that asks for credentials answers 401 problem+json without them', async () => {
    const guarded = rules.filter((r) => r.permission !== 'public')
    expect(guarded.length).toBeGreaterThan(20)
    for (const r of guarded) {
      const { res } = await call(r.method, toOpenApi(r.url), { headers: {} })
      expect(res.status, `${r.method} ${r.url}`).toBe(401)
    }
  })

  it('every route a VIEWER may not use answers it 403 problem+json', async () => {
    const { key } = await ingest.security.admin.createApiKey(ingest.tenantId, {
      name: 'viewer',
      role: 'VIEWER',
    })
    const forbidden = rules.filter(
      (r) => isPermission(r.permission) && !POLICY[r.permission].includes('VIEWER'),
    )
    expect(forbidden.length).toBeGreaterThan(10)
    for (const r of forbidden) {
      const { res } = await call(r.method, toOpenApi(r.url), { headers: { 'x-api-key': key } })
      expect(res.status, `${r.method} ${r.url}`).toBe(403)
    }
  })

  it('a sweep, its job, its control and the callback: statuses and bodies fit the document', async () => {
    const sweep = {
      ticker: 'BTC-USD',
      fast_range: [10, 20],
      slow_range: [20, 30],
      step: 5,
      strategy_type: 'SMA',
    }
    const accepted = await call('POST', '/webhook/trading-sweep', { body: sweep })
    expect(accepted.res.status).toBe(202)
    const id: string = accepted.body.job_id
    const jobPath = (p: string) => ({ url: p.replace('{id}', id) })

    // No projector runs yet: the job is in the log only.
    expect((await call('GET', '/webhook/jobs/{id}', jobPath('/webhook/jobs/{id}'))).res.status).toBe(202)
    expect(
      (await call('GET', '/webhook/jobs/{id}/results', jobPath('/webhook/jobs/{id}/results?limit=5'))).res
        .status,
    ).toBe(404)
    expect(
      (await call('GET', '/webhook/jobs/{id}/results.csv', jobPath('/webhook/jobs/{id}/results.csv'))).res
        .status,
    ).toBe(404)
    expect(
      (await call('GET', '/api/jobs/{id}/timeline', jobPath('/api/jobs/{id}/timeline'))).res.status,
    ).toBe(404)
    expect((await call('POST', '/webhook/trading-sweep', { body: { ...sweep, step: 'x' } })).res.status).toBe(
      400,
    )

    // Once projected, the read model's answers (JobDetail, Timeline, ResultsPage, JobsPage, …) fit too.
    projector = await startProjector({ nc: env.nc, pool: env.pool, names: env.names, logger: env.logger })
    const deadline = Date.now() + 20_000
    let job = await call('GET', '/webhook/jobs/{id}', jobPath('/webhook/jobs/{id}'))
    while (job.res.status === 202 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50))
      job = await call('GET', '/webhook/jobs/{id}', jobPath('/webhook/jobs/{id}'))
    }
    expect(job.res.status).toBe(200)
    expect(job.body.status).toBe('QUEUED')
    expect(
      (
        await call(
          'GET',
          '/webhook/jobs/{id}/results',
          jobPath('/webhook/jobs/{id}/results?limit=5&sort=sharpe_ratio&order=asc'),
        )
      ).res.status,
    ).toBe(200)
    expect(
      (await call('GET', '/webhook/jobs/{id}/results', { url: `/webhook/jobs/${id}/results?limit=0` })).res
        .status,
    ).toBe(400)
    const csv = await call(
      'GET',
      '/webhook/jobs/{id}/results.csv',
      jobPath('/webhook/jobs/{id}/results.csv?sort=score'),
    )
    expect(csv.res.status).toBe(200)
    expect(csv.res.headers.get('content-disposition')).toContain(id)
    const timeline = await call('GET', '/api/jobs/{id}/timeline', jobPath('/api/jobs/{id}/timeline'))
    expect(timeline.body.events[0].type).toBe('SweepRequested')
    const list = await call('GET', '/api/jobs', { url: '/api/jobs?status=QUEUED&ticker=BTC-USD' })
    expect(list.body.jobs.map((j: { job_id: string }) => j.job_id)).toContain(id)
    expect(
      (await call('GET', '/api/jobs/changes', { url: '/api/jobs/changes?since=0&limit=10' })).body.jobs
        .length,
    ).toBeGreaterThan(0)
    expect(
      (await call('GET', '/api/jobs/counts', { url: '/api/jobs/counts?strategy=SMA' })).body.total,
    ).toBeGreaterThan(0)
    expect((await call('GET', '/api/stats')).body.total).toBeGreaterThan(0)

    expect(
      (await call('POST', '/api/jobs/{id}/retry', { ...jobPath('/api/jobs/{id}/retry'), body: {} })).res
        .status,
    ).toBe(409)
    expect(
      (
        await call('POST', '/api/jobs/{id}/cancel', {
          ...jobPath('/api/jobs/{id}/cancel'),
          body: { reason: 'test' },
        })
      ).res.status,
    ).toBe(202)
    expect((await call('POST', '/api/jobs/{id}/cancel', jobPath('/api/jobs/{id}/cancel'))).res.status).toBe(
      200,
    )
    expect((await call('POST', '/api/jobs/{id}/retry', jobPath('/api/jobs/{id}/retry'))).res.status).toBe(202)
    expect((await call('POST', '/api/jobs/retry', { body: { limit: 10 } })).res.status).toBe(202)
    expect((await call('POST', '/api/dead-letters/{id}/redrive')).res.status).toBe(404)

    const token = callbackToken(TEST_CALLBACK_SECRET, ingest.tenantId, id)
    const cb = `/webhook/sweep-callback?job_id=${id}&tenant=${ingest.tenantId}&token=${token}`
    const relayed = await call('POST', '/webhook/sweep-callback', {
      url: cb,
      headers: {},
      body: { job_id: id, status: 'running', progress: 10 },
    })
    expect(relayed.res.status).toBe(200)
    expect(relayed.body.dialect).toBe('trading-api')
    expect(
      (
        await call('POST', '/webhook/sweep-callback', {
          url: cb.replace(/token=[^&]+/, 'token=nope'),
          headers: {},
          body: {},
        })
      ).res.status,
    ).toBe(401)
  })

  it('the read API fits the document', async () => {
    for (const [path, url] of [
      ['/api/jobs', '/api/jobs?status=FAILED,QUEUED&limit=10'],
      ['/api/jobs/changes', '/api/jobs/changes?since=0'],
      ['/api/jobs/counts', '/api/jobs/counts?ticker=BTC-USD'],
      ['/api/stats', '/api/stats'],
      ['/api/dead-letters', '/api/dead-letters?state=all'],
      ['/api/dispatch', '/api/dispatch'],
      ['/health', '/health'],
      ['/ready', '/ready'],
      ['/metrics', '/metrics'],
    ] as const)
      expect((await call('GET', path, { url })).res.status, url).toBe(200)
    expect((await call('GET', '/api/jobs', { url: '/api/jobs?limit=9999' })).res.status).toBe(400)
    expect((await call('GET', '/api/jobs/changes', { url: '/api/jobs/changes' })).res.status).toBe(400)
    expect(
      (await call('POST', '/api/dispatch/pause', { body: { reason: 'openapi test' } })).body.paused,
    ).toBe(true)
    expect((await call('POST', '/api/dispatch/resume')).body.paused).toBe(false)
    expect(
      (await call('POST', '/api/dispatch/pause', { body: { tenant_id: 'someone-else' } })).res.status,
    ).toBe(403)
  })

  it('administration and sessions fit the document', async () => {
    expect((await call('GET', '/api/keys')).res.status).toBe(200)
    const key = await call('POST', '/api/keys', { body: { name: 'doc', role: 'VIEWER' } })
    expect(key.res.status).toBe(201)
    expect((await call('DELETE', '/api/keys/{id}', { url: `/api/keys/${key.body.id}` })).res.status).toBe(200)
    expect((await call('DELETE', '/api/keys/{id}')).res.status).toBe(404)

    expect((await call('GET', '/api/users')).res.status).toBe(200)
    const email = `doc-${Date.now()}@example.com`
    const user = await call('POST', '/api/users', {
      body: { email, password: 'correct horse battery', role: 'EDITOR' },
    })
    expect(user.res.status).toBe(201)
    expect(
      (
        await call('POST', '/api/users', {
          body: { email, password: 'correct horse battery', role: 'EDITOR' },
        })
      ).res.status,
    ).toBe(409)
    expect(
      (await call('POST', '/api/users', { body: { email: 'nope', password: 'short', role: 'X' } })).res
        .status,
    ).toBe(400)

    const login = await call('POST', '/api/auth/login', {
      headers: {},
      body: { email, password: 'correct horse battery' },
    })
    expect(login.res.status).toBe(200)
    const cookie = login.res.headers.get('set-cookie')!.split(';')[0]!
    expect((await call('GET', '/api/auth/me', { headers: { cookie } })).body.user.email).toBe(email)
    expect((await call('GET', '/api/auth/me')).res.status).toBe(200)
    expect((await call('POST', '/api/auth/logout', { headers: { cookie } })).res.status).toBe(204)
    expect(
      (await call('POST', '/api/auth/login', { headers: {}, body: { email, password: 'wrong password!' } }))
        .res.status,
    ).toBe(401)

    const userPath = `/api/users/${user.body.id}`
    expect(
      (await call('PATCH', '/api/users/{id}', { url: userPath, body: { role: 'VIEWER' } })).res.status,
    ).toBe(200)
    expect((await call('PATCH', '/api/users/{id}', { body: { role: 'VIEWER' } })).res.status).toBe(404)
    expect((await call('DELETE', '/api/users/{id}', { url: userPath })).res.status).toBe(204)

    expect((await call('GET', '/api/settings')).res.status).toBe(200)
    expect(
      (await call('PATCH', '/api/settings', { body: { read_rate_limit_per_minute: 1_000_000 } })).res.status,
    ).toBe(200)
    expect((await call('PATCH', '/api/settings', { body: { signing_secret: 'maybe' } })).res.status).toBe(400)
  })
})
