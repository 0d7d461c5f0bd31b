import { z } from 'zod'
import { JobStatus } from './http.ts'
import { SUBJECT_TOKEN, type Names } from './names.ts'
import { StrategyType, Ticker } from './sweep.ts'

// Orchestration control: where its job-less events live, and the bodies of the control API
// (`/api/jobs/:id/cancel|retry`, `/api/jobs/retry`, `/api/dead-letters`, `/api/dispatch/*`).

/**
 * Subject of dispatch-control events: `<ns>.evt.<tenant>.control` for one tenant, `<ns>.evt.control`
 * for all. Three tokens cannot collide with any tenant's subjects (they all have four or more).
 */
export function controlSubject(n: Names, tenantId: string | null): string {
  return tenantId === null ? `${n.namespace}.evt.control` : `${n.namespace}.evt.${token(tenantId)}.control`
}

/** Subject of dead-lettered messages: `<ns>.evt.<tenant>.deadletter`, or `<ns>.evt.deadletter` when no tenant is known. */
export function deadLetterSubject(n: Names, tenantId: string | null): string {
  return tenantId === null
    ? `${n.namespace}.evt.deadletter`
    : `${n.namespace}.evt.${token(tenantId)}.deadletter`
}

/** The tenant a RunSweep subject (`<ns>.cmd.sweep.run.<tenant>`) is for, or null for any other subject. */
export function tenantOfCommandSubject(n: Names, subject: string): string | null {
  const prefix = `${n.namespace}.cmd.sweep.run.`
  if (!subject.startsWith(prefix)) return null
  const t = subject.slice(prefix.length)
  return SUBJECT_TOKEN.test(t) ? t : null
}

/** JetStream's advisory when a consumer gave up on a message after its maximum deliveries. */
export function maxDeliveriesAdvisorySubject(stream: string, consumer: string): string {
  return `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.${consumer}`
}

/** The advisory's body (fields Zixly reads; the server sends more). */
export const MaxDeliveriesAdvisory = z.looseObject({
  type: z.string(),
  stream: z.string(),
  consumer: z.string(),
  stream_seq: z.number().int().min(0),
  deliveries: z.number().int().min(0),
})
export type MaxDeliveriesAdvisory = z.infer<typeof MaxDeliveriesAdvisory>

function token(t: string): string {
  if (!SUBJECT_TOKEN.test(t)) throw new Error(`tenant "${t}" is not a valid subject token`)
  return t
}

const Reason = z.string().trim().min(1).max(500)

/** Body of `POST /api/jobs/:id/cancel` and `POST /api/jobs/:id/retry` (may be empty). */
export const JobActionBody = z.strictObject({ reason: Reason.optional() })
export type JobActionBody = z.infer<typeof JobActionBody>

/** Answer to a cancel or a retry: what the log now says the job is. */
export const JobActionAccepted = z.object({
  job_id: z.uuid(),
  action: z.enum(['cancel', 'retry']),
  status: JobStatus,
  /** True when the job already was in the asked state (the request changed nothing). */
  unchanged: z.boolean(),
})
export type JobActionAccepted = z.infer<typeof JobActionAccepted>

/** Statuses a job can be retried from. */
export const RetryableStatus = z.enum(['FAILED', 'CANCELLED'])

const DateOrDateTime = z.union([z.iso.datetime({ offset: true }), z.iso.date()], {
  error: 'must be an ISO date (YYYY-MM-DD) or date-time',
})

/** Body of `POST /api/jobs/retry`: which finished jobs to run again (the same filters as `GET /api/jobs`). */
export const BulkRetryBody = z.strictObject({
  status: z.array(RetryableStatus).min(1).max(2).default(['FAILED']),
  ticker: Ticker.optional(),
  strategy: StrategyType.optional(),
  created_from: DateOrDateTime.optional(),
  created_to: DateOrDateTime.optional(),
  /** At most this many jobs, oldest first (a bigger set is retried by calling again). */
  limit: z.number().int().min(1).max(10_000).default(1000),
  reason: Reason.optional(),
})
export type BulkRetryBody = z.infer<typeof BulkRetryBody>
export type BulkRetryBodyInput = z.input<typeof BulkRetryBody>

/** Answer to a bulk retry. */
export const BulkRetryResult = z.object({
  /** Jobs the read model listed for the filter. */
  matched: z.number().int(),
  /** Jobs a new attempt chain was appended for. */
  retried: z.number().int(),
  /** Jobs that had moved on in the log since the read model saw them (e.g. already retried). */
  skipped: z.number().int(),
  job_ids: z.array(z.uuid()),
})
export type BulkRetryResult = z.infer<typeof BulkRetryResult>

/** Where a dead letter came from. */
export const DeadLetterSource = z.enum(['job_failed', 'invalid_command', 'max_deliveries'])
export type DeadLetterSource = z.infer<typeof DeadLetterSource>

/** Query of `GET /api/dead-letters`. */
export const DeadLettersQuery = z.object({
  source: DeadLetterSource.optional(),
  job_id: z.uuid().optional(),
  /** `open` (default): not yet retried; `all`: also those whose job was retried since. */
  state: z.enum(['open', 'all']).default('open'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
})
export type DeadLettersQuery = z.infer<typeof DeadLettersQuery>

/** One dead letter as the API lists it. */
export const DeadLetterView = z.object({
  id: z.string(),
  source: DeadLetterSource,
  tenant_id: z.string(),
  job_id: z.uuid().nullable(),
  attempts: z.number().int().nullable(),
  reason: z.string(),
  errors: z.array(
    z.object({ attempt: z.number().int(), code: z.string(), message: z.string(), retryable: z.boolean() }),
  ),
  subject: z.string().nullable(),
  stream_seq: z.number().int().nullable(),
  payload: z.string().nullable(),
  created_at: z.string(),
  resolved_at: z.string().nullable(),
  /** Stream sequence of the event that recorded it. */
  seq: z.number().int(),
})
export type DeadLetterView = z.infer<typeof DeadLetterView>

/** Path parameters of `POST /api/dead-letters/:id/redrive`. */
export const DeadLetterIdParams = z.object({ id: z.string().min(1).max(300) })
export type DeadLetterIdParams = z.infer<typeof DeadLetterIdParams>

/** A page of dead letters, newest first. */
export const DeadLettersPage = z.object({
  total_count: z.number().int(),
  returned_count: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
  dead_letters: z.array(DeadLetterView),
})
export type DeadLettersPage = z.infer<typeof DeadLettersPage>

/** Body of `POST /api/dispatch/pause` and `/resume`: no tenant = every tenant. */
export const DispatchControlBody = z.strictObject({
  tenant_id: z.string().regex(SUBJECT_TOKEN, 'must be a tenant id').optional(),
  reason: Reason.optional(),
})
export type DispatchControlBody = z.infer<typeof DispatchControlBody>

/** Answer to a pause or resume, and one row of `GET /api/dispatch`. */
export const DispatchState = z.object({
  tenant_id: z.string().nullable(),
  paused: z.boolean(),
  reason: z.string().nullable(),
  updated_at: z.string(),
})
export type DispatchState = z.infer<typeof DispatchState>

/** The job a command names, read loosely from a command that fails validation (to record it on the job). */
export const CommandIdentity = z.looseObject({
  data: z.looseObject({ job_id: z.uuid(), attempt: z.number().int().min(1).optional() }),
})
