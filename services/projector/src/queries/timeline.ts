import type { Timeline } from '@zixly/contracts'
import { z } from 'zod'
import type { Queryable } from './db.ts'

const Row = z.object({
  seq: z.coerce.number(),
  occurred_at: z.date(),
  type: z.string(),
  version: z.number(),
  attempt: z.number().nullable(),
  summary: z.string(),
  data: z.unknown(),
})

/** Every event of a job in log order, with time, type, attempt and a readable summary; null when unknown. */
export async function jobTimeline(db: Queryable, tenantId: string, jobId: string): Promise<Timeline | null> {
  if (!z.uuid().safeParse(jobId).success) return null
  const r = await db.query(
    `SELECT seq, occurred_at, type, version, attempt, summary, data FROM job_events
     WHERE job_id = $1 AND tenant_id = $2 ORDER BY seq`,
    [jobId, tenantId],
  )
  if (r.rows.length === 0) return null
  return {
    job_id: jobId,
    events: r.rows.map((raw) => {
      const e = Row.parse(raw)
      return { seq: e.seq, time: e.occurred_at.toISOString(), type: e.type, version: e.version, attempt: e.attempt, summary: e.summary, data: e.data }
    }),
  }
}
