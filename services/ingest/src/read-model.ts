import { RESULT_FIELDS, SweepParams, SweepResultRow, type JobView, type ResultsQuery } from '@zixly/contracts'
import { withTenant, type Pool } from '@zixly/platform'
import { z } from 'zod'

const iso = (v: Date | null): string | null => (v === null ? null : v.toISOString())

const JobRow = z.object({
  id: z.string(),
  tenant_id: z.string(),
  status: z.enum(['QUEUED', 'RUNNING', 'RETRYING', 'COMPLETED', 'FAILED', 'CANCELLED']),
  parameters: z.unknown(),
  progress_done: z.number(),
  progress_total: z.number(),
  total_combinations: z.number().nullable(),
  error_message: z.string().nullable(),
  created_at: z.date(),
  started_at: z.date().nullable(),
  completed_at: z.date().nullable(),
  updated_at: z.date(),
  results_count: z.coerce.number(),
})

const AttemptRow = z.object({
  attempt: z.number(),
  status: z.enum(['DISPATCHED', 'RUNNING', 'SUCCEEDED', 'FAILED']),
  dispatched_at: z.date().nullable(),
  started_at: z.date().nullable(),
  finished_at: z.date().nullable(),
  error: z.object({ code: z.string(), message: z.string(), retryable: z.boolean() }).nullable(),
})

const RESULT_SELECT = RESULT_FIELDS.join(', ')

/**
 * Queries over the read models. Every query is scoped by tenant twice: by its own filter, and by
 * row-level security (each method runs inside withTenant, as the application role).
 */
export function readModel(db: Pool) {
  return {
    job: (tenantId: string, jobId: string): Promise<JobView | null> => withTenant(db, tenantId, async (pool) => {
      const r = await pool.query(
        `SELECT j.*, (SELECT count(*) FROM trading_sweep_results r WHERE r.job_id = j.id) AS results_count
         FROM pipeline_jobs j WHERE j.id = $1 AND j.tenant_id = $2`,
        [jobId, tenantId],
      )
      if (r.rows.length === 0) return null
      const job = JobRow.parse(r.rows[0])
      const [attempts, top] = await Promise.all([
        pool.query(`SELECT * FROM job_attempts WHERE job_id = $1 ORDER BY attempt`, [jobId]),
        pool.query(
          `SELECT ${RESULT_SELECT} FROM trading_sweep_results WHERE job_id = $1
           ORDER BY score DESC, fast_period, slow_period LIMIT 10`,
          [jobId],
        ),
      ])
      const total = job.progress_total
      return {
        job_id: job.id,
        tenant_id: job.tenant_id,
        job_type: 'trading_sweep',
        status: job.status,
        parameters: SweepParams.parse(job.parameters),
        progress: { done: job.progress_done, total, pct: total > 0 ? Math.round((job.progress_done / total) * 1000) / 10 : 0 },
        attempts: attempts.rows.map((a) => {
          const row = AttemptRow.parse(a)
          return {
            attempt: row.attempt,
            status: row.status,
            dispatched_at: iso(row.dispatched_at),
            started_at: iso(row.started_at),
            finished_at: iso(row.finished_at),
            error: row.error,
          }
        }),
        error: job.error_message,
        created_at: job.created_at.toISOString(),
        started_at: iso(job.started_at),
        completed_at: iso(job.completed_at),
        updated_at: job.updated_at.toISOString(),
        total_combinations: job.total_combinations,
        results_count: job.results_count,
        results_url: `/webhook/jobs/${job.id}/results`,
        top_results: top.rows.map((row) => SweepResultRow.parse(row)),
      }
    }),

    results: (tenantId: string, jobId: string, q: ResultsQuery) => withTenant(db, tenantId, async (pool) => {
      const exists = await pool.query(`SELECT 1 FROM pipeline_jobs WHERE id = $1 AND tenant_id = $2`, [jobId, tenantId])
      if (exists.rows.length === 0) return null
      const order = q.order ?? (q.sort === 'max_drawdown_pct' || q.sort === 'rank_for_ticker' ? 'asc' : 'desc')
      // `sort` is one of a closed enum of column names, so it can be interpolated.
      const r = await pool.query(
        `SELECT ${RESULT_SELECT}, count(*) OVER () AS total_count FROM trading_sweep_results WHERE job_id = $1
         ORDER BY ${q.sort} ${order} NULLS LAST, fast_period, slow_period LIMIT $2 OFFSET $3`,
        [jobId, q.limit, q.offset],
      )
      let total = r.rows.length > 0 ? Number((r.rows[0] as { total_count: string }).total_count) : 0
      if (r.rows.length === 0 && q.offset > 0)
        total = Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM trading_sweep_results WHERE job_id = $1`, [jobId])).rows[0]!.n)
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
    }),
  }
}
export type ReadModel = ReturnType<typeof readModel>
