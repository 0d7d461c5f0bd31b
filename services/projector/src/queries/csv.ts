import { RESULT_FIELDS, ResultsCsvQuery, SweepResultRow } from '@zixly/contracts'
import { withTenant, type Pool } from '@zixly/platform'
import type { z } from 'zod'
import { defaultOrder, jobExists, RESULT_SELECT } from './detail.ts'

/** One CSV field (RFC 4180): null is empty; text with a comma, quote or line break is quoted. */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return ''
  const s = typeof v === 'string' ? v : JSON.stringify(v)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export const csvLine = (values: readonly unknown[]): string => `${values.map(csvField).join(',')}\r\n`

/** The CSV header: every SCORE.md field plus the rank, in export order. */
export const RESULTS_CSV_HEADER = csvLine(RESULT_FIELDS)

/**
 * A job's results as CSV text, streamed through a server-side cursor: at most `fetchSize` rows are
 * held at once however large the sweep. Null when the tenant has no such job. The cursor's client
 * goes back to the pool when the stream ends or its consumer stops early. With `role`, the existence
 * check and the cursor's transaction run as that role with `app.tenant_id` set (what withTenant does),
 * so row-level security holds here as it does for every other read.
 */
export async function resultsCsv(
  pool: Pool,
  tenantId: string,
  jobId: string,
  input: z.input<typeof ResultsCsvQuery> = {},
  fetchSize = 1000,
  opts: { role?: string } = {},
): Promise<AsyncGenerator<string> | null> {
  const q = ResultsCsvQuery.parse(input)
  const exists = opts.role
    ? await withTenant(pool, tenantId, (c) => jobExists(c, tenantId, jobId), { role: opts.role })
    : await jobExists(pool, tenantId, jobId)
  if (!exists) return null
  const order = q.order ?? defaultOrder(q.sort)
  return (async function* () {
    const client = await pool.connect()
    let done = false
    try {
      await client.query('BEGIN READ ONLY')
      if (opts.role)
        await client.query(`SELECT set_config('role', $1, true), set_config('app.tenant_id', $2, true)`, [opts.role, tenantId])
      await client.query(
        `DECLARE results_csv NO SCROLL CURSOR FOR SELECT ${RESULT_SELECT} FROM trading_sweep_results
         WHERE job_id = $1 AND tenant_id = $2 ORDER BY ${q.sort} ${order} NULLS LAST, fast_period, slow_period`,
        [jobId, tenantId],
      )
      yield RESULTS_CSV_HEADER
      for (;;) {
        const r = await client.query(`FETCH ${fetchSize} FROM results_csv`)
        if (r.rows.length === 0) break
        let chunk = ''
        for (const raw of r.rows) {
          const row = SweepResultRow.parse(raw)
          chunk += csvLine(RESULT_FIELDS.map((f) => row[f]))
        }
        yield chunk
      }
      await client.query('COMMIT')
      done = true
    } finally {
      if (!done) await client.query('ROLLBACK').catch(() => {})
      client.release()
    }
  })()
}
