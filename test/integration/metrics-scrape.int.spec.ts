import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import http from 'node:http'
import type net from 'node:net'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeSecurity } from '@zixly/auth'
import { CONSUMERS, parseEvent } from '@zixly/contracts'
import { appendMessage, readSubject, traceIdOf } from '@zixly/platform'
import { eventually, isolatedEnv, type TestEnv } from '../support/env.ts'
import { freePort } from '../support/net.ts'
import { spawnService, type ServiceProcess } from '../support/process.ts'

// Every service as its own process, as `npm start` runs them, with the executor on the http adapter
// through a proxy to the bundled Trading API (the proxy fails one poll and holds the results until
// the test has seen the executor busy) and Slack fails twice (the notifier's event is redelivered).
// After one sweep, every service's /metrics is scraped over
// HTTP, the spans the processes exported over OTLP/HTTP are checked to form one trace, and the log
// lines about the job carry its ids.

const seed = { ticker: 'BTC-USD', fast_range: [10, 20], slow_range: [20, 30], step: 5, strategy_type: 'SMA' }
const SERVICES = ['ingest', 'orchestrator', 'executor', 'projector', 'notifier', 'trading-api'] as const
type Service = (typeof SERVICES)[number]

let env: TestEnv
let objects: string
let apiKey: string
let limitedKey: string
const ports = {} as Record<Service, number>
const procs = new Map<Service, ServiceProcess>()
const servers: http.Server[] = []
let proxyFailedPoll = false
let releaseResults!: () => void
const resultsReleased = new Promise<void>((r) => (releaseResults = r))
const slackMessages: string[] = []
/** OTLP/HTTP JSON export requests received from the services. */
const exported: Array<{ service: string; traceId: string; spanId: string; parentSpanId: string; name: string }> = []

async function listen(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler)
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`
}

const bodyOf = (req: http.IncomingMessage) =>
  new Promise<Buffer>((resolve) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
  })

/** Forwards to the Trading API; answers the first job poll with 503 and holds the first results page. */
function proxyTo(target: string): http.RequestListener {
  return (req, res) => {
    void (async () => {
      const body = await bodyOf(req)
      const path = req.url ?? '/'
      if (!proxyFailedPoll && req.method === 'GET' && path.startsWith('/api/v1/jobs/')) {
        proxyFailedPoll = true
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"detail":"try again"}')
        return
      }
      if (req.method === 'GET' && path.startsWith('/api/v1/sweeps/')) await resultsReleased
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k))) as Record<string, string>
      const answer = await fetch(target + path, { method: req.method ?? 'GET', headers, ...(body.length > 0 ? { body: new Uint8Array(body) } : {}) })
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(Buffer.from(await answer.arrayBuffer()))
    })().catch(() => res.writeHead(502).end())
  }
}

/** Records the spans of OTLP/HTTP JSON exports. */
const collector: http.RequestListener = (req, res) => {
  void bodyOf(req).then((b) => {
    type OtlpSpan = { traceId: string; spanId: string; parentSpanId?: string; name: string }
    type Otlp = { resourceSpans?: Array<{ resource?: { attributes?: Array<{ key: string; value: { stringValue?: string } }> }; scopeSpans?: Array<{ spans?: OtlpSpan[] }> }> }
    const doc = JSON.parse(b.toString()) as Otlp
    for (const rs of doc.resourceSpans ?? []) {
      const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '?'
      for (const ss of rs.scopeSpans ?? [])
        for (const s of ss.spans ?? []) exported.push({ service, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '', name: s.name })
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
  })
}

/** One sample of a Prometheus text exposition: the value of `name` whose labels include `labels`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!m || m[1] !== name) continue
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]))
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3])
  }
  return undefined
}

async function scrape(service: Service): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${ports[service]}/metrics`)
  expect(res.status).toBe(200)
  return res.text()
}

/** Scrapes until `name{labels}` is at least `min`; returns the value. */
async function reaches(service: Service, name: string, labels: Record<string, string>, min = 1): Promise<number> {
  return eventually(
    async () => {
      const v = sample(await scrape(service), name, labels)
      return v !== undefined && v >= min ? v : undefined
    },
    30_000,
    250,
  ).catch((err: unknown) => {
    throw new Error(`${service}: ${name}${JSON.stringify(labels)} never reached ${min} (${(err as Error).message})`)
  })
}

