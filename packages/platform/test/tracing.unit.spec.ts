import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace'
import { currentTraceparent, inSpan, newTraceparent, recordSpan, startTracing, traceIdOf, traceparentOf } from '../src/tracing.ts'

const exporter = new InMemorySpanExporter()
let tracing: ReturnType<typeof startTracing>
beforeAll(() => {
  tracing = startTracing('test', { exporter })
})
afterAll(async () => tracing.stop())

describe('trace context carried in event metadata', () => {
  it('continues one trace across hops that only share the traceparent string', async () => {
    const first = await inSpan('ingest', undefined, {}, async () => currentTraceparent())
    expect(first).toMatch(/^00-[\da-f]{32}-[\da-f]{16}-01$/)
    // A different "service" continues from the string alone, as a consumer of the event would.
    const second = await inSpan('executor', first, {}, async () => currentTraceparent())
    await inSpan('projector', second, {}, async () => undefined)
    await tracing.flush()
    const spans = exporter.getFinishedSpans()
    const ids = new Set(spans.map((s) => s.spanContext().traceId))
    expect(ids).toEqual(new Set([traceIdOf(first)]))
    const byName = Object.fromEntries(spans.map((s) => [s.name, s]))
    expect(byName.executor!.parentSpanContext?.spanId).toBe(byName.ingest!.spanContext().spanId)
    expect(byName.projector!.parentSpanContext?.spanId).toBe(byName.executor!.spanContext().spanId)
  })

  it('reads the trace id out of a traceparent for log lines', () => {
    expect(traceIdOf('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBe('4bf92f3577b34da6a3ce929d0e0e4736')
    expect(traceIdOf('garbage')).toBeUndefined()
  })
})

describe('new traces', () => {
  it('get well-formed traceparents whose trace and span ids never repeat, across refills of the random pool', () => {
    const tps = Array.from({ length: 1000 }, () => newTraceparent())
    for (const tp of tps) expect(tp).toMatch(/^00-[\da-f]{32}-[\da-f]{16}-01$/)
    const ids = tps.flatMap((tp) => tp.split('-').slice(1, 3))
    expect(new Set(ids).size).toBe(2000)
  })
})

describe('trace context of a message', () => {
  const tp = (n: string) => `00-${n.repeat(32)}-${'1'.repeat(16)}-01`
  const msg = (h?: string) => ({ headers: h === undefined ? undefined : { get: (k: string) => (k === 'traceparent' ? h : '') } })
  it('prefers the traceparent header (the publishing span) over the metadata (the job’s first span)', () => {
    expect(traceparentOf(msg(tp('a')), tp('b'))).toBe(tp('a'))
    expect(traceparentOf(msg(), tp('b'))).toBe(tp('b'))
    expect(traceparentOf(msg('garbage'), 'also garbage')).toBeUndefined()
  })
  it('records a span that already happened as a child of a traceparent', async () => {
    const parent = tp('c')
    recordSpan('projector batch', parent, { start: 1000, end: 1500 })
    await tracing.flush()
    const span = exporter.getFinishedSpans().find((s) => s.name === 'projector batch')!
    expect(span.spanContext().traceId).toBe('c'.repeat(32))
    expect(span.parentSpanContext?.spanId).toBe('1'.repeat(16))
  })
})
