import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AddressInfo } from 'node:net'
import { SweepPool } from '@zixly/engine'
import { createMarketData } from '@zixly/market-data'
import { buildApp as buildTradingApi } from '@zixly/trading-api'
import { createTradingApiClient } from '@zixly/trading-api-client'
import { httpRunner, startExecutor } from '@zixly/executor'
import { parseEvent } from '@zixly/contracts'
import { readSubject, startTracing, traceIdOf } from '@zixly/platform'
import { InMemorySpanExporter, type ReadableSpan } from '@zixly/platform/testing'
import { eventually, isolatedEnv, type TestEnv } from '../support/env.ts'
import { startBackbone, startIngest, TEST_CALLBACK_SECRET } from '../support/stack.ts'

// Every service in this process, exporting to one in-memory exporter: a sweep's spans, from the
// webhook to the notifier and the Trading-API server, must form one trace joined only by the
// traceparent carried in NATS headers, event metadata and HTTP headers.

const seed = { ticker: 'BTC-USD', fast_range: [10, 20], slow_range: [20, 30], step: 5, strategy_type: 'SMA' } as const
const marketData = createMarketData()
const exporter = new InMemorySpanExporter()
const tracing = startTracing('zixly-test', { exporter })

let env: TestEnv
let ingest: Awaited<ReturnType<typeof startIngest>>
let backbone: Awaited<ReturnType<typeof startBackbone>>
let executor: Awaited<ReturnType<typeof startExecutor>>
let api: { url: string; close: () => Promise<void> }

beforeAll(async () => {
  env = await isolatedEnv('tracing')
  ingest = await startIngest(env, { knownTicker: (t, i) => marketData.has(t, i) })
  backbone = await startBackbone(env)
  const pool = new SweepPool({ workers: 1 })
  const app = await buildTradingApi({ engine: pool, marketData })
  await app.listen({ port: 0, host: '127.0.0.1' })
  api = {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    close: async () => {
      await app.close()
      await pool.close()
    },
  }
  const runner = httpRunner({
    nc: env.nc,
    names: env.names,
    client: createTradingApiClient({ baseUrl: api.url, timeoutMs: 10_000 }),
    callbackBaseUrl: null,
    callbackSecret: TEST_CALLBACK_SECRET,
    pollIntervalMs: 50,
  })
  executor = await startExecutor({ nc: env.nc, names: env.names, logger: env.logger, runner, executorId: 'traced' })
}, 60_000)
afterAll(async () => {
  await executor?.stop()
  await backbone?.stop()
  await api?.close()
  await ingest?.stop()
  await env?.cleanup()
  await tracing.stop()
})

async function submit(): Promise<string> {
  const res = await fetch(`${ingest.url}/webhook/trading-sweep`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...ingest.headers },
    body: JSON.stringify(seed),
  })
  expect(res.status).toBe(202)
  return ((await res.json()) as { job_id: string }).job_id
}

const serviceOf = (s: ReadableSpan) => String(s.attributes['zixly.service'])

/** The finished spans of one trace, once the notifier has announced the job and every parent has ended. */
async function traceOf(traceId: string): Promise<ReadableSpan[]> {
  return eventually(
    async () => {
      const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId)
      const ids = new Set(spans.map((s) => s.spanContext().spanId))
      const connected = spans.every((s) => !s.parentSpanContext || ids.has(s.parentSpanContext.spanId))
      const done = spans.some((s) => s.name === 'notifier SweepCompleted') && spans.some((s) => s.name === 'projector SweepCompleted')
      return connected && done ? spans : undefined
    },
    60_000,
    100,
  )
}

describe('one trace per sweep', () => {
  it('joins ingest, orchestrator, executor, the Trading-API call, projector and notifier in one connected trace per job', async () => {
    const jobs = [await submit(), await submit()]
    const traceIds: string[] = []
    for (const jobId of jobs) {
      // The job's trace id is the one its first event carries; every event of the job carries it.
      const events = await eventually(async () => {
        const msgs = await readSubject(env.nc.jetstream(), await env.nc.jetstreamManager(), env.names.eventsStream, env.names.eventSubject('local', jobId))
        const list = msgs.map((m) => parseEvent(m.data))
        return list.some((e) => e.type === 'SweepCompleted') ? list : undefined
      }, 60_000)
      const traceId = traceIdOf(events[0]!.metadata.traceparent)
      expect(traceId).toMatch(/^[\da-f]{32}$/)
      expect(new Set(events.map((e) => traceIdOf(e.metadata.traceparent)))).toEqual(new Set([traceId]))
      traceIds.push(traceId!)

      const spans = await traceOf(traceId!)
      // Connected: exactly one root (the webhook's span), every other span's parent is in the trace.
      const roots = spans.filter((s) => !s.parentSpanContext)
      expect(roots.map((s) => s.name)).toEqual(['ingest SweepRequested'])
      expect(new Set(spans.map(serviceOf))).toEqual(new Set(['ingest', 'orchestrator', 'executor', 'trading-api', 'projector', 'notifier']))
      // Every span that names a job names this one.
      const named = spans.filter((s) => s.attributes['zixly.job_id'] !== undefined)
      expect(new Set(named.map((s) => s.attributes['zixly.job_id']))).toEqual(new Set([jobId]))

      const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]))
      const parentOf = (s: ReadableSpan) => (s.parentSpanContext ? byId.get(s.parentSpanContext.spanId) : undefined)
      // The hops follow the messages: the executor continues the orchestrator's dispatch, the
      // Trading-API server continues the executor's HTTP call.
      const run = spans.find((s) => s.name === 'executor RunSweep')!
      expect(serviceOf(parentOf(run)!)).toBe('orchestrator')
      const served = spans.filter((s) => serviceOf(s) === 'trading-api')
      expect(served.length).toBeGreaterThan(0)
      for (const s of served) expect(parentOf(s)!.name).toMatch(/^trading-api (GET|POST|DELETE) /)
      expect(spans.filter((s) => s.name.startsWith('projector ')).map((s) => s.name)).toEqual(
        expect.arrayContaining(['projector SweepRequested', 'projector SweepStarted', 'projector SweepCompleted']),
      )
    }
    expect(new Set(traceIds).size).toBe(jobs.length)
  }, 120_000)
})
