import type { TenantStats, WindowStats } from '@zixly/contracts'
import { z } from 'zod'
import { statusCounts, type Queryable } from './db.ts'

const WindowRow = z.object({
  label: z.enum(['1h', '24h', '7d']),
  finished: z.coerce.number(),
  completed: z.coerce.number(),
  failed: z.coerce.number(),
  cancelled: z.coerce.number(),
  p50: z.number().nullable(),
  p95: z.number().nullable(),
})
const MinuteRow = z.object({ minute: z.date(), finished: z.coerce.number(), completed: z.coerce.number(), failed: z.coerce.number() })

const round = (v: number | null) => (v === null ? null : Math.round(v))

/**
 * One tenant's jobs at a glance: counts by status, queue depth, and for the jobs that finished in the
 * last hour, day and week the success rate and p50 / p95 duration (requested → terminal), plus jobs
 * finished per minute over the last hour. `now` is a parameter so the windows are reproducible.
 */
export async function tenantStats(db: Queryable, tenantId: string, now: Date = new Date()): Promise<TenantStats> {
  const at = now.toISOString()
  // One after another: `db` may be a single connection (the ingest's, set to the tenant), which takes
  // one query at a time.
  const counts = await db.query<{ status: string; n: string }>(`SELECT status, count(*) AS n FROM pipeline_jobs WHERE tenant_id = $1 GROUP BY status`, [tenantId])
  const windows = await db.query(
    `SELECT w.label,
       count(j.id) AS finished,
       count(j.id) FILTER (WHERE j.status = 'COMPLETED') AS completed,
       count(j.id) FILTER (WHERE j.status = 'FAILED') AS failed,
       count(j.id) FILTER (WHERE j.status = 'CANCELLED') AS cancelled,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM j.completed_at - j.created_at) * 1000)
         FILTER (WHERE j.status IN ('COMPLETED', 'FAILED')) AS p50,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM j.completed_at - j.created_at) * 1000)
         FILTER (WHERE j.status IN ('COMPLETED', 'FAILED')) AS p95
     FROM (VALUES ('1h', interval '1 hour'), ('24h', interval '24 hours'), ('7d', interval '7 days')) AS w(label, span)
     LEFT JOIN pipeline_jobs j ON j.tenant_id = $1 AND j.completed_at > $2::timestamptz - w.span AND j.completed_at <= $2::timestamptz
     GROUP BY w.label`,
    [tenantId, at],
  )
  const minutes = await db.query(
    `SELECT m.minute,
       count(j.id) AS finished,
       count(j.id) FILTER (WHERE j.status = 'COMPLETED') AS completed,
       count(j.id) FILTER (WHERE j.status = 'FAILED') AS failed
     FROM generate_series(date_trunc('minute', $2::timestamptz) - interval '59 minutes', date_trunc('minute', $2::timestamptz), interval '1 minute') AS m(minute)
     LEFT JOIN pipeline_jobs j ON j.tenant_id = $1 AND j.completed_at >= m.minute AND j.completed_at < m.minute + interval '1 minute'
       AND j.completed_at <= $2::timestamptz
     GROUP BY m.minute ORDER BY m.minute`,
    [tenantId, at],
  )
  const c = statusCounts(counts.rows)
  const byLabel = new Map(windows.rows.map((raw) => {
    const w = WindowRow.parse(raw)
    const decided = w.completed + w.failed
    const stats: WindowStats = {
      finished: w.finished,
      completed: w.completed,
      failed: w.failed,
      cancelled: w.cancelled,
      success_rate: decided > 0 ? w.completed / decided : null,
      p50_ms: round(w.p50),
      p95_ms: round(w.p95),
    }
    return [w.label, stats] as const
  }))
  const throughput = minutes.rows.map((raw) => {
    const m = MinuteRow.parse(raw)
    return { minute: m.minute.toISOString(), finished: m.finished, completed: m.completed, failed: m.failed }
  })
  return {
    tenant_id: tenantId,
    as_of: at,
    ...c,
    queue_depth: c.by_status.QUEUED + c.by_status.RETRYING,
    running: c.by_status.RUNNING,
    windows: { '1h': byLabel.get('1h')!, '24h': byLabel.get('24h')!, '7d': byLabel.get('7d')! },
    throughput_per_minute: throughput.reduce((s, m) => s + m.finished, 0) / throughput.length,
    throughput,
  }
}
