import type { SweepResultRow } from '@zixly/contracts'
import type { IngestClient } from './ingest.ts'

/** The heat map and the stat cards cover at most this many combinations (20 pages of 1,000). */
export const MAX_ANALYSED = 20_000
const PAGE = 1000

/** Every result of a job (up to MAX_ANALYSED), read in parallel pages of ingest's results route. */
export async function allResults(api: IngestClient, jobId: string, total: number): Promise<{ rows: SweepResultRow[]; truncated: boolean }> {
  const n = Math.min(total, MAX_ANALYSED)
  const offsets = Array.from({ length: Math.ceil(n / PAGE) }, (_, i) => i * PAGE)
  const pages = await Promise.all(
    offsets.map((offset) => api.results(jobId, { sort: 'fast_period', order: 'asc', limit: PAGE, offset })),
  )
  return { rows: pages.flatMap((p) => p.results), truncated: total > n }
}
