import {
  JobStatus,
  RESULT_FIELDS,
  ResultsQuery,
  RecordedError,
  SweepParams,
  SweepResultRow,
  type JobDetail,
  type ResultsPage,
} from '@zixly/contracts'
import { z } from 'zod'
import { iso, msBetween, pct, type Queryable } from './db.ts'

const JobRow = z.object({
  id: z.string(),
  tenant_id: z.string(),
  status: JobStatus,
  parameters: z.unknown(),
  progress_done: z.number(),
  progress_total: z.number(),
  total_combinations: z.number().nullable(),
  best: SweepResultRow.nullable(),
  bnh_return_pct: z.number().nullable(),
  results_uri: z.string().nullable(),
  error_message: z.string().nullable(),
  created_at: z.date(),
  started_at: z.date().nullable(),
  completed_at: z.date().nullable(),
  updated_at: z.date(),
  last_seq: z.coerce.number(),
  results_count: z.coerce.number(),
})

const AttemptRow = z.object({
  attempt: z.number(),
  status: z.enum(['DISPATCHED', 'RUNNING', 'SUCCEEDED', 'FAILED']),
  executor_id: z.string().nullable(),
  dispatched_at: z.date().nullable(),
  started_at: z.date().nullable(),
  finished_at: z.date().nullable(),
  error: RecordedError.nullable(),
})

export const RESULT_SELECT = RESULT_FIELDS.join(', ')

/** Default direction of a sort key: best first (lower is better for drawdown and rank). */
export const defaultOrder = (sort: string): 'asc' | 'desc' =>
  sort === 'max_drawdown_pct' || sort === 'rank_for_ticker' ? 'asc' : 'desc'

/** A job with its attempts, errors, durations and top ten results; null when the tenant has no such job. */
export async function jobDetail(db: Queryable, tenantId: string, jobId: string): Promise<JobDetail | null> {
  if (!z.uuid().safeParse(jobId).success) return null
  const r = await db.query(
    `SELECT j.*, (SELECT count(*) FROM trading_sweep_results r WHERE r.job_id = j.id) AS results_count
     FROM pipeline_jobs j WHERE j.id = $1 AND j.tenant_id = $2`,
    [jobId, tenantId],
  )
  if (r.rows.length === 0) return null
  const job = JobRow.parse(r.rows[0])
  // One after another: `db` may be a single connection (the ingest's, set to the tenant).
  const attempts = await db.query(`SELECT * FROM job_attempts WHERE job_id = $1 ORDER BY attempt`, [jobId])
  const top = await db.query(`SELECT ${RESULT_SELECT} FROM trading_sweep_results WHERE job_id = $1 ORDER BY score DESC, fast_period, slow_period LIMIT 10`, [jobId])
  const firstStart = attempts.rows.map((a) => AttemptRow.parse(a).started_at).find((d) => d !== null) ?? job.started_at
  return {
    job_id: job.id,
    tenant_id: job.tenant_id,
    job_type: 'trading_sweep',
    status: job.status,
    parameters: SweepParams.parse(job.parameters),
    progress: { done: job.progress_done, total: job.progress_total, pct: pct(job.progress_done, job.progress_total) },
    attempts: attempts.rows.map((raw) => {
      const a = AttemptRow.parse(raw)
      return {
        attempt: a.attempt,
        status: a.status,
        executor_id: a.executor_id,
        dispatched_at: iso(a.dispatched_at),
        started_at: iso(a.started_at),
        finished_at: iso(a.finished_at),
        duration_ms: msBetween(a.started_at, a.finished_at),
        error: a.error,
      }
    }),
    error: job.error_message,
    created_at: job.created_at.toISOString(),
    started_at: iso(job.started_at),
    completed_at: iso(job.completed_at),
    updated_at: job.updated_at.toISOString(),
    durations: {
      queue_ms: msBetween(job.created_at, firstStart),
      run_ms: msBetween(firstStart, job.completed_at),
      total_ms: msBetween(job.created_at, job.completed_at),
    },
    total_combinations: job.total_combinations,
    results_count: job.results_count,
    results_url: `/webhook/jobs/${job.id}/results`,
    top_results: top.rows.map((row) => SweepResultRow.parse(row)),
    best: job.best,
    bnh_return_pct: job.bnh_return_pct,
    results_uri: job.results_uri,
    last_seq: job.last_seq,
  }
}

/** Whether the tenant has this job in the read model. */
export async function jobExists(db: Queryable, tenantId: string, jobId: string): Promise<boolean> {
  if (!z.uuid().safeParse(jobId).success) return false
  return (await db.query(`SELECT 1 FROM pipeline_jobs WHERE id = $1 AND tenant_id = $2`, [jobId, tenantId])).rows.length > 0
}

/** A page of a job's results sorted by any metric; null when the tenant has no such job. */
export async function resultsPage(
  db: Queryable,
  tenantId: string,
  jobId: string,
  input: z.input<typeof ResultsQuery> = {},
): Promise<ResultsPage | null> {
  const q = ResultsQuery.parse(input)
  if (!(await jobExists(db, tenantId, jobId))) return null
  const order = q.order ?? defaultOrder(q.sort)
  // `sort` is one of a closed enum of column names, so it can be interpolated.
  const r = await db.query(
    `SELECT ${RESULT_SELECT}, count(*) OVER () AS total_count FROM trading_sweep_results WHERE job_id = $1
     ORDER BY ${q.sort} ${order} NULLS LAST, fast_period, slow_period LIMIT $2 OFFSET $3`,
    [jobId, q.limit, q.offset],
  )
  let total = r.rows.length > 0 ? Number(r.rows[0]!.total_count) : 0
  if (r.rows.length === 0 && q.offset > 0)
    total = Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM trading_sweep_results WHERE job_id = $1`, [jobId])).rows[0]!.n)
  return {
    job_id: jobId,
    total_count: total,
    returned_count: r.rows.length,
    offset: q.offset,
    limit: q.limit,
    sort: q.sort,
    order,
    results: r.rows.map((row) => SweepResultRow.parse(row)),
  }
}
