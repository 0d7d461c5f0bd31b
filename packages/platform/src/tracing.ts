import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type ContextManager,
  type Span,
} from '@opentelemetry/api'
import { AsyncLocalStorage } from 'node:async_hooks'
import { randomBytes } from 'node:crypto'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import type { OTLPTraceExporter as OTLPTraceExporterT } from '@opentelemetry/exporter-trace-otlp-http'
import type { NodeSDK as NodeSDKT } from '@opentelemetry/sdk-node'
import { createRequire } from 'node:module'
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace'

export { SpanKind, type Span }

/** The NATS and HTTP header that carries W3C trace context. */
export const TRACEPARENT_HEADER = 'traceparent'

/** The active context follows async calls (AsyncLocalStorage), with or without an SDK. */
class AsyncContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>()
  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.storage.run(ctx, () => fn.call(thisArg, ...args))
  }
  bind<T>(ctx: Context, target: T): T {
    return typeof target === 'function' ? (((...args: unknown[]) => this.with(ctx, () => (target as (...a: unknown[]) => unknown)(...args))) as T) : target
  }
  enable(): this {
    return this
  }
  disable(): this {
    this.storage.disable()
    return this
  }
}

// W3C trace context is how a sweep's trace travels: in the `traceparent` header of every NATS message
// (the span that published it) and in each event's `metadata.traceparent` (the job's first span), from
// ingest through orchestrator, executor, projector and notifier. The propagator and the context
// manager are set even without an SDK, so a service that exports nothing still passes it on.
// (The SDK's own registrations of these then fail quietly: these stay.)
propagation.setGlobalPropagator(new W3CTraceContextPropagator())
context.setGlobalContextManager(new AsyncContextManager())

// The SDK and the OTLP exporter (~25 MB of RSS once loaded) are loaded only when spans are exported.
const lazyRequire = createRequire(import.meta.url)
const sdkNode = () => lazyRequire('@opentelemetry/sdk-node') as { NodeSDK: typeof NodeSDKT }
const otlpHttp = () =>
  lazyRequire('@opentelemetry/exporter-trace-otlp-http') as { OTLPTraceExporter: typeof OTLPTraceExporterT }

/** Whether an SDK records spans in this process (otherwise spans are no-ops that only carry ids). */
let exporting = false

// Random bytes for new trace ids, drawn from the CSPRNG a few KB at a time (as randomUUID does):
// two randomBytes calls per webhook were ~2 % of ingest's CPU.
let pool = Buffer.alloc(0)
let taken = 0
function randomHex(bytes: number): string {
  if (taken + bytes > pool.length) {
    pool = randomBytes(24 * 170)
    taken = 0
  }
  taken += bytes
  return pool.toString('hex', taken - bytes, taken)
}

/** A fresh W3C traceparent, for a trace started while nothing records spans (its ids still join up logs). */
export function newTraceparent(): string {
  return `00-${randomHex(16)}-${randomHex(8)}-01`
}

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
  exporting = true
  // No resource detectors: spans then carry no pending async attributes and export without delay.
  const sdk = new (sdkNode().NodeSDK)({ serviceName: service, spanProcessors: [processor], instrumentations: [], autoDetectResources: false })
  sdk.start()
  return {
    flush: () => processor.forceFlush(),
    stop: async () => {
      await sdk.shutdown()
      exporting = false
      // Unregisters the provider, so a later start (another test file in this worker) can register its own.
      trace.disable()
    },
  }
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
  // Without an SDK a new trace would have no ids at all; a made-up parent gives its no-op spans (and
  // the log lines and events of the job) one trace id all the same.
  const from = traceparent ?? (exporting || trace.getSpan(context.active()) ? undefined : newTraceparent())
  const parent = from ? propagation.extract(ROOT_CONTEXT, { traceparent: from }) : context.active()
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

/**
 * The trace context a message travels with: its `traceparent` header (the span that published it), or
 * else the `traceparent` its payload's metadata carries (the job's first span), or undefined.
 */
export function traceparentOf(
  msg: { headers?: { get(k: string): string } | undefined },
  fallback?: string,
): string | undefined {
  const h = msg.headers?.get(TRACEPARENT_HEADER)
  return h && traceIdOf(h) ? h : fallback && traceIdOf(fallback) ? fallback : undefined
}

/**
 * Like `inSpan`, but a child of the active span when there is one (a step inside a traced step), and
 * of `traceparent` otherwise (a step started by a timer or a message).
 */
export async function inChildSpan<T>(
  name: string,
  traceparent: string | undefined,
  opts: { attributes?: Attributes; kind?: SpanKind; service?: string },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const active = trace.getSpan(context.active())
  return inSpan(name, active?.spanContext().traceId ? currentTraceparent() : traceparent, opts, fn)
}

/**
 * Records a span that already happened (from `start` to `end`), as a child of `traceparent`. For work
 * done for many traces at once, such as the projector's batch transaction: each event's trace gets a
 * span of its own for the batch that applied it.
 */
export function recordSpan(
  name: string,
  traceparent: string | undefined,
  opts: { start: number; end: number; attributes?: Attributes; kind?: SpanKind; service?: string },
): void {
  if (!traceparent) return
  const parent = propagation.extract(ROOT_CONTEXT, { traceparent })
  const span = trace
    .getTracer(opts.service ?? 'zixly')
    .startSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, attributes: opts.attributes ?? {}, startTime: opts.start }, parent)
  span.end(opts.end)
}

/** The trace and span ids of the active span, for log lines (nothing when no span is active). */
export function activeTraceIds(): { trace_id: string; span_id: string } | Record<string, never> {
  const sc = trace.getSpan(context.active())?.spanContext()
  return sc && sc.traceId !== '00000000000000000000000000000000' ? { trace_id: sc.traceId, span_id: sc.spanId } : {}
}

/** Puts the active trace context into outgoing HTTP headers (a Trading-API call continues the job's trace). */
export function withTraceHeaders(headers: Record<string, string>): Record<string, string> {
  const tp = currentTraceparent()
  return tp ? { ...headers, [TRACEPARENT_HEADER]: tp } : headers
}

/** Adds attributes to the active span (known only once a message is parsed). */
export function annotateSpan(attributes: Attributes): void {
  trace.getSpan(context.active())?.setAttributes(attributes)
}

/**
 * Starts a span (ended by the caller) that continues `traceparent`, or nothing when there is none: for
 * an HTTP server whose hooks see a request start and end but do not wrap its handler.
 */
export function startSpanFrom(
  name: string,
  traceparent: string | undefined,
  opts: { attributes?: Attributes; kind?: SpanKind; service?: string } = {},
): Span | undefined {
  if (!traceparent || !traceIdOf(traceparent)) return undefined
  const parent = propagation.extract(ROOT_CONTEXT, { traceparent })
  return trace.getTracer(opts.service ?? 'zixly').startSpan(name, { kind: opts.kind ?? SpanKind.SERVER, attributes: opts.attributes ?? {} }, parent)
}
