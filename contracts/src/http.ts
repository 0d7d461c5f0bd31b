import { z } from 'zod'
import { SortableResultField, SweepResultRow } from './results.ts'
import { SweepParams } from './sweep.ts'

/** Job status as the read model and the API show it. */
export const JobStatus = z.enum(['QUEUED', 'RUNNING', 'RETRYING', 'COMPLETED', 'FAILED', 'CANCELLED'])
export type JobStatus = z.infer<typeof JobStatus>

/** `202 Accepted` answer to a sweep request. */
export const SweepAccepted = z.object({
  job_id: z.uuid(),
  status: z.literal('QUEUED'),
  status_url: z.string(),
  created_at: z.iso.datetime(),
})
export type SweepAccepted = z.infer<typeof SweepAccepted>

/** RFC 9457 problem details, with the bad fields of a validation error. */
export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: z.string(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
})
export type Problem = z.infer<typeof Problem>

/** One attempt of a job as the read model tracks it. */
export const AttemptView = z.object({
  attempt: z.number().int(),
  status: z.enum(['DISPATCHED', 'RUNNING', 'SUCCEEDED', 'FAILED']),
  dispatched_at: z.string().nullable(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string(), retryable: z.boolean() }).nullable(),
})

/** `GET /webhook/jobs/:id`. */
export const JobView = z.object({
  job_id: z.uuid(),
  tenant_id: z.string(),
  job_type: z.literal('trading_sweep'),
  status: JobStatus,
  parameters: SweepParams,
  progress: z.object({ done: z.number().int(), total: z.number().int(), pct: z.number() }),
  attempts: z.array(AttemptView),
  error: z.string().nullable(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  completed_at: z.string().nullable(),
  updated_at: z.string(),
  total_combinations: z.number().int().nullable(),
  results_count: z.number().int(),
  results_url: z.string(),
  top_results: z.array(SweepResultRow),
})
export type JobView = z.infer<typeof JobView>

/** Path parameters of `/webhook/jobs/:id…` and `/api/jobs/:id/…`: a job id (anything else is a 404). */
export const JobIdParams = z.object({ id: z.uuid({ error: 'must be a job id (UUID)' }) })
export type JobIdParams = z.infer<typeof JobIdParams>

/** `202` of `GET /webhook/jobs/:id`: the request is in the log but not yet in the read model. */
export const JobPending = z.object({ job_id: z.uuid(), status: z.literal('QUEUED'), projected: z.literal(false) })
export type JobPending = z.infer<typeof JobPending>

/** Query of `GET /webhook/jobs/:id/results`. */
export const ResultsQuery = z.object({
  sort: SortableResultField.default('score'),
  order: z.enum(['asc', 'desc']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
})
export type ResultsQuery = z.infer<typeof ResultsQuery>

/** A page of results. */
export const ResultsPage = z.object({
  job_id: z.uuid(),
  total_count: z.number().int(),
  returned_count: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
  sort: SortableResultField,
  order: z.enum(['asc', 'desc']),
  results: z.array(SweepResultRow),
})
export type ResultsPage = z.infer<typeof ResultsPage>

/** `GET /health`. */
export const Liveness = z.object({ status: z.literal('ok') })

/** `GET /ready`. */
export const Readiness = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), detail: z.string().optional() })),
})