beforeAll(async () => {
  env = await isolatedEnv('metrics')
  objects = await mkdtemp(join(tmpdir(), 'zixly-metrics-objects-'))
  const security = makeSecurity({ pool: env.pool, redis: env.redis, namespace: env.namespace })
  await security.admin.ensureTenant('local', 'local')
  await security.admin.updateSettings('local', { rate_limit_per_minute: 1_000_000, read_rate_limit_per_minute: 1_000_000 })
  apiKey = (await security.admin.createApiKey('local', { name: 'metrics', role: 'ADMIN' })).key
  await security.admin.ensureTenant('limited', 'limited')
  await security.admin.updateSettings('limited', { rate_limit_per_minute: 1 })
  limitedKey = (await security.admin.createApiKey('limited', { name: 'limited', role: 'ADMIN' })).key

  for (const s of SERVICES) ports[s] = await freePort()
  const otlp = await listen(collector)
  // Slack fails twice: the notifier's terminal event is redelivered, and its consumer shows it.
  let slackCalls = 0
  const slack = await listen((req, res) =>
    void bodyOf(req).then((b) => {
      if (++slackCalls <= 2) return res.writeHead(500).end('busy')
      slackMessages.push(b.toString())
      return res.writeHead(200).end('ok')
    }),
  )
  const proxy = await listen(proxyTo(`http://127.0.0.1:${ports['trading-api']}`))
  const shared = {
    ...env.env,
    OBJECT_STORE_DIR: objects,
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp,
    OTEL_BSP_SCHEDULE_DELAY: '200',
    ZIXLY_CONSUMER_METRICS_MS: '200',
  }
  const extra: Record<Service, Record<string, string>> = {
    ingest: { PORT: String(ports.ingest) },
    orchestrator: { ORCHESTRATOR_PORT: String(ports.orchestrator) },
    executor: {
      EXECUTOR_PORT: String(ports.executor),
      EXECUTOR_ADAPTER: 'http',
      // One sweep at a time, so a command sent while it runs waits in the consumer.
      EXECUTOR_CONCURRENCY: '1',
      TRADING_API_URL: proxy,
      CALLBACK_BASE_URL: 'none',
      TRADING_API_POLL_MS: '50',
      TRADING_API_TIMEOUT_MS: '60000',
    },
    projector: { PROJECTOR_PORT: String(ports.projector) },
    notifier: { NOTIFIER_PORT: String(ports.notifier), SLACK_WEBHOOK_URL: `${slack}/hook`, NOTIFY_RETRY_BASE_MS: '1000' },
    'trading-api': { PORT: String(ports['trading-api']), ENGINE_WORKERS: '1' },
  }
  const started = await Promise.all(SERVICES.map(async (s) => [s, await spawnService(s, { ...shared, ...extra[s] }, 90_000)] as const))
  for (const [s, p] of started) procs.set(s, p)
}, 120_000)

afterAll(async () => {
  releaseResults()
  await Promise.all(
    [...procs.values()].map(async (p) => {
      p.kill('SIGTERM')
      await Promise.race([p.exited, new Promise((r) => setTimeout(r, 15_000))])
      p.kill('SIGKILL')
    }),
  )
  for (const s of servers) {
    s.closeAllConnections()
    s.close()
  }
  await env?.cleanup()
  await rm(objects, { recursive: true, force: true })
}, 60_000)

async function post(key: string, body: unknown): Promise<Response> {
  return fetch(`http://127.0.0.1:${ports.ingest}/webhook/trading-sweep`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify(body),
  })
}

