import { z } from 'zod'
import { AttemptView, JobStatus, JobView } from './http.ts'
import { SortableResultField, SweepResultRow } from './results.ts'
import { StrategyType, Ticker } from './sweep.ts'

// Query and response shapes of the read models (the projector's queries module, ingest's read
// routes and the dashboard's server code all speak these).

const Iso = z.string()
const DateOrDateTime = z.union([z.iso.datetime({ offset: true }), z.iso.date()], {
  error: 'must be an ISO date (YYYY-MM-DD) or date-time',
})

/** `status=RUNNING,QUEUED` or repeated `status=` parameters: one or more statuses. */
const StatusList = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean) : v),
  z.array(JobStatus).min(1).max(6),
)

/** Filters and page of `GET /api/jobs`. The cursor is opaque: pass back `next_cursor`. */
export const JobsQuery = z.object({
  status: StatusList.optional(),
  ticker: Ticker.optional(),
  strategy: StrategyType.optional(),
  created_from: DateOrDateTime.optional(),
  created_to: DateOrDateTime.optional(),
  /** Case-insensitive match on the ticker (substring) or the job id (prefix). */
  q: z.string().trim().min(1).max(64).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
})
export type JobsQuery = z.infer<typeof JobsQuery>
export type JobsQueryInput = z.input<typeof JobsQuery>

/** Filters of `GET /api/jobs/counts` (the list's filters without the page). */
export const JobCountsQuery = JobsQuery.omit({ status: true, cursor: true, limit: true })
export type JobCountsQuery = z.infer<typeof JobCountsQuery>

/** One job in a list: enough for a table row without its results. */
export const JobSummary = z.object({
  job_id: z.uuid(),
  status: JobStatus,
  ticker: z.string(),
  strategy_type: StrategyType,
  priority: z.number().int(),
  attempts: z.number().int(),
  max_attempts: z.number().int(),
  progress: z.object({ done: z.number().int(), total: z.number().int(), pct: z.number() }),
  total_combinations: z.number().int().nullable(),
  best_score: z.number().nullable(),
  error: z.string().nullable(),
  created_at: Iso,
  started_at: Iso.nullable(),
  completed_at: Iso.nullable(),
  updated_at: Iso,
  /** Requested → terminal, for finished jobs. */
  duration_ms: z.number().nullable(),
  /** Stream sequence of the last event applied to this job (the SSE resume point). */
  last_seq: z.number().int(),
})
export type JobSummary = z.infer<typeof JobSummary>

/** A page of jobs, newest first; `next_cursor` is null on the last page. */
export const JobsPage = z.object({
  jobs: z.array(JobSummary),
  next_cursor: z.string().nullable(),
  limit: z.number().int(),
})
export type JobsPage = z.infer<typeof JobsPage>

/** Jobs per status (every status present, 0 when none). */
export const StatusCounts = z.record(JobStatus, z.number().int())
export type StatusCounts = z.infer<typeof StatusCounts>

/** `GET /api/jobs/counts`. */
export const JobCounts = z.object({ total: z.number().int(), by_status: StatusCounts })
export type JobCounts = z.infer<typeof JobCounts>

/** One attempt with who ran it and how long it took. */
export const AttemptDetail = AttemptView.extend({
  executor_id: z.string().nullable(),
  duration_ms: z.number().nullable(),
})
export type AttemptDetail = z.infer<typeof AttemptDetail>

/** `GET /webhook/jobs/:id`: the job view plus per-attempt and whole-job durations. */
export const JobDetail = JobView.extend({
  attempts: z.array(AttemptDetail),
  durations: z.object({
    /** Requested → first attempt started. */
    queue_ms: z.number().nullable(),
    /** First attempt started → terminal. */
    run_ms: z.number().nullable(),
    /** Requested → terminal. */
    total_ms: z.number().nullable(),
  }),
  best: SweepResultRow.nullable(),
  bnh_return_pct: z.number().nullable(),
  results_uri: z.string().nullable(),
  last_seq: z.number().int(),
})
export type JobDetail = z.infer<typeof JobDetail>

/** Order of a CSV export (the same sort keys as the results page). */
export const ResultsCsvQuery = z.object({
  sort: SortableResultField.default('score'),
  order: z.enum(['asc', 'desc']).optional(),
})
export type ResultsCsvQuery = z.infer<typeof ResultsCsvQuery>

/** One line of a job's timeline. */
export const TimelineEntry = z.object({
  seq: z.number().int(),
  time: Iso,
  type: z.string(),
  version: z.number().int(),
  attempt: z.number().int().nullable(),
  summary: z.string(),
  data: z.unknown(),
})
export type TimelineEntry = z.infer<typeof TimelineEntry>

/** `GET /api/jobs/:id/timeline`: every event of a job in log order. */
export const Timeline = z.object({ job_id: z.uuid(), events: z.array(TimelineEntry) })
export type Timeline = z.infer<typeof Timeline>

/** Outcomes and durations of the jobs that finished within one window. */
export const WindowStats = z.object({
  finished: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int(),
  cancelled: z.number().int(),
  /** completed ÷ (completed + failed); null when neither happened. */
  success_rate: z.number().nullable(),
  /** Requested → terminal over completed and failed jobs. */
  p50_ms: z.number().nullable(),
  p95_ms: z.number().nullable(),
})
export type WindowStats = z.infer<typeof WindowStats>

/** `GET /api/stats`: one tenant's jobs at a glance. */
export const TenantStats = z.object({
  tenant_id: z.string(),
  as_of: Iso,
  total: z.number().int(),
  by_status: StatusCounts,
  /** Jobs waiting for a slot (QUEUED + RETRYING). */
  queue_depth: z.number().int(),
  running: z.number().int(),
  windows: z.object({ '1h': WindowStats, '24h': WindowStats, '7d': WindowStats }),
  /** Jobs finished per minute over the last hour, averaged. */
  throughput_per_minute: z.number(),
  /** Jobs finished in each of the last 60 minutes, oldest first (minutes with none included). */
  throughput: z.array(z.object({ minute: Iso, finished: z.number().int(), completed: z.number().int(), failed: z.number().int() })),
})
export type TenantStats = z.infer<typeof TenantStats>

/** Query of `GET /api/jobs/changes`: jobs changed after checkpoint `since` (a change notice's `last_seq`). */
export const JobChangesQuery = z.object({
  since: z.coerce.number().int().min(0),
  limit: z.coerce.number().int().min(1).max(5000).default(500),
})
export type JobChangesQuery = z.infer<typeof JobChangesQuery>

/** Jobs whose read model changed after a checkpoint (the dashboard's SSE resume). */
export const JobChanges = z.object({
  since: z.number().int(),
  /** Highest `last_seq` among the returned jobs (or `since` when none): the next `since`. */
  checkpoint: z.number().int(),
  jobs: z.array(JobSummary),
  /** True when more changed jobs exist beyond `limit`: ask again from `checkpoint`. */
  more: z.boolean(),
})
export type JobChanges = z.infer<typeof JobChanges>
