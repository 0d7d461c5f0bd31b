import type { FastifyInstance } from 'fastify'
import { parseEvent, SweepParams, SweepRequestBody, type SweepAccepted, type SweepEvent } from '@zixly/contracts'
import {
  appendMessage,
  canonicalJson,
  ConcurrencyError,
  currentTraceparent,
  inSpan,
  readSubject,
  sha256,
  SpanKind,
  traceIdOf,
  uuidV5,
  ValidationError,
} from '@zixly/platform'
import { randomUUID } from 'node:crypto'
import { fieldErrors, sendProblem } from '../problem.ts'
import type { IngestDeps } from '../app.ts'

/** Namespace for job ids derived from Idempotency-Keys. */
const JOB_ID_NAMESPACE = '6f1c1f38-5f43-4c1e-9a0e-7a52c1f9d3a1'

/** What validating and appending a sweep request needs (a subset of IngestDeps). */
export type SubmitDeps = Pick<IngestDeps, 'js' | 'jsm' | 'names' | 'idempotency' | 'metrics' | 'now' | 'knownTicker'>

/** A request accepted (new or replayed), or an Idempotency-Key reused with another body. */
export type SubmitOutcome =
  | { kind: 'accepted'; jobId: string; createdAt: string; replayed: boolean }
  | { kind: 'key_reused'; jobId: string }

/**
 * Validates a sweep request like the webhook does and appends `SweepRequested` (expecting an empty
 * subject). Shared by the webhook route and other ingress paths (the SQS bridge), so every way in
 * validates and deduplicates the same. Throws ValidationError for a bad body or key.
 */
export async function submitSweep(
  deps: SubmitDeps,
  input: { tenantId: string; body: unknown; key?: string | undefined; causationId: string; traceparent?: string | undefined },
): Promise<SubmitOutcome> {
  const parsed = SweepRequestBody.safeParse(input.body)
  if (!parsed.success) throw new ValidationError('the sweep request is invalid', fieldErrors(parsed.error))
  const params = SweepParams.parse(parsed.data)
  if (deps.knownTicker && !(await deps.knownTicker(params.ticker, params.interval)))
    throw new ValidationError('the sweep request is invalid', [
      { field: 'ticker', message: `unknown ticker "${params.ticker}" for interval ${params.interval}` },
    ])

  const { tenantId, key } = input
  if (key !== undefined && (key.length === 0 || key.length > 255))
    throw new ValidationError('invalid Idempotency-Key', [{ field: 'Idempotency-Key', message: 'must be 1 to 255 characters' }])
  // What a replay with the same Idempotency-Key is compared by: computed only when there is a key.
  let hash: string | undefined
  const paramsHash = () => (hash ??= sha256(canonicalJson(params)))

  if (key !== undefined) {
    const seen = await deps.idempotency.get(tenantId, key)
    if (seen)
      return seen.params_hash === paramsHash()
        ? { kind: 'accepted', jobId: seen.job_id, createdAt: seen.created_at, replayed: true }
        : { kind: 'key_reused', jobId: seen.job_id }
  }

  const jobId = key === undefined ? randomUUID() : uuidV5(`${tenantId}\n${key}`, JOB_ID_NAMESPACE)
  const createdAt = deps.now().toISOString()
  const subject = deps.names.eventSubject(tenantId, jobId)
  try {
    // The job's trace starts here (or continues the caller's `traceparent`); every event of the job
    // carries it in its metadata, every message in its header.
    await inSpan(
      'ingest SweepRequested',
      input.traceparent,
      { kind: SpanKind.PRODUCER, service: 'ingest', attributes: { 'zixly.service': 'ingest', 'zixly.job_id': jobId, 'zixly.tenant_id': tenantId } },
      async () => {
        const traceparent = currentTraceparent()
        const event: SweepEvent = {
          id: `SweepRequested:${jobId}`,
          type: 'SweepRequested',
          version: 2,
          data: { job_id: jobId, params, ...(key === undefined ? {} : { idempotency_key: key }) },
          metadata: { tenantId, correlationId: jobId, causationId: input.causationId, occurredAt: createdAt, ...(traceparent ? { traceparent } : {}) },
        }
        await appendMessage(deps.js, subject, event, { expectedLastSubjectSeq: 0 })
      },
    )
  } catch (err) {
    if (!(err instanceof ConcurrencyError) || key === undefined) throw err
    // The job already exists (a concurrent twin, or a key older than the Redis record): answer with it.
    const first = (await readSubject(deps.js, deps.jsm, deps.names.eventsStream, subject))[0]
    const event = first ? parseEvent(first.data) : null
    if (!event || event.type !== 'SweepRequested') throw err
    const record = { job_id: jobId, params_hash: sha256(canonicalJson(event.data.params)), created_at: event.metadata.occurredAt }
    await deps.idempotency.put(tenantId, key, record)
    return record.params_hash === paramsHash()
      ? { kind: 'accepted', jobId, createdAt: record.created_at, replayed: true }
      : { kind: 'key_reused', jobId }
  }
  if (key !== undefined) await deps.idempotency.put(tenantId, key, { job_id: jobId, params_hash: paramsHash(), created_at: createdAt })
  deps.metrics.jobsQueued.inc({ job_type: 'trading_sweep', tenant_id: tenantId, ticker: params.ticker })
  return { kind: 'accepted', jobId, createdAt, replayed: false }
}

export function sweepRoutes(app: FastifyInstance, deps: IngestDeps) {
  app.post('/webhook/trading-sweep', { config: { permission: 'jobs:trigger', signed: true } }, async (req, reply) => {
    const keyHeader = req.headers['idempotency-key']
    const out = await submitSweep(deps, {
      tenantId: deps.tenantOf(req),
      body: req.body,
      key: typeof keyHeader === 'string' ? keyHeader : undefined,
      causationId: req.id,
      traceparent: traceIdOf(req.headers.traceparent as string | undefined) ? (req.headers.traceparent as string) : undefined,
    })
    if (out.kind === 'key_reused')
      return sendProblem(reply, 422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with a different request body')
    const status_url = `/webhook/jobs/${out.jobId}`
    const body: SweepAccepted = { job_id: out.jobId, status: 'QUEUED', status_url, created_at: out.createdAt }
    if (out.replayed) void reply.header('idempotent-replayed', 'true')
    return reply.code(202).header('location', status_url).send(body)
  })
}