describe('every service exports its metrics after one sweep', () => {
  let jobId: string

  it('runs one sweep end to end while the gauges move', async () => {
    const res = await post(apiKey, seed)
    expect(res.status).toBe(202)
    jobId = ((await res.json()) as { job_id: string }).job_id

    // Held at its results page, the executor is busy; a command sent now waits in its consumer.
    await reaches('executor', 'zixly_executor_busy_workers', { service: 'executor' }, 1)
    const notACommand = { id: 'not-a-command', type: 'RunSweep', version: 1 }
    await appendMessage(env.nc.jetstream(), env.names.runSweepSubject('local'), notACommand)
    await reaches('executor', 'zixly_consumer_pending', { stream: env.names.commandsStream, durable: CONSUMERS.executor }, 1)
    releaseResults()

    // A tenant allowed one write a minute: the second is refused.
    expect((await post(limitedKey, {})).status).toBe(400)
    expect((await post(limitedKey, {})).status).toBe(429)

    const status = await eventually(
      async () => {
        const r = await fetch(`http://127.0.0.1:${ports.ingest}/webhook/jobs/${jobId}`, { headers: { 'x-api-key': apiKey } })
        const job = r.status === 200 ? ((await r.json()) as { status: string }) : undefined
        return job && ['COMPLETED', 'FAILED', 'CANCELLED'].includes(job.status) ? job.status : undefined
      },
      60_000,
      250,
    )
    expect(status).toBe('COMPLETED')
    // Between the second failed Slack call and the third (2 s), the outcome is out for redelivery.
    await reaches('notifier', 'zixly_consumer_redelivered', { stream: env.names.eventsStream, durable: CONSUMERS.notifier }, 1)
  }, 120_000)

  it('ingest: jobs queued by job type, tenant and ticker; request durations by method, route and status; rate-limit rejections', async () => {
    await reaches('ingest', 'pipeline_jobs_queued_total', { job_type: 'trading_sweep', tenant_id: 'local', ticker: 'BTC-USD', service: 'ingest' })
    await reaches('ingest', 'http_request_duration_seconds_count', { method: 'POST', route: '/webhook/trading-sweep', status: '202' })
    await reaches('ingest', 'http_request_duration_seconds_bucket', { method: 'GET', route: '/webhook/jobs/:id', status: '200', le: '+Inf' })
    await reaches('ingest', 'zixly_rate_limit_rejections_total', { tenant_id: 'limited' })
  })

  it('projector: jobs processed and their durations by job type and status, jobs by status, its lag', async () => {
    await reaches('projector', 'pipeline_jobs_processed_total', { job_type: 'trading_sweep', status: 'completed' })
    await reaches('projector', 'pipeline_job_duration_seconds_count', { job_type: 'trading_sweep', status: 'completed' })
    expect(sample(await scrape('projector'), 'pipeline_job_duration_seconds_sum', { status: 'completed' })).toBeGreaterThan(0)
    await reaches('projector', 'pipeline_jobs', { status: 'completed' })
    expect(sample(await scrape('projector'), 'zixly_projector_lag_events', { service: 'projector' })).toBeGreaterThanOrEqual(0)
  })

  it('executor: Trading-API latency by endpoint and errors by endpoint and type, dead letters, its consumer', async () => {
    for (const endpoint of ['submit', 'job', 'results']) await reaches('executor', 'trading_api_latency_seconds_count', { endpoint })
    await reaches('executor', 'trading_api_errors_total', { endpoint: 'job', error_type: 'TRADING_API_HTTP_5XX' })
    await reaches('executor', 'zixly_dead_letters_total', { reason: 'invalid_command' })
    const text = await scrape('executor')
    const consumer = { stream: env.names.commandsStream, durable: CONSUMERS.executor }
    expect(sample(text, 'zixly_consumer_pending', consumer)).toBeGreaterThanOrEqual(0)
    expect(sample(text, 'zixly_consumer_redelivered', consumer)).toBeGreaterThanOrEqual(0)
  })

  it('notifier: the outcome sent to Slack, its consumer', async () => {
    await reaches('notifier', 'zixly_notifications_total', { channel: 'slack', result: 'retrying' }, 2)
    await reaches('notifier', 'zixly_notifications_total', { channel: 'slack', result: 'sent' })
    expect(slackMessages.length).toBeGreaterThan(0)
    const text = await scrape('notifier')
    const consumer = { stream: env.names.eventsStream, durable: CONSUMERS.notifier }
    expect(sample(text, 'zixly_consumer_pending', consumer)).toBeGreaterThanOrEqual(0)
    expect(sample(text, 'zixly_consumer_redelivered', consumer)).toBeGreaterThanOrEqual(0)
  })

  it('orchestrator and trading-api: their registries answer with the service label', async () => {
    expect(sample(await scrape('orchestrator'), 'process_resident_memory_bytes', { service: 'orchestrator' })).toBeGreaterThan(0)
    await reaches('trading-api', 'http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/strategy/sweep', status: '202' })
  })

  it('the processes export one connected trace of the sweep over OTLP/HTTP', async () => {
    const first = (await readSubject(env.nc.jetstream(), await env.nc.jetstreamManager(), env.names.eventsStream, env.names.eventSubject('local', jobId)))[0]
    const traceId = traceIdOf(parseEvent(first!.data).metadata.traceparent)!
    const spans = await eventually(
      async () => {
        const mine = exported.filter((s) => s.traceId === traceId)
        const services = new Set(mine.map((s) => s.service))
        return SERVICES.every((s) => services.has(s)) ? mine : undefined
      },
      30_000,
      250,
    )
    const ids = new Set(spans.map((s) => s.spanId))
    expect(spans.filter((s) => !s.parentSpanId).map((s) => s.name)).toEqual(['ingest SweepRequested'])
    await eventually(async () => {
      const now = exported.filter((s) => s.traceId === traceId)
      const all = new Set(now.map((s) => s.spanId))
      return now.every((s) => !s.parentSpanId || all.has(s.parentSpanId)) ? true : undefined
    }, 30_000)
    expect(ids.size).toBe(spans.length)
  })

  it('log lines about the job carry its job_id, tenant_id and trace_id, and no credential', async () => {
    const first = (await readSubject(env.nc.jetstream(), await env.nc.jetstreamManager(), env.names.eventsStream, env.names.eventSubject('local', jobId)))[0]
    const traceId = traceIdOf(parseEvent(first!.data).metadata.traceparent)!
    const lines = [...procs.values()].flatMap((p) =>
      p
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    )
    const aboutJob = lines.filter((l) => l.job_id === jobId)
    expect(aboutJob.map((l) => l.msg)).toEqual(expect.arrayContaining(['sweep completed', 'notification sent']))
    for (const l of aboutJob) expect(l).toMatchObject({ tenant_id: 'local', trace_id: traceId })
    const all = [...procs.values()].map((p) => p.output()).join('\n')
    expect(all).not.toContain(apiKey)
    expect(all).not.toContain(limitedKey)
  })
})
