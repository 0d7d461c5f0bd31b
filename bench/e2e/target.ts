import type { Pool } from '@zixly/platform'
import type { ResultRow } from '@zixly/engine'

/** A system under test, as the end-to-end bench sees it: a webhook and a read model. */
export interface Target {
  readonly name: string
  /** Processes whose memory is sampled, by service name. */
  readonly processes: ReadonlyArray<{ name: string; pid: number }>
  /** POSTs one sweep; resolves with its job id once the 202 arrived. */
  submit(body: unknown): Promise<string>
  /** Jobs of the read model that reached a terminal status, overall. */
  countDone(): Promise<{ completed: number; failed: number }>
  /** Which of `ids` the read model shows as COMPLETED or FAILED. */
  doneAmong(ids: readonly string[]): Promise<string[]>
  /** The stored result rows of each job. */
  results(ids: readonly string[]): Promise<Map<string, ResultRow[]>>
  stop(): Promise<void>
}

/** A keep-alive JSON POST that insists on a 202 with a job id. */
export async function postSweep(url: string, headers: Record<string, string>, body: unknown): Promise<string> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
  const text = await res.text()
  if (res.status !== 202) throw new Error(`POST ${url}: ${res.status} ${text.slice(0, 300)}`)
  return (JSON.parse(text) as { job_id: string }).job_id
}

/** Counts and lookups over a job table (`status` column) and a results table keyed by `job_id`. */
export function readModelQueries(pool: Pool, jobs: string, results: string) {
  return {
    async countDone() {
      const r = await pool.query<{ completed: string; failed: string }>(
        `SELECT count(*) FILTER (WHERE status = 'COMPLETED') AS completed, count(*) FILTER (WHERE status = 'FAILED') AS failed FROM ${jobs}`,
      )
      return { completed: Number(r.rows[0]?.completed ?? 0), failed: Number(r.rows[0]?.failed ?? 0) }
    },
    async doneAmong(ids: readonly string[]) {
      if (ids.length === 0) return []
      const r = await pool.query<{ id: string }>(`SELECT id FROM ${jobs} WHERE id = ANY($1::uuid[]) AND status IN ('COMPLETED', 'FAILED')`, [ids])
      return r.rows.map((row) => row.id)
    },
    async results(ids: readonly string[]) {
      const out = new Map<string, ResultRow[]>()
      for (let i = 0; i < ids.length; i += 2000) {
        const r = await pool.query<ResultRow & { job_id: string }>(
          `SELECT * FROM ${results} WHERE job_id = ANY($1::uuid[]) ORDER BY job_id, fast_period, slow_period`,
          [ids.slice(i, i + 2000)],
        )
        for (const row of r.rows) {
          const list = out.get(row.job_id) ?? []
          list.push(row)
          out.set(row.job_id, list)
        }
      }
      return out
    },
  }
}
