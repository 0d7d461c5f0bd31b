import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
} from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import type { OTLPTraceExporter as OTLPTraceExporterT } from '@opentelemetry/exporter-trace-otlp-http'
import type { NodeSDK as NodeSDKT } from '@opentelemetry/sdk-node'
import { createRequire } from 'node:module'
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace'

export { SpanKind, type Span }

// W3C trace context is how a sweep's trace travels: in each event's `metadata.traceparent` (and so in
// the NATS message), from ingest through orchestrator, executor, projector and notifier. The
// propagator is set even without an SDK, so a service that exports nothing still passes it on.
propagation.setGlobalPropagator(new W3CTraceContextPropagator())

// The SDK and the OTLP exporter (~25 MB of RSS once loaded) are loaded only when spans are exported.
const lazyRequire = createRequire(import.meta.url)
const sdkNode = () => lazyRequire('@opentelemetry/sdk-node') as { NodeSDK: typeof NodeSDKT }
const otlpHttp = () =>
  lazyRequire('@opentelemetry/exporter-trace-otlp-http') as { OTLPTraceExporter: typeof OTLPTraceExporterT }

/**
 * Starts the OpenTelemetry SDK when there is somewhere to send spans: OTLP/HTTP when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` is set, or the exporter a test passes. Otherwise spans are no-ops and
 * only the trace context is propagated.
 */
export function startTracing(service: string, opts: { exporter?: SpanExporter; env?: Record<string, string | undefined> } = {}) {
  const env = opts.env ?? process.env
  const processor = opts.exporter
    ? new SimpleSpanProcessor({ exporter: opts.exporter })
    : env.OTEL_EXPORTER_OTLP_ENDPOINT
      ? new BatchSpanProcessor({ exporter: new (otlpHttp().OTLPTraceExporter)() })
      : null
  if (!processor) return { flush: async () => {}, stop: async () => {} }
  // No resource detectors: spans then carry no pending async attributes and export without delay.
  const sdk = new (sdkNode().NodeSDK)({ serviceName: service, spanProcessors: [processor], instrumentations: [], autoDetectResources: false })
  sdk.start()
  return { flush: () => processor.forceFlush(), stop: () => sdk.shutdown() }
}

/** The trace id of a W3C `traceparent`, for log lines. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  return traceparent ? /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/.exec(traceparent)?.[1] : undefined
}

/** The `traceparent` of the active span (or of `span`), to put in an event's metadata. */
export function currentTraceparent(span?: Span): string | undefined {
  const carrier: Record<string, string> = {}
  const ctx = span ? trace.setSpan(context.active(), span) : context.active()
  propagation.inject(ctx, carrier)
  return carrier.traceparent
}

/**
 * Runs `fn` inside a span that continues the trace of `traceparent` (a new trace when absent). The
 * span ends when `fn` settles and records an error status when it throws.
 */
export async function inSpan<T>(
  name: string,
  traceparent: string | undefined,
  opts: { attributes?: Attributes; kind?: SpanKind; service?: string },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : context.active()
  const tracer = trace.getTracer(opts.service ?? 'zixly')
  return tracer.startActiveSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, attributes: opts.attributes ?? {} }, parent, async (span) => {
    try {
      return await fn(span)
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) })
      throw err
    } finally {
      span.end()
    }
  })
}
